"""The input line where messages and slash commands are typed."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Input


class Composer(Input):
    """One line; Enter submits what was typed (a message or a ``/command``).

    | key   | action                 |
    |-------|------------------------|
    | enter | send / run the command |
    """

    DEFAULT_CSS = """
    Composer {
        border: tall $primary 40%;
    }
    Composer:focus {
        border: tall $primary;
    }
    """

    class LineEntered(Message):
        """The user pressed Enter on non-empty text."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="Type a message, or /help", id=id, select_on_focus=False)

    def _on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if text.strip():
            self.value = ""
            self.post_message(self.LineEntered(text))

    def start_command(self) -> None:
        """Focus with ``/`` already typed, ready for a command."""
        self.focus()
        self.value = "/"
        self.cursor_position = 1
