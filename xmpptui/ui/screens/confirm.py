"""A yes/no question, "No" by default."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from xmpptui.ui import render


class ConfirmScreen(ModalScreen[bool]):
    """Ask ``question`` (shown as inert text); dismisses with ``True`` only for yes.

    | key      | answer |
    |----------|--------|
    | y        | yes    |
    | n/escape | no     |
    | enter    | the focused button ("No" at first) |
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.cancel"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 1; }
    """

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self._labels = (yes, no)

    def compose(self) -> ComposeResult:
        yes, no = self._labels
        with Vertical():
            yield Static(render.body_content(self.question), id="question")
            with Horizontal():
                yield Button(Content(f"{render.clean_identity(yes)} (y)"), "error", id="yes")
                yield Button(Content(f"{render.clean_identity(no)} (n)"), "primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
