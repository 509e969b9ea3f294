"""Shown when another client signed in with our full JID and the server signed us out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from xmpptui.ui import render


class ConflictScreen(ModalScreen[str]):
    """Ask what to do after a resource conflict. Nothing happens by itself.

    Dismisses with ``"new"`` (reconnect with a new resource), ``"takeover"``
    (reconnect with the same resource, signing the other client out) or
    ``"offline"``.

    | key    | action                          |
    |--------|---------------------------------|
    | n      | reconnect with a new resource   |
    | t      | take over with the same one     |
    | escape | stay offline                    |
    """

    BINDINGS = [
        Binding("n", "choose('new')", "New resource"),
        Binding("t", "choose('takeover')", "Take over"),
        Binding("escape", "choose('offline')", "Stay offline"),
    ]

    DEFAULT_CSS = """
    ConflictScreen {
        align: center middle;
    }
    ConflictScreen > Vertical {
        width: 76;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConflictScreen #title {
        text-style: bold;
        color: $warning;
        margin-bottom: 1;
    }
    ConflictScreen Horizontal {
        height: auto;
        margin-top: 1;
    }
    ConflictScreen Button {
        margin-right: 1;
    }
    """

    def __init__(self, full_jid: str) -> None:
        super().__init__()
        self._full_jid = full_jid

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                render.identity_content(
                    f"Signed out: another client signed in as {self._full_jid}", max_len=200
                ),
                id="title",
            )
            yield Static(
                "xmpptui will not reconnect by itself, so two clients never keep "
                "signing each other out. Reconnect with a new resource to stay online "
                "next to the other client, or take over to sign it out.",
                markup=False,
            )
            with Horizontal():
                yield Button("New resource (n)", variant="primary", id="new")
                yield Button("Take over (t)", variant="warning", id="takeover")
                yield Button("Stay offline (esc)", id="offline")

    def on_mount(self) -> None:
        self.query_one("#new", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "offline")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
