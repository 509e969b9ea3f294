"""The contents of one chat tab, independent of Textual: ordered entries and their lines.

``ChatModel`` keeps messages and notices ordered by time (a late, offline or
archived message lands where it belongs; equal times keep arrival order),
shows each message id once, and answers "which entry and line is at row y"
for a width, laying out lines only for the entries that are drawn.

Cost model (what keeps a 100,000-message tab cheap):

| operation                     | cost                                            |
|-------------------------------|-------------------------------------------------|
| add in time order             | O(log n) (append)                               |
| add a late/older message      | O(n) memmove, offsets rebuilt from that row on  |
| heights for a width           | O(n) integer loop; a short one-line message is  |
|                               | never wrapped (its cell width is known)         |
| lines of an entry             | wrapped on demand, LRU-cached per entry & width |
| row -> entry                  | O(log n) (bisect on the offsets)                |

An entry's height does not depend on grouping (a grouped message keeps the
sender's width as blanks), only on its day separator.

A tab whose messages are all in the history need not keep them all: ``trim``
forgets the oldest entries and sets a ``floor``, the time of the oldest one
kept. A message older than the floor (a late or archived one) is then not
added: it is in the history, and comes back with the pages loaded when the user
scrolls up (``add_messages(..., older=True)``, which lowers the floor).
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter
from typing import Final

from rich.cells import cell_len

from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui.widgets import chat_layout as lay
from xmpptui.ui.widgets.chat_entry import Entry, EntryMaker
from xmpptui.ui.widgets.chat_layout import Line

GROUP_GAP: Final = 5 * 60.0
"""Messages of one sender less than this many seconds apart share one sender label."""

LAYOUT_CACHE: Final = 256  # laid-out entries kept: several screens
_RANK: Final = {Delivery.PENDING: 0, Delivery.SENT: 1, Delivery.DELIVERED: 2}
_ts = attrgetter("ts")


class ChatModel:
    """Ordered, de-duplicated entries of one tab and their layout at one width."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._by_key: dict[str, Entry] = {}
        self._make = EntryMaker()
        self._width = 0
        self._offsets = array("q", [0])  # first row of each laid-out entry, then the total
        self._layouts: OrderedDict[tuple[str, int, int, bool, bool], list[Line]] = OrderedDict()
        self._plain: list[str] | None = None
        self.floor: float | None = None
        """POSIX time of the oldest entry kept after a ``trim`` (``None``: nothing was
        trimmed). Older messages are left to the history until a page brings them."""
        self.revision = 0
        """Bumped on every change (for caches outside)."""

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, index: int) -> Entry:
        return self._entries[index]

    def get(self, key: str) -> Entry | None:
        return self._by_key.get(key)

    # ------------------------------------------------------------ content
    def add_message(self, message: ChatMessage, sender_name: str) -> bool:
        """Insert ``message`` in time order unless its id is known; return whether added."""
        entry = self._message_entry(message, sender_name)
        if entry is None:
            return False
        self._insert(entry)
        return True

    def add_messages(self, items: Iterable[tuple[ChatMessage, str]], *, older: bool = False) -> int:
        """Insert many ``(message, sender_name)``; one sort for a big batch. Returns how many.

        ``older``: a page from the history, older than what is here; below the
        ``floor`` too, which then moves down to the oldest of them.
        """
        fresh = [e for m, name in items if (e := self._message_entry(m, name, older)) is not None]
        if older and fresh and self.floor is not None:
            self.floor = min(self.floor, min(e.ts for e in fresh))
        if len(fresh) < 32:
            for entry in fresh:
                self._insert(entry)
            return len(fresh)
        self._entries.extend(fresh)
        self._entries.sort(key=_ts)  # stable: equal times keep arrival order
        self._changed(bisect_left(self._entries, min(e.ts for e in fresh), key=_ts))
        return len(fresh)

    def add_notice(self, text: str, style: str, when: datetime) -> Entry:
        """Insert a line from the app itself at time ``when``."""
        entry = self._make.notice(text, style, when)
        self._by_key[entry.key] = entry
        self._insert(entry)
        return entry

    def update_state(self, key: str, state: Delivery) -> bool:
        """Set the delivery state of message ``key`` (never back from delivered to sent)."""
        entry = self._by_key.get(key)
        if entry is None or entry.message is None or entry.message.state is state:
            return False
        old = entry.message.state
        if old in _RANK and state in _RANK and _RANK[state] < _RANK[old]:
            return False
        self._replace(entry, dataclasses.replace(entry.message, state=state))
        return True

    def apply_correction(self, key: str, body: str) -> bool:
        """Replace the body of message ``key`` (XEP-0308); it shows ``(edited)``."""
        entry = self._by_key.get(key)
        if entry is None or entry.message is None:
            return False
        self._replace(entry, dataclasses.replace(entry.message, body=body, edited=True))
        return True

    def set_expanded(self, key: str, expanded: bool) -> bool:
        """Expand or collapse a large message; return whether that changed anything."""
        entry = self._by_key.get(key)
        if entry is None or entry.message is None or not lay.is_large(entry.message.body):
            return False
        if entry.expanded == expanded:
            return False
        entry.expanded = expanded
        entry.version += 1
        entry.h_width = -1
        self._changed(self.index_of(key))
        return True

    def index_of(self, key: str) -> int:
        """The position of entry ``key`` (-1 if unknown)."""
        entry = self._by_key.get(key)
        if entry is None:
            return -1
        index = bisect_left(self._entries, entry.ts, key=_ts)
        while self._entries[index] is not entry:
            index += 1
        return index

    @property
    def messages(self) -> list[ChatMessage]:
        return [e.message for e in self._entries if e.message is not None]

    def last_own_message(self) -> ChatMessage | None:
        for entry in reversed(self._entries):
            if entry.message is not None and entry.message.outgoing:
                return entry.message
        return None

    def plain_lines(self) -> list[str]:
        """One plain string per message or notice (no separators, no grouping)."""
        if self._plain is None:
            self._plain = [
                lay.message_plain(e.message, e.name)
                if e.message is not None
                else lay.notice_plain(e.text, e.when)
                for e in self._entries
            ]
        return self._plain

    def rename(self, sender: str, name: str) -> int:
        """Show ``name`` for the messages ``sender`` (a bare JID) wrote; how many changed.
        (A tab restored before the roster came named the peer by JID.)"""
        renamed = 0
        for entry in self._entries:
            message = entry.message
            if message is not None and not message.outgoing and message.sender == sender:
                renamed += self._make.rename(entry, name)
        if renamed:
            self._changed(0)  # widths changed: heights and offsets from the top
        return renamed

    def trim(self, keep: int) -> int:
        """Forget the oldest entries so that about ``keep`` remain (more if several share
        the time at the cut: the floor falls between two times); return how many went.
        Only for a tab whose messages the history keeps: forgotten notices are gone."""
        entries = self._entries
        cut = len(entries) - keep
        if cut <= 0:
            return 0
        while cut > 0 and entries[cut].ts == entries[cut - 1].ts:
            cut -= 1
        if cut == 0:
            return 0
        for entry in entries[:cut]:
            self._by_key.pop(entry.key, None)
        self.floor = entries[cut].ts
        del entries[:cut]
        self._changed(0)
        return cut

    def _message_entry(
        self, message: ChatMessage, sender_name: str, older: bool = False
    ) -> Entry | None:
        if message.id in self._by_key:
            return None
        if not older and self.floor is not None and message.timestamp.timestamp() < self.floor:
            return None  # below the floor: in the history, shown when its page comes
        entry = self._make.message(message, sender_name)
        self._by_key[entry.key] = entry
        return entry

    def _insert(self, entry: Entry) -> None:
        entries = self._entries
        if not entries or entries[-1].ts <= entry.ts:
            entries.append(entry)  # the common case: no shift, no offsets to drop
            self.revision += 1
            self._plain = None
            return
        index = bisect_right(entries, entry.ts, key=_ts)
        entries.insert(index, entry)
        self._changed(index)

    def _replace(self, entry: Entry, message: ChatMessage) -> None:
        entry.message = message
        entry.when = message.timestamp
        entry.cells = self._make.cells(message, cell_len(entry.name))
        entry.version += 1
        entry.h_width = -1
        self._changed(self.index_of(entry.key))

    def _changed(self, index: int) -> None:
        self.revision += 1
        self._plain = None
        if len(self._offsets) > index + 1:
            del self._offsets[index + 1 :]

    # ------------------------------------------------------------- layout
    @property
    def width(self) -> int:
        return self._width

    def layout(self, width: int) -> int:
        """Lay out for ``width`` cells (heights only); return the total number of rows."""
        if width != self._width:
            self._width = width
            del self._offsets[1:]
        offsets, entries = self._offsets, self._entries
        start = len(offsets) - 1
        if start >= len(entries) or width < 1:
            return offsets[-1] if width >= 1 else 0
        total = offsets[-1]
        previous_day = entries[start - 1].day if start else -1
        for entry in entries[start:]:
            cells = entry.cells
            height = 1 if 0 <= cells <= width else self._height(entry, width)
            if entry.day != previous_day:
                height += 1
                previous_day = entry.day
            total += height
            offsets.append(total)
        return total

    @property
    def height(self) -> int:
        return self._offsets[-1] if len(self._offsets) == len(self._entries) + 1 else 0

    def offset(self, index: int) -> int:
        """The first row of entry ``index`` (after ``layout``)."""
        return self._offsets[min(index, len(self._offsets) - 1)]

    def locate(self, row: int) -> tuple[int, int]:
        """``(entry index, line within it)`` at ``row``, or ``(-1, 0)`` past the end."""
        offsets = self._offsets
        if row < 0 or row >= offsets[-1]:
            return -1, 0
        index = bisect_right(offsets, row) - 1
        return index, row - offsets[index]

    def flags(self, index: int) -> tuple[bool, bool]:
        """``(day separator before it, grouped with the previous message)``."""
        entry = self._entries[index]
        if index == 0:
            return True, False
        before = self._entries[index - 1]
        if before.day != entry.day:
            return True, False
        grouped = (
            entry.message is not None
            and before.message is not None
            and entry.message.outgoing == before.message.outgoing
            and entry.message.sender == before.message.sender
            and entry.name == before.name
            and 0 <= entry.ts - before.ts <= GROUP_GAP
        )
        return False, grouped

    def lines(self, index: int) -> list[Line]:
        """The drawn lines of entry ``index`` at the current width, separator first."""
        entry = self._entries[index]
        separator, grouped = self.flags(index)
        key = (entry.key, entry.version, self._width, separator, grouped)
        lines = self._layouts.get(key)
        if lines is None:
            lines = self._build(entry, self._width, grouped)
            if separator:
                lines.insert(0, lay.separator_line(lay.local_day(entry.when), self._width))
            self._layouts[key] = lines
            if len(self._layouts) > LAYOUT_CACHE:
                self._layouts.popitem(last=False)
        else:
            self._layouts.move_to_end(key)
        return lines

    def _build(self, entry: Entry, width: int, grouped: bool) -> list[Line]:
        width = max(width, 1)
        if entry.message is None:
            return lay.notice_lines(entry.text, entry.style, entry.when, width)
        return lay.message_lines(
            entry.message, entry.name, width, grouped=grouped, expanded=entry.expanded
        )

    def _height(self, entry: Entry, width: int) -> int:
        if entry.h_width != width:
            message = entry.message
            entry.h = (
                len(self._build(entry, width, False))
                if message is None
                else lay.message_height(
                    message, cell_len(entry.name), max(width, 1), expanded=entry.expanded
                )
            )
            entry.h_width = width
        return entry.h
