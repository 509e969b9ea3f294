"""The drawing half of ``ChatView``: a ``ChatModel`` on the Textual Line API.

Lines are laid out only for the rows on screen; any number of changes in one
frame cause one relayout (``relayout_count``). The view follows the newest
message while scrolled to the bottom, and otherwise keeps the rows in view
still, also when older history is inserted above them. With ``keep`` set
(the history holds every message), a view that follows the newest forgets
its oldest entries beyond that many (``ChatModel.trim``): a tab open for weeks
stays the same size, and scrolling up brings them back from the history.
Parts are drawn as plain segments in theme colours (component classes): never
markup, never a link.

| style name | component class          | used for                        |
|------------|--------------------------|---------------------------------|
| time       | ``chat-view--time``      | ``HH:MM``                       |
| own / peer | ``chat-view--own/peer``  | the sender                      |
| own-body   | ``chat-view--own-body``  | the text of our own messages    |
| sep        | ``chat-view--separator`` | day separators                  |
| url        | ``chat-view--url``       | URLs (underlined, not links)    |
| mark       | ``chat-view--mark``      | delivery marks, ``(edited)``    |
| failed     | ``chat-view--failed``    | ``✗ not sent (retry: /retry)``  |
| more       | ``chat-view--more``      | ``… [N more lines …]``          |
| ``=style`` | (a Rich style)           | notices (``add_notice(style=)``)|
"""

from __future__ import annotations

from time import monotonic

from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from xmpptui.ui import pace
from xmpptui.ui.widgets import chat_layout as lay
from xmpptui.ui.widgets.chat_model import ChatModel
from xmpptui.ui.widgets.scrolling import set_virtual_size

FRAME = 1 / 60
"""At most one relayout per this many seconds."""
STREAM_FRAME = 0.25
"""While changes keep coming, at most one relayout per this many seconds (a flood of
messages cannot be read at sixty frames a second, and each redraw of a tab costs the
screen's compositing: the loop stays free for the keys typed meanwhile) ..."""
QUIET = 0.04
"""... or sooner, once no change came for this many seconds (the end of a burst: its
last message waits this long to be drawn). In the benchmark's 2,000-message burst,
the gaps between arrivals stay under 30 ms: at 0.08 the last message showed 93 ms
after the server had taken it, at 0.04 about 50 ms, at 0.03 42 ms, with ten frames
in each; at 0.015 the gaps counted as ends, and 40-50 frames cost 50 % more CPU."""
STRIPS = 96
"""Drawn rows kept: about three screens. A Textual ``Strip`` weighs about a kilobyte,
and each one kept holds on to the copy Textual derives from it for the screen."""
KEEP_SLACK = 4
"""Trim once ``keep + keep // KEEP_SLACK`` entries are reached (down to ``keep``):
one relayout from the top per so many messages, not one per message."""
_STREAM = 1 / 12  # a change this soon after a relayout continues a stream ...
_STREAK = 4  # ... and this many such changes in a row make one

_STYLE_CLASSES = {
    "time": "chat-view--time", "own": "chat-view--own", "peer": "chat-view--peer",
    "own-body": "chat-view--own-body", "sep": "chat-view--separator", "url": "chat-view--url",
    "mark": "chat-view--mark", "failed": "chat-view--failed", "more": "chat-view--more",
}  # fmt: skip


