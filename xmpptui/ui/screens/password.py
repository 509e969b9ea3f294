"""The login prompt: a masked password and whether to remember it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from xmpptui.ui import render


@dataclass(frozen=True, slots=True)
class PasswordEntry:
    """What the user typed on the login prompt."""

    password: str
    remember: bool
    create_account: bool = False  # the user asked to create the account instead

    def __repr__(self) -> str:
        return f"PasswordEntry(password='***', remember={self.remember})"


class PasswordScreen(ModalScreen[PasswordEntry | None]):
    """Ask for the account's password. Dismisses with ``None`` when the user quits.

    | key    | action |
    |--------|--------|
    | enter  | log in |
    | escape | quit   |
    """

    BINDINGS = [Binding("escape", "cancel", "Quit", show=True)]

    DEFAULT_CSS = """
    PasswordScreen {
        align: center middle;
    }
    PasswordScreen > Vertical {
        width: 64;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    PasswordScreen #title {
        text-style: bold;
        margin-bottom: 1;
    }
    PasswordScreen #error {
        color: $error;
        margin-bottom: 1;
    }
    PasswordScreen #notice {
        color: $text-muted;
    }
    PasswordScreen Horizontal {
        height: auto;
        margin-top: 1;
    }
    PasswordScreen Button {
        margin-right: 2;
    }
    """

    def __init__(
        self,
        jid: str,
        *,
        error: str = "",
        notice: str = "",
        can_remember: bool,
        can_create: bool = False,
    ) -> None:
        super().__init__()
        self._can_create = can_create
        self._jid = jid
        self._error = error
        self._notice = notice
        self._can_remember = can_remember

    def compose(self) -> ComposeResult:
        with Vertical():
            title = render.identity_content(f"Log in as {self._jid}")
            yield Static(title, id="title")
            if self._error:
                yield Static(render.body_content(self._error), id="error")
            yield Label("Password")
            yield Input(password=True, id="password", placeholder="password")
            yield Checkbox(
                "Remember in keyring",
                value=self._can_remember,
                disabled=not self._can_remember,
                id="remember",
            )
            if self._notice:
                yield Static(render.body_content(self._notice), id="notice")
            with Horizontal():
                yield Button("Log in", variant="primary", id="login")
                if self._can_create:
                    yield Button("Create account", id="create")
                yield Button("Quit", id="quit")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def _submit(self) -> None:
        password = self.query_one("#password", Input).value
        if not password:
            self.query_one("#password", Input).focus()
            return
        remember = self._can_remember and self.query_one("#remember", Checkbox).value
        self.dismiss(PasswordEntry(password, remember))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "login":
            self._submit()
        elif event.button.id == "create":
            self.dismiss(PasswordEntry("", remember=False, create_account=True))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
