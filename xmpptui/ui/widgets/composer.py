"""The input where messages and slash commands are typed (multi-line, a ``TextArea``).

It only posts intents: ``LineEntered`` (send / run), ``EditLastRequested``
(correct the last message) and ``Typing`` (XEP-0085 chat states).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import TextArea

from xmpptui.models import ChatState
from xmpptui.ui import commands, pace, render
from xmpptui.ui.widgets.completion import complete

PLACEHOLDER = "Type a message, or /help"
NEWLINE_KEYS = frozenset({"ctrl+j", "alt+enter", "shift+enter", "ctrl+enter"})
"""Keys that insert a line break. Most terminals cannot tell shift+enter from enter;
ctrl+j (a line feed) works everywhere, alt+enter nearly everywhere."""
EDIT_KEYS = frozenset({"backspace", "delete", "tab", *NEWLINE_KEYS})
"""Keys that edit the text besides printable characters (typing goes on)."""


class Composer(TextArea):
    """Enter sends what was typed (a message or a ``/command``); it may span lines.

    | key                  | action                                                |
    |----------------------|-------------------------------------------------------|
    | enter                | send / run the command (``LineEntered``)              |
    | ctrl+j, alt+enter    | new line (also shift+enter where the terminal says so)|
    | up / down            | on the first / last line: earlier / later sent lines  |
    | up on an empty input | ``EditLastRequested`` (correct your last message)     |
    | ctrl+up / ctrl+down  | earlier / later sent lines, from anywhere             |
    | tab                  | complete a ``/command``, a JID or a name; again: next |
    |                      | (on an empty input tab moves the focus, as usual)     |

    The input grows with its text up to 8 lines. Several completions are listed
    on its bottom border. A paste keeps its line breaks and is sent as one
    message. Chat states
    (``Typing``): ``composing`` when a message (not a command) is started,
    ``paused`` after ``pause_delay`` seconds without a change, ``active`` when
    it was sent or emptied.
    """

    BINDINGS = [
        Binding("ctrl+up", "history(-1)", "Earlier line", show=False, id="composer.history_back"),
        Binding("ctrl+down", "history(1)", "Later line", show=False, id="composer.history_on"),
    ]

    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 10;
        border: tall $primary 40%;
        padding: 0 1;
        & .text-area--cursor-line { background: transparent; }
    }
    Composer:focus {
        border: tall $primary;
    }
    """

    HISTORY_SIZE = 200

    class LineEntered(Message):
        """The user pressed Enter on non-empty text (line breaks kept, trailing ones dropped)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class EditLastRequested(Message):
        """Up on an empty input: the app offers to correct the last message (``/correct``);
        with nothing to correct it may call ``history_back()``."""

    class Typing(Message):
        """The user's chat state changed (composing, paused, active)."""

        def __init__(self, state: ChatState) -> None:
            super().__init__()
            self.state = state

    def __init__(self, *, id: str | None = None, pause_delay: float = 5.0) -> None:
        super().__init__(
            id=id, soft_wrap=True, tab_behavior="focus", placeholder=PLACEHOLDER,
            highlight_cursor_line=False,
        )  # fmt: skip
        # A blinking cursor redraws the screen twice a second, forever: ~1 % CPU and a
        # stream of output over SSH while idle. Terminal clients (Profanity, Poezio)
        # show a steady cursor.
        self.cursor_blink = False
        self.pause_delay = pause_delay
        """Seconds without a change before ``paused`` is posted."""
        self.jid_completions: Callable[[str], list[str]] | None = None
        """Set by the app: JIDs and names that complete a typed prefix."""
        self.command_names: Iterable[str] = commands.HELP
        self.chat_state = ChatState.ACTIVE
        """The last chat state posted."""
        self._sent: list[str] = []
        self._browse: int | None = None  # index into _sent while browsing the history
        self._draft = ""
        self._set_text: str | None = None  # a change made by the program, not the user
        self._pause_timer: Timer | None = None
        self._cycle: tuple[int, int, tuple[str, ...], int] | None = None  # row, col, options, i
        self._cycle_text: str | None = None

    # ------------------------------------------------------------ value API
    @property
    def value(self) -> str:
        """The text (like ``Input.value``); setting it puts the cursor at the end."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self._set_text = text
        self.load_text(text)
        self.move_cursor(self.document.end)

    @property
    def cursor_position(self) -> int:
        """The cursor as an offset into ``value`` (like ``Input.cursor_position``)."""
        row, column = self.cursor_location
        return sum(len(self.document[r]) + 1 for r in range(row)) + column

    @cursor_position.setter
    def cursor_position(self, offset: int) -> None:
        before = self.text[: max(offset, 0)]
        self.move_cursor((before.count("\n"), len(before) - (before.rfind("\n") + 1)))

    def start_command(self) -> None:
        """Focus with ``/`` already typed, ready for a command."""
        self.focus()
        self.value = "/"

    # ------------------------------------------------------------ keys
    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if event.is_printable or key in EDIT_KEYS:
            pace.key_typed(self)  # big redraws due now follow this key's frame
        else:  # Enter, a tab switch, a cursor move: redraws need not wait
            pace.typing_ended(self)
        if key == "tab" and not self.text:
            return  # nothing to complete: tab moves the focus as usual
        if key == "enter" or key in NEWLINE_KEYS or key == "tab":
            event.stop()
            event.prevent_default()
            if key == "enter":
                self.submit()
            elif key == "tab":
                self._complete()
            else:
                start, end = self.selection
                self.replace("\n", start, end, maintain_selection_offset=False)

    _styled_for: tuple[object, ...] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # TextArea re-reads its component styles into its theme before every frame
        # (about half of drawing the echo of a key); they change only with the CSS,
        # the theme, the focus or the enabled state.
        styled_for = (self.has_focus, self.disabled, self.app.theme)
        if styled_for == self._styled_for:
            return super(TextArea, self).render_lines(crop)
        self._styled_for = styled_for
        return super().render_lines(crop)

    def notify_style_update(self) -> None:
        self._styled_for = None
        super().notify_style_update()

    def on_blur(self, _event: events.Blur) -> None:
        pace.typing_ended(self)  # the user went elsewhere: nothing waits for a key

    def submit(self) -> None:
        """Send what was typed (as Enter does)."""
        text = self.text.rstrip("\n")
        if not text.strip():
            return
        if commands.is_private(text):
            pass  # e.g. "/passwd hunter2": never kept for ctrl+up
        elif not self._sent or self._sent[-1] != text:
            self._sent = [*self._sent, text][-self.HISTORY_SIZE :]
        self._browse = None
        self.value = ""
        self.post_message(self.LineEntered(text))
        if self.chat_state in (ChatState.COMPOSING, ChatState.PAUSED):
            self._post_state(ChatState.ACTIVE)

    def action_cursor_up(self, select: bool = False) -> None:
        at_top = self.navigator.is_first_wrapped_line(self.cursor_location)
        if not select and at_top:
            if not self.text and self._browse is None:
                self.post_message(self.EditLastRequested())
                return
            if self.history_back():
                return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        at_bottom = self.navigator.is_last_wrapped_line(self.cursor_location)
        if not select and at_bottom and self.history_forward():
            return
        super().action_cursor_down(select)

    def action_history(self, step: int) -> None:
        if step < 0:
            self.history_back()
        else:
            self.history_forward()

    def history_back(self) -> bool:
        """Show the previous sent line; False when there is none."""
        if not self._sent:
            return False
        if self._browse is None:
            self._draft, self._browse = self.text, len(self._sent) - 1
        elif self._browse > 0:
            self._browse -= 1
        self.value = self._sent[self._browse]
        return True

    def history_forward(self) -> bool:
        """Show the next sent line, then the draft; False when not in the history."""
        if self._browse is None:
            return False
        if self._browse < len(self._sent) - 1:
            self._browse += 1
            self.value = self._sent[self._browse]
        else:
            self._browse = None
            self.value = self._draft
        return True

    # ------------------------------------------------------- completion
    def _complete(self) -> None:
        row, column = self.cursor_location
        if self._cycle is not None and self.text == self._cycle_text:
            c_row, c_col, options, index = self._cycle
            index = (index + 1) % len(options)
            self._put(c_row, c_col, column, options[index])
            self._cycle = (c_row, c_col, options, index)
            return
        self._cycle = None
        line = self.document[row][:column]
        found = complete(line, self.command_names, self.jid_completions)
        if row > 0 and found is not None and found.word.startswith("/"):
            found = None  # commands only on the first line
        if found is None:
            self.app.bell()
            return
        start = found.start
        if len(found.candidates) == 1:
            self._put(row, start, column, found.candidates[0])
        elif len(found.common) > len(found.word):
            self._put(row, start, column, found.common)
            self._show_options(found.candidates)
        else:
            self._put(row, start, column, found.candidates[0])
            self._cycle = (row, start, found.candidates, 0)
            self._show_options(found.candidates)
        self._cycle_text = self.text

    def _put(self, row: int, start: int, end: int, text: str) -> None:
        self.replace(text, (row, start), (row, end), maintain_selection_offset=False)
        self._cycle_text = self.text

    def _show_options(self, options: tuple[str, ...]) -> None:
        shown = "  ".join(o.strip() for o in options[:8]) + ("  …" if len(options) > 8 else "")
        self.border_subtitle = render.identity_content(shown, max_len=200)

    # ------------------------------------------------------- chat states
    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is not self:
            return
        text = self.text
        if text != self._cycle_text:
            self.border_subtitle = None
        if self._set_text is not None and text == self._set_text:
            self._set_text = None  # our own change (send, history, start_command)
            return
        self._browse = None
        chatty = bool(text.strip()) and (not text.startswith("/") or text.startswith("//"))
        if chatty:
            if self.chat_state is not ChatState.COMPOSING:
                self._post_state(ChatState.COMPOSING)
            if self._pause_timer is not None:
                self._pause_timer.stop()
            self._pause_timer = self.set_timer(self.pause_delay, self._paused)
        elif self.chat_state in (ChatState.COMPOSING, ChatState.PAUSED):
            self._post_state(ChatState.ACTIVE)

    def _paused(self) -> None:
        if self.chat_state is ChatState.COMPOSING:
            self._post_state(ChatState.PAUSED)

    def _post_state(self, state: ChatState) -> None:
        if state is not ChatState.COMPOSING and self._pause_timer is not None:
            self._pause_timer.stop()
            self._pause_timer = None
        self.chat_state = state
        self.post_message(self.Typing(state))