class ChatCanvas(ScrollView):
    """Draws a ``ChatModel``; ``ChatView`` adds the API, the keys and the messages."""

    COMPONENT_CLASSES = {"chat-view--cursor", *_STYLE_CLASSES.values()}

    DEFAULT_CSS = """
    ChatCanvas {
        background: $surface;
        border: none;
        padding: 0 1;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        & > .chat-view--time { color: $text-muted; }
        & > .chat-view--own { color: $text-success; text-style: bold; }
        & > .chat-view--peer { color: $text-accent; text-style: bold; }
        & > .chat-view--own-body { color: $text-success 80%; }
        & > .chat-view--separator { color: $text-muted; }
        & > .chat-view--url { text-style: underline; }
        & > .chat-view--mark { color: $text-muted; }
        & > .chat-view--failed { color: $text-error; text-style: bold; }
        & > .chat-view--more { color: $text-warning; text-style: italic; }
        & > .chat-view--cursor { background: $block-cursor-blurred-background; }
        &:focus > .chat-view--cursor { background: $block-cursor-background; }
        &.-conversation {
            border-bottom: blank;
            border-subtitle-align: left;
            border-subtitle-color: $text-muted;
            border-subtitle-style: italic;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.model = ChatModel()
        """The data; after changing it directly, call ``changed()``."""
        self.relayout_count = 0
        """How many times rows were laid out (for tests and benchmarks)."""
        self._selected: str | None = None  # the key of the selected entry
        self._follow = True
        self._anchor: tuple[str, int] | None = None
        self._top_armed = True
        self._first_key: str | None = None
        self._pending_scroll: str | None = None
        self._dirty = self._flush_pending = False
        self._last_flush = 0.0
        self._streak = 0  # changes in a row that came soon after a relayout
        self._last_change = 0.0
        self._pace_timer: Timer | None = None
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(STRIPS)
        self._styles: dict[str, Style] = {}
        self.keep: int | None = None
        """Entries kept while following the newest (``None``: all). Only for a tab
        whose messages the history keeps: what is forgotten comes back from there."""

    def rendered_lines(self) -> list[str]:
        """Every row as drawn at the current width (for tests: small logs only)."""
        self._flush()
        return [
            "".join(text for text, _ in line).rstrip()
            for i in range(len(self.model))
            for line in self.model.lines(i)
        ]

    # ------------------------------------------------------------ layout
    def changed(self) -> None:
        """The model changed: lay out again at the next frame (once per frame; while
        changes keep coming, see ``STREAM_FRAME`` and ``QUIET``)."""
        self._dirty = True
        now = self._last_change = monotonic()
        if self._flush_pending:
            return
        self._flush_pending = True
        since = now - self._last_flush
        self._streak = self._streak + 1 if since < _STREAM else 0
        if self._streak >= _STREAK:
            self._pace_timer = self.set_timer(min(QUIET, STREAM_FRAME - since), self._paced)
        elif pace.typing():  # the first messages of a burst, a reply: after the next key
            self._after_next_key()
        elif since < FRAME:
            self.set_timer(FRAME - since, self._flush_after_key)
        else:
            self.call_later(self._flush_after_key)

    def _flush_after_key(self) -> None:
        """Relayout now, unless a key just arrived: then once its echo had its turn."""
        if (wait := pace.key_wait_left()) > 0.0:
            self.set_timer(max(wait, 0.001), self._flush_after_key)
        else:
            self._flush()

    def _paced(self) -> None:
        """In a stream: relayout once it paused, or once a ``STREAM_FRAME`` has passed;
        while keys are typed, right after the frame of the next one (``pace``)."""
        now = monotonic()
        due = min(self._last_change + QUIET, self._last_flush + STREAM_FRAME)
        if now < due - 0.001:
            self._pace_timer = self.set_timer(due - now, self._paced)
        elif pace.typing():
            self._after_next_key()
        else:
            self._flush_after_key()

    def _after_next_key(self) -> None:
        """Relayout right after the next key's frame, or when typing stopped."""
        pace.after_next_key(self, self._flush)
        self._pace_timer = self.set_timer(pace.TYPING_GAP, self._paced)

    def on_unmount(self) -> None:
        pace.forget(self)

    def _flush(self) -> None:
        self._flush_pending = False
        if self._pace_timer is not None:
            self._pace_timer.stop()
            self._pace_timer = None
        width = self.scrollable_content_region.width
        if width < 1 or not (self._dirty or width != self.model.width):
            return
        self._dirty = False
        self._last_flush = monotonic()
        self.relayout_count += 1
        model = self.model
        keep = self.keep
        if (
            keep is not None
            and self._follow
            and self._pending_scroll is None
            and len(model) > keep + keep // KEEP_SLACK
        ):
            model.trim(keep)
        size = Size(width, model.layout(width))
        if size != self.virtual_size:
            set_virtual_size(self, size)
        first = model.entry(0).key if len(model) else None
        if first != self._first_key:
            self._first_key, self._top_armed = first, True
        if self._pending_scroll is not None:
            key, self._pending_scroll = self._pending_scroll, None
            self.scroll_to_message(key)
        elif self._follow:
            self.scroll_to(y=self.max_scroll_y, animate=False)
        elif self._anchor is not None and (index := model.index_of(self._anchor[0])) >= 0:
            separator = model.flags(index)[0]  # it may have gained or lost its day separator
            self.scroll_to(y=model.offset(index) + separator + self._anchor[1], animate=False)
        self._remember_anchor()
        self.refresh()

    def _remember_anchor(self) -> None:
        """Remember the entry at the top and the row within it (counted from its first
        text line: -1 is its day separator), to keep it still when rows move."""
        index, line = self.model.locate(int(self.scroll_offset.y))
        if index >= 0:
            self._anchor = (self.model.entry(index).key, line - self.model.flags(index)[0])

    def _on_resize(self, _event: events.Resize) -> None:
        self._strips.clear()
        self._flush()

    def on_show(self) -> None:
        self._flush()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self.size or self._dirty:
            return
        self._follow = round(new) >= self.max_scroll_y
        self._remember_anchor()
        if round(new) <= 0 < round(old):
            self._top()
        elif round(new) > 0:
            self._top_armed = True

    def on_mouse_scroll_up(self, _event: events.MouseScrollUp) -> None:
        if self.scroll_offset.y == 0:
            self._top()

    def _top(self) -> None:
        """The user reached the top: call ``reached_top()`` once (re-armed when older
        entries were inserted or the user left the top)."""
        if self._top_armed:
            self._top_armed = False
            self.reached_top()

    def reached_top(self) -> None:
        """Hook: the user scrolled to the very top."""

    # ------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        model = self.model
        if width != model.width:
            self.changed()  # drawn at the old width until the relayout, a frame away
        index, k = model.locate(y + int(self.scroll_offset.y))
        if index < 0:
            return Strip.blank(width, self._style("@base"))
        entry = model.entry(index)
        separator, grouped = model.flags(index)
        cursor = self.has_focus and entry.key == self._selected and not (separator and k == 0)
        key = (entry.key, entry.version, width, k, separator, grouped, cursor)
        strip = self._strips.get(key)
        if strip is None:
            lines = model.lines(index)
            line = lines[k] if k < len(lines) else ()
            strip = self._strip(line, width, cursor)
            self._strips[key] = strip
        return strip

    def _strip(self, line: lay.Line, width: int, cursor: bool) -> Strip:
        base = self._style("@base")
        over = self._style("@cursor") if cursor else None
        segments = []
        for text, name in line:
            style = base + self._style(name)
            segments.append(Segment(text, style + over if over else style))
        strip = Strip(segments).crop(0, width)
        return strip.extend_cell_length(width, base + over if over else base)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name.startswith("="):
                try:
                    style = Style.parse(name[1:]) if name[1:] else Style()
                except StyleSyntaxError:  # a notice style is the app's, but be lenient
                    style = Style()
            elif name == "@base":  # ``rich_style`` walks every ancestor: once, not per line
                style = self.rich_style
            elif name == "@cursor":
                style = self.get_component_rich_style("chat-view--cursor", partial=True)
            elif name in _STYLE_CLASSES:
                style = self.get_component_rich_style(_STYLE_CLASSES[name], partial=True)
            else:
                style = Style()
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._strips.clear()
        super().notify_style_update()

    # ---------------------------------------------------------- selection
    def scroll_to_message(self, id: str) -> bool:
        """Select message ``id`` and scroll it to the middle; False if it is not here."""
        index = self.model.index_of(id)
        if index < 0:
            return False
        self._selected = id
        if self.model.width < 1 or self._dirty:
            self._pending_scroll = id
            self.changed()
            return True
        top, bottom = self.model.offset(index), self.model.offset(index + 1)
        middle = max(top - (self.scrollable_content_region.height - (bottom - top)) // 2, 0)
        self._follow = False
        self.scroll_to(y=min(middle, top), animate=False)
        self._remember_anchor()
        self.refresh()
        return True

    def select(self, index: int) -> None:
        """Select the entry at ``index`` (clamped) and scroll it into view."""
        model = self.model
        if not len(model):
            return
        index = min(max(index, 0), len(model) - 1)
        self._selected = model.entry(index).key
        self._flush()
        top, bottom = model.offset(index), model.offset(index + 1)
        height, y = self.scrollable_content_region.height, int(self.scroll_offset.y)
        if top < y or bottom - top > height:
            self.scroll_to(y=top, animate=False)
        elif bottom > y + height:
            self.scroll_to(y=bottom - height, animate=False)
        self.refresh()
