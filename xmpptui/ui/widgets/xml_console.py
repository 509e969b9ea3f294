"""The XML console view: the raw stream, newest last, on the Textual Line API.

Each piece of traffic is one entry, drawn as

    12:34:56 >>> <message to="bob@example.org" ...>      (sent, in the success colour)
    12:34:57 <<< <presence from="bob@example.org/phone"> (received, in the accent colour)

with long text wrapped under the text's first column. The text is untrusted
(whatever the server or a contact put in a stanza): it goes through
``render.clean_body`` (never markup, control characters replaced) and tabs
become spaces. Memory stays bounded whatever the flood: at most
``MAX_ENTRIES`` entries and ``MAX_CHARS`` characters are kept (the oldest go
first) and each text is cut to ``MAX_TEXT`` characters. Only the rows on
screen are drawn; a burst of entries costs one relayout per frame.

The usual scrolling keys work when it has focus (up/down, page up/down,
home/end). Scrolled to the bottom it follows new traffic; scrolled up it
stays on what is shown.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from time import monotonic
from typing import ClassVar, Final

from rich.cells import chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xmpptui.ui import render
from xmpptui.ui.widgets.scrolling import set_virtual_size

MAX_ENTRIES: Final = 5_000
MAX_CHARS: Final = 8 * 1024 * 1024
MAX_TEXT: Final = 64 * 1024
IN_MARK: Final = "<<<"
OUT_MARK: Final = ">>>"
PREFIX_CELLS: Final = len("12:34:56 >>> ")
MIN_TEXT_CELLS: Final = 10
FRAME: Final = 1 / 30

_STYLE_CLASSES: Final = {
    "time": "xml-console--time",
    "in": "xml-console--in",
    "out": "xml-console--out",
}


@dataclass(slots=True, eq=False)
class XmlEntry:
    """One piece of traffic, its text already cleaned."""

    seq: int
    when: datetime
    incoming: bool
    text: str
    h_width: int = -1  # the width ``h`` was computed for
    h: int = 0

    @property
    def mark(self) -> str:
        return IN_MARK if self.incoming else OUT_MARK

    @property
    def plain(self) -> str:
        return f"{self.when:%H:%M:%S} {self.mark} {self.text}"


def wrap(text: str, cells: int) -> list[str]:
    """``text`` cut into rows of at most ``cells`` cells (each line at least one row)."""
    rows: list[str] = []
    for line in text.split("\n"):
        if line.isascii():
            rows.extend([line[i : i + cells] for i in range(0, len(line), cells)] or [""])
        else:
            rows.extend(chop_cells(line, cells) or [""])
    return rows


def height(text: str, cells: int) -> int:
    """``len(wrap(text, cells))``, without building the rows for ASCII text."""
    if text.isascii():
        return sum(max(1, -(-len(line) // cells)) for line in text.split("\n"))
    return len(wrap(text, cells))


class XmlConsoleView(ScrollView, can_focus=True):
    """The XML console tab's log: ``add(incoming, text)`` per piece of traffic."""

    COMPONENT_CLASSES = set(_STYLE_CLASSES.values())

    DEFAULT_CSS = """
    XmlConsoleView {
        background: $surface;
        padding: 0 1;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        & > .xml-console--time { color: $text-muted; }
        & > .xml-console--in { color: $text-accent; text-style: bold; }
        & > .xml-console--out { color: $text-success; text-style: bold; }
    }
    """

    clock: ClassVar[Callable[[], datetime]] = datetime.now
    """Where entries get their time (screenshots freeze it)."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_chars: int = MAX_CHARS,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._max_entries = max_entries
        self._max_chars = max_chars
        self._entries: list[XmlEntry] = []
        self._chars = 0
        self._seq = 0
        self._shown: list[XmlEntry] = []  # the entries as of the last layout
        self._offsets: list[int] = [0]  # first row of each shown entry, then the total
        self._width = 0
        self._dropped_rows = 0  # rows removed above the view since the last layout
        self._dirty = self._flush_pending = False
        self._last_flush = 0.0
        self._rows: LRUCache[tuple[int, int], list[str]] = LRUCache(256)
        self._styles: dict[str, Style] = {}

    # ------------------------------------------------------------ content
    def add(self, incoming: bool, text: str, when: datetime | None = None) -> None:
        """Add one piece of traffic (``incoming``: received) at ``when`` (default: now)."""
        if len(text) > MAX_TEXT:
            text = f"{text[:MAX_TEXT]}… ({len(text) - MAX_TEXT} characters more)"
        clean = render.clean_body(text).expandtabs(4)
        self._seq += 1
        entries = self._entries
        entries.append(XmlEntry(self._seq, when or XmlConsoleView.clock(), incoming, clean))
        self._chars += len(clean)
        drop = max(0, len(entries) - self._max_entries)
        chars = self._chars - sum(len(entry.text) for entry in entries[:drop])
        while chars > self._max_chars and drop < len(entries) - 1:  # the newest always stays
            chars -= len(entries[drop].text)
            drop += 1
        if drop:
            self._dropped_rows += sum(e.h for e in entries[:drop] if e.h_width == self._width)
            del entries[:drop]
            self._chars = chars
        self._changed()

    @property
    def entry_count(self) -> int:
        return len(self._entries)

    @property
    def plain_lines(self) -> list[str]:
        """One plain string per entry: ``HH:MM:SS <<< text`` (received) or ``>>>`` (sent)."""
        return [entry.plain for entry in self._entries]

    def rendered_lines(self) -> list[str]:
        """Every row as drawn at the current width (for tests: small logs only)."""
        self._flush()
        return [
            "".join(text for text, _ in self._parts(entry, k)).rstrip()
            for entry in self._entries
            for k in range(entry.h)
        ]

    # ------------------------------------------------------------ layout
    def _changed(self) -> None:
        """Lay out again at the next frame (once per frame, however many changes)."""
        self._dirty = True
        if not self._flush_pending:
            self._flush_pending = True
            delay = self._last_flush + FRAME - monotonic()
            if delay > 0:
                self.set_timer(delay, self._flush)
            else:
                self.call_later(self._flush)

    def _text_cells(self, width: int) -> int:
        return max(width - PREFIX_CELLS, MIN_TEXT_CELLS)

    def _flush(self) -> None:
        self._flush_pending = False
        width = self.scrollable_content_region.width
        if width < 1 or not (self._dirty or width != self._width):
            return
        self._dirty = False
        self._last_flush = monotonic()
        if width != self._width:
            self._width = width
            self._dropped_rows = 0  # not comparable across widths
        follow = round(self.scroll_y) >= self.max_scroll_y  # at the bottom until now
        cells = self._text_cells(width)
        for entry in self._entries:
            if entry.h_width != width:
                entry.h_width, entry.h = width, height(entry.text, cells)
        self._shown = list(self._entries)
        self._offsets = [0, *accumulate(entry.h for entry in self._shown)]
        set_virtual_size(self, Size(width, self._offsets[-1]))
        if follow:
            self.scroll_to(y=self.max_scroll_y, animate=False)
        elif self._dropped_rows:
            self.scroll_to(y=max(0, round(self.scroll_y) - self._dropped_rows), animate=False)
        self._dropped_rows = 0
        self.refresh()

    def _on_resize(self, _event: events.Resize) -> None:
        self._flush()

    def on_show(self) -> None:
        self._flush()

    # ------------------------------------------------------------ drawing
    def _parts(self, entry: XmlEntry, k: int) -> list[tuple[str, str]]:
        """Row ``k`` of ``entry`` as ``(text, style name)`` parts."""
        key = (entry.seq, self._width)
        rows = self._rows.get(key)
        if rows is None:
            rows = wrap(entry.text, self._text_cells(self._width))
            self._rows[key] = rows
        text = rows[k] if k < len(rows) else ""
        if k:
            return [(" " * PREFIX_CELLS, ""), (text, "")]
        direction = "in" if entry.incoming else "out"
        return [(f"{entry.when:%H:%M:%S} ", "time"), (f"{entry.mark} ", direction), (text, "")]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + round(self.scroll_y)
        offsets = self._offsets
        if width != self._width:
            self._changed()  # drawn at the old width until the relayout, a frame away
        if not 0 <= row < offsets[-1]:
            return Strip.blank(width, self.rich_style)
        index = bisect_right(offsets, row) - 1
        base = self.rich_style
        parts = self._parts(self._shown[index], row - offsets[index])
        segments = [Segment(text, base + self._style(name)) for text, name in parts]
        return Strip(segments).crop(0, width).extend_cell_length(width, base)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            cls = _STYLE_CLASSES.get(name)
            style = self.get_component_rich_style(cls, partial=True) if cls else Style()
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()
