"""Choose a new password (``/passwd``): typed twice, masked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from xmpptui.ui import render


class NewPasswordScreen(ModalScreen[str | None]):
    """Dismisses with the new password, or ``None`` when cancelled.

    | key    | action            |
    |--------|-------------------|
    | enter  | next field / save |
    | escape | cancel            |
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    NewPasswordScreen {
        align: center middle;
    }
    NewPasswordScreen > Vertical {
        width: 64;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    NewPasswordScreen #title {
        text-style: bold;
        margin-bottom: 1;
    }
    NewPasswordScreen #problem {
        color: $error;
    }
    NewPasswordScreen Horizontal {
        height: auto;
        margin-top: 1;
    }
    """

    def __init__(self, jid: str) -> None:
        super().__init__()
        self._jid = jid

    def compose(self) -> ComposeResult:
        with Vertical():
            title = render.identity_content(f"New password for {self._jid}", max_len=200)
            yield Static(title, id="title")
            yield Label("New password")
            yield Input(password=True, id="first")
            yield Label("Repeat the new password")
            yield Input(password=True, id="second")
            yield Static("", id="problem")
            with Horizontal():
                yield Button("Change password", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#first", Input).focus()

    def _save(self) -> None:
        first = self.query_one("#first", Input).value
        second = self.query_one("#second", Input).value
        problem = self.query_one("#problem", Static)
        if not first:
            problem.update("Type the new password.")
            self.query_one("#first", Input).focus()
        elif first != second:
            problem.update("The two passwords differ; type them again.")
            self.query_one("#second", Input).value = ""
            self.query_one("#second", Input).focus()
        else:
            self.dismiss(first)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "first":
            self.query_one("#second", Input).focus()
        else:
            self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
