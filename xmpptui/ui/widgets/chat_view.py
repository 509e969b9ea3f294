"""The message view of one tab: a ``ChatModel`` drawn on the Line API (``chat_canvas.py``).

No widget per message, lines laid out only for the rows on screen
(``chat_layout.py`` says what they look like), so a 100,000-message tab and a
2,000-message burst stay cheap. Every string from the network is drawn as
plain text through ``render``: never markup, never a link, nothing opens by
itself; ``y`` copies and ``o`` asks the app, on purpose only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.message import Message

from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui import render
from xmpptui.ui.widgets import chat_layout as lay
from xmpptui.ui.widgets.chat_canvas import ChatCanvas
from xmpptui.ui.widgets.chat_entry import Entry


class ChatView(ChatCanvas, can_focus=True):
    """Messages and notices of one tab, oldest first, with day separators.

    | key          | action (when focused)                                     |
    |--------------|-----------------------------------------------------------|
    | up/down, k/j | select the previous / next message (up on the first one:  |
    |              | ``TopReached``)                                           |
    | home / end   | first / last message                                      |
    | pgup / pgdn  | select a screen up / down                                 |
    | enter, e     | expand / collapse a large (> 10 kB) message               |
    | y            | copy the selected message's first URL, else its text      |
    |              | (OSC 52, ``App.copy_to_clipboard``)                       |
    | o            | ``OpenUrlRequested`` with its first URL (the app decides) |

    Scrolling to the very top posts ``TopReached(peer)`` once (again after
    older messages were inserted, or after leaving the top): the app loads
    older history then.
    """

    BINDINGS = [
        Binding("up,k", "select(-1)", "Previous", show=False, id="chat.previous"),
        Binding("down,j", "select(1)", "Next", show=False, id="chat.next"),
        Binding("home", "select_edge(0)", "First", show=False, id="chat.first"),
        Binding("end", "select_edge(1)", "Last", show=False, id="chat.last"),
        Binding("pageup", "select_page(-1)", "Page up", show=False, id="chat.page_up"),
        Binding("pagedown", "select_page(1)", "Page down", show=False, id="chat.page_down"),
        Binding("enter,e", "expand", "Expand", show=False, id="chat.expand"),
        Binding("y", "copy", "Copy", id="chat.copy"),
        Binding("o", "open_url", "Open URL", id="chat.open_url"),
    ]

    clock: ClassVar[Callable[[], datetime]] = datetime.now
    """Where notices get their time (screenshots freeze it)."""

    class TopReached(Message):
        """The user scrolled to the very top of ``peer``'s tab: load older history."""

        def __init__(self, peer: str) -> None:
            super().__init__()
            self.peer = peer

    class OpenUrlRequested(Message):
        """The user asked to open ``url`` (``o``). Nothing was opened."""

        def __init__(self, url: str) -> None:
            super().__init__()
            self.url = url

    def __init__(self, peer: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-conversation" if peer else None)
        self.peer = peer
        """The bare JID of the conversation (``None``: the console)."""
        self._typing: str | None = None

    # ------------------------------------------------------------ content
    def add_message(self, message: ChatMessage, sender_name: str) -> bool:
        """Insert a message in time order unless its id is shown; return whether it was added."""
        added = self.model.add_message(message, sender_name)
        if added:
            self.changed()
        return added

    def add_messages(
        self, messages: Iterable[ChatMessage], name_of: Callable[[str], str], *, older: bool = False
    ) -> int:
        """Insert many (a history or archive page) with one relayout; ``name_of(sender_jid)``
        gives each sender's name. Returns how many were new.

        ``older``: a page from the history, older than what is shown (the user went
        back in time: the view stops following the newest, so ``keep`` does not
        forget the page at once)."""
        added = self.model.add_messages(((m, name_of(m.sender)) for m in messages), older=older)
        if added:
            if older:
                self._follow = False
            self.changed()
        return added

    def rename(self, sender: str, name: str) -> None:
        """Show ``name`` for the messages of ``sender`` (bare JID), e.g. once the roster came."""
        if self.model.rename(sender, name):
            self.changed()

    def add_notice(self, text: str, *, style: str = "dim", when: datetime | None = None) -> None:
        """Add a line from the app itself (help, connection state, errors)."""
        self.model.add_notice(text, style, when or ChatView.clock())
        self.changed()

    def update_state(self, id: str, state: Delivery) -> bool:
        """Show message ``id``'s new delivery state; return whether it changed."""
        changed = self.model.update_state(id, state)
        if changed:
            self.changed()
        return changed

    def apply_correction(self, id: str, body: str) -> bool:
        """Replace message ``id``'s body (marked ``(edited)``); False if it is not here."""
        changed = self.model.apply_correction(id, body)
        if changed:
            self.changed()
        return changed

    def set_typing(self, text: str | None) -> None:
        """Show ``text`` (e.g. "Bob is typing…") on the line under the log; None clears it."""
        self._typing = render.clean_identity(text, 120) if text else None
        self.border_subtitle = render.identity_content(self._typing) if self._typing else None

    @property
    def typing(self) -> str | None:
        """The typing indicator as shown (cleaned), or None."""
        return self._typing

    @property
    def plain_lines(self) -> list[str]:
        """Plain text, one entry per message (``HH:MM sender: body``) or notice."""
        return self.model.plain_lines()

    @property
    def messages(self) -> list[ChatMessage]:
        """The messages in display order (oldest first)."""
        return self.model.messages

    def last_own_message(self) -> ChatMessage | None:
        """The newest outgoing message (what ``/correct`` replaces)."""
        return self.model.last_own_message()

    @property
    def selected_message(self) -> ChatMessage | None:
        entry = self.model.get(self._selected) if self._selected else None
        return entry.message if entry is not None else None

    def reached_top(self) -> None:
        if self.peer is not None:
            self.post_message(self.TopReached(self.peer))

    # --------------------------------------------------------------- keys
    def _selected_index(self) -> int:
        return self.model.index_of(self._selected) if self._selected else -1

    def _last_visible(self) -> int:
        index, _ = self.model.locate(
            int(self.scroll_offset.y) + self.scrollable_content_region.height - 1
        )
        return index if index >= 0 else len(self.model) - 1

    def on_focus(self, _event: events.Focus) -> None:
        if self._selected_index() < 0:
            self.select(self._last_visible())
        self.refresh()

    def on_blur(self, _event: events.Blur) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            index, _ = self.model.locate(offset.y + int(self.scroll_offset.y))
            if index >= 0:
                self.select(index)

    def action_select(self, step: int) -> None:
        current = self._selected_index()
        if current < 0:
            self.select(self._last_visible())
            return
        if step < 0 and current == 0:
            self.scroll_to(y=0, animate=False)
            self._top()
        self.select(current + step)

    def action_select_edge(self, end: int) -> None:
        if end:
            self.select(len(self.model) - 1)
            self.scroll_to(y=self.max_scroll_y, animate=False)
        else:
            self.select(0)
            self.scroll_to(y=0, animate=False)
            self._top()

    def action_select_page(self, direction: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        current = self._selected_index()
        row = self.model.offset(current) if current >= 0 else int(self.scroll_offset.y)
        index, _ = self.model.locate(max(row + direction * height, 0))
        self.select(index if index >= 0 else len(self.model) - 1)
        if direction < 0 and row == 0:
            self._top()

    def _selected_text(self) -> str | None:
        entry = self._current()
        if entry is None:
            return None
        return render.clean_body(entry.message.body if entry.message else entry.text)

    def _current(self) -> Entry | None:
        """The selected entry (selecting the last one in view if none is)."""
        if self._selected_index() < 0:
            self.select(self._last_visible())
        return self.model.get(self._selected) if self._selected else None

    def action_expand(self) -> None:
        entry = self._current()
        if entry is not None and self.model.set_expanded(entry.key, not entry.expanded):
            self.changed()

    def action_copy(self) -> None:
        """Copy (OSC 52) the selected message's first URL, else its text."""
        text = self._selected_text()
        if not text:
            self.app.bell()
            return
        self.app.copy_to_clipboard(lay.first_url(text) or text)
        self.notify("Copied to the clipboard.", timeout=2, markup=False)

    def action_open_url(self) -> None:
        """Ask the app to open the selected message's first URL (never opened here)."""
        url = lay.first_url(self._selected_text() or "")
        if url is None:
            self.app.bell()
            return
        self.post_message(self.OpenUrlRequested(url))
