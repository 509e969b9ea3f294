"""Small dialogs: a one-line text prompt, and the answer to a friend request."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from xmpptui.ui import render

_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 64;
    height: auto;
    border: thick $primary;
    background: $surface;
    padding: 1 2;
}}
{name} #question {{
    margin-bottom: 1;
}}
{name} Horizontal {{
    height: auto;
    margin-top: 1;
}}
{name} Button {{
    margin-right: 1;
}}
"""


class TextPromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a new name, a group). Escape cancels (``None``)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = _CSS.format(name="TextPromptScreen")

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self._question = question
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(render.body_content(self._question), id="question")
            yield Input(self._value, placeholder=self._placeholder, id="answer")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class RequestScreen(ModalScreen[str | None]):
    """Answer a friend request: ``"accept"``, ``"deny"``, or ``None`` (decide later).

    | key    | action |
    |--------|--------|
    | a      | accept |
    | d      | deny   |
    | escape | later  |
    """

    BINDINGS = [
        Binding("a", "choose('accept')", "Accept"),
        Binding("d", "choose('deny')", "Deny"),
        Binding("escape", "choose('')", "Later"),
    ]
    DEFAULT_CSS = _CSS.format(name="RequestScreen")

    def __init__(self, jid: str, nick: str = "", status: str = "") -> None:
        super().__init__()
        self._jid, self._nick, self._status = jid, nick, status

    def compose(self) -> ComposeResult:
        who = f"{self._nick} ({self._jid})" if self._nick else self._jid
        text = f"{who} wants to add you as a contact and see your presence."
        if self._status:
            text += f'\nThey say: "{self._status}"'
        with Vertical():
            yield Static(render.body_content(text), id="question")
            with Horizontal():
                yield Button("Accept (a)", variant="success", id="accept")
                yield Button("Deny (d)", variant="error", id="deny")
                yield Button("Later (esc)", id="later")

    def on_mount(self) -> None:
        self.query_one("#later", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose("" if event.button.id == "later" else event.button.id or "")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice or None)
