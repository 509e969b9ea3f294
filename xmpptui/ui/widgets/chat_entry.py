"""One entry of a chat tab (a message or a notice) and how entries are made.

An ``Entry`` holds what ordering and heights need, not laid-out text: the sort
time, the local day (for day separators), the cleaned sender name, and the
cell width of the entry when it fits on one line as it is (``cells``; -1 when
it must be wrapped to know its height).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len

from xmpptui.models import ChatMessage
from xmpptui.ui.widgets import chat_layout as lay


@dataclass(slots=True, eq=False)
class Entry:
    """One message or notice, with what its height needs (no laid-out text)."""

    key: str  # the message id (de-duplication), or a private key for notices
    ts: float  # POSIX time: the sort key (ties: arrival order)
    day: int  # local calendar day (ordinal): day separators
    when: datetime
    message: ChatMessage | None = None
    name: str = ""  # cleaned sender name (messages)
    text: str = ""  # notice text (raw; cleaned when drawn)
    style: str = ""  # notice Rich style
    expanded: bool = False
    version: int = 0  # bumped when what is drawn changes
    cells: int = -1  # width when drawn on one line as is, else -1 (must be wrapped)
    h_width: int = -1  # the width ``h`` was computed for
    h: int = 0


class EntryMaker:
    """Makes entries, caching what many share (cleaned names, local days)."""

    def __init__(self) -> None:
        self._seq = 0
        self._names: dict[str, tuple[str, int]] = {}  # raw -> (cleaned, cells)
        self._days: dict[int, int] = {}  # POSIX quarter hour -> local day ordinal

    def message(self, message: ChatMessage, sender_name: str) -> Entry:
        """An entry for ``message``; one without an id gets a key of its own."""
        key = message.id
        if not key:
            self._seq += 1
            key = f"\0anon:{self._seq}"
        named = self.name(sender_name)
        when = message.timestamp
        ts = when.timestamp()
        day = self._days.get(int(ts // 900))
        entry = Entry(key, ts, self.day(ts, when) if day is None else day, when, message, named[0])
        entry.cells = self.cells(message, named[1])
        return entry

    def name(self, sender_name: str) -> tuple[str, int]:
        """``sender_name`` cleaned for display, and its width in cells."""
        named = self._names.get(sender_name)
        if named is None:
            clean = lay.display_name(sender_name)
            named = self._names[sender_name] = (clean, cell_len(clean))
        return named

    def rename(self, entry: Entry, sender_name: str) -> bool:
        """Give a message entry another sender name; whether it changed."""
        clean, cells = self.name(sender_name)
        if entry.message is None or entry.name == clean:
            return False
        entry.name = clean
        entry.cells = self.cells(entry.message, cells)
        entry.version += 1
        entry.h_width = -1
        return True

    def notice(self, text: str, style: str, when: datetime) -> Entry:
        self._seq += 1
        ts = when.timestamp()
        entry = Entry(f"\0notice:{self._seq}", ts, self.day(ts, when), when, text=text, style=style)
        body = lay.plain_cells(text)
        entry.cells = lay.TIME_CELLS + body if body >= 0 else -1
        return entry

    def day(self, ts: float, when: datetime) -> int:
        """The local day of ``when``, cached per quarter hour (UTC offsets are whole
        quarters of an hour, so local midnight never falls inside one)."""
        quarter = int(ts // 900)
        day = self._days.get(quarter)
        if day is None:
            day = self._days[quarter] = lay.local_day(when).toordinal()
        return day

    @staticmethod
    def cells(message: ChatMessage, name_cells: int) -> int:
        """The width of ``message`` drawn on one line, or -1 if it must be wrapped to know."""
        body = message.body
        if len(body) <= 2000 and body.isascii() and body.isprintable():
            cells = len(body)  # the common case, without a call
        else:
            cells = lay.plain_cells(body)
            if cells < 0:
                return -1
        if message.outgoing or message.edited:
            tail = lay.suffix(message)
            cells += cell_len(tail) if tail else 0
        return lay.TIME_CELLS + name_cells + 2 + cells
