"""The roster pane: requests and contacts by group, drawn line by line (Textual Line API).

``RosterView`` holds a ``RosterModel`` (``roster_model.py``) and draws only the
visible rows; ``RosterPane`` puts a filter box above it. Any number of updates
in one frame cause one rebuild (``rebuild_count``), which repaints only the
visible lines whose row changed. Every string from the network is drawn through
``render.clean_identity``, as plain segments (never markup).

| row            | looks like                                     |
|----------------|------------------------------------------------|
| request-header | ``Friend requests (2)`` (warning colour)       |
| request        | ``? bob@example.org (Bob)``                    |
| group          | ``▼ Friends 2/5`` / ``▶ Work 0/3`` (online/all) |
| contact        | ``● Bob (3) on the train``, ``· → Carol``      |

Contact rows: presence marker, ``→``/``←``/``×`` for a subscription to / from /
none (nothing for both), name (dim when offline), ``(pending)`` for our own
unanswered request (instead of the subscription mark), the unread count in
bold, then the status (dim italic, cut first when narrow). The plain text ends
with the name or the status, as tests and users expect.
"""

from __future__ import annotations

from collections.abc import Iterable
from time import monotonic

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xmpptui.models import Contact, ResourcePresence
from xmpptui.ui.widgets.roster_draw import Part, fit_parts, row_parts
from xmpptui.ui.widgets.roster_model import NO_GROUP, ContactDetails, RosterModel
from xmpptui.ui.widgets.roster_rows import EMPTY, Row, RowView
from xmpptui.ui.widgets.scrolling import set_virtual_size

__all__ = ["NO_GROUP", "RosterView", "row_parts"]

FRAME = 1 / 60
"""At most one rebuild per this many seconds."""
ROW_STRIPS = 256
"""Drawn rows kept: several screens (a Textual ``Strip`` weighs about a kilobyte, twice
that with the copy Textual derives from it; 1,024 of them were 2 MiB)."""


class _JidMessage(Message):
    def __init__(self, jid: str) -> None:
        super().__init__()
        self.jid = jid


class RosterView(ScrollView, can_focus=True):
    """Friend requests, then contacts by group, most reachable first.

    | key              | action                                            |
    |------------------|---------------------------------------------------|
    | up/down, k/j     | move                                              |
    | home/end         | first / last row                                  |
    | pageup/pagedown  | move by a screen                                  |
    | enter            | chat (contact), fold (group), answer (request)    |
    | space            | fold / unfold the group                           |
    | f, ctrl+f        | filter (``FilterRequested``, for ``RosterPane``)  |
    | i                | details (``DetailsRequested``)                    |
    | a / d            | accept / deny a friend request                    |
    | r / g / x, del / b | rename / group / remove / block                 |

    Enter, ``i``, ``a``, ``d``, ``r``, ``g``, ``x``, ``b`` only post messages
    (intents); the app turns them into dialogs and session calls. ``/`` is not
    bound: it belongs to the main screen. A double click acts like enter.
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="roster.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="roster.down"),
        Binding("home", "cursor_first", "First", show=False, id="roster.first"),
        Binding("end", "cursor_last", "Last", show=False, id="roster.last"),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False, id="roster.page_up"),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False, id="roster.page_down"),
        Binding("enter", "select", "Open", show=False, id="roster.select"),
        Binding("space", "fold", "Fold", show=False, id="roster.fold"),
        # priority: the app runs it before it hands the next key on (``_keys_to_filter``)
        Binding("f,ctrl+f", "filter", "Filter", id="roster.filter", priority=True),
        Binding("i", "details", "Details", id="roster.details"),
        Binding("a", "act('accept')", "Accept", id="roster.accept"),
        Binding("d", "act('deny')", "Deny", id="roster.deny"),
        Binding("r", "act('rename')", "Rename", show=False, id="roster.rename"),
        Binding("g", "act('group')", "Group", show=False, id="roster.group"),
        Binding("x,delete", "act('remove')", "Remove", show=False, id="roster.remove"),
        Binding("b", "act('block')", "Block", show=False, id="roster.block"),
        Binding("n,plus", "add", "Add", id="roster.add"),
    ]

    COMPONENT_CLASSES = {"roster--cursor", "roster--group", "roster--requests"}

    DEFAULT_CSS = """
    RosterView {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        & > .roster--cursor { background: $block-cursor-blurred-background; }
        & > .roster--group { text-style: bold; color: $text-primary; }
        & > .roster--requests { text-style: bold; color: $text-warning; }
        &:focus > .roster--cursor {
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class ContactChosen(_JidMessage):
        """Enter (or a double click) on a contact."""

    class RequestChosen(_JidMessage):
        """Enter on a friend request: the app asks accept / deny."""

    class DetailsRequested(_JidMessage):
        """``i`` on a contact or request: the app opens ``ContactScreen``."""

    class ActionRequested(Message):
        """``action`` on ``jid``: accept, deny, rename, group, remove or block."""

        def __init__(self, action: str, jid: str) -> None:
            super().__init__()
            self.action = action
            self.jid = jid

    class FilterRequested(Message):
        """``f``: the enclosing ``RosterPane`` opens its filter box."""

    class FilterTyped(Message):
        """``text`` was typed after ``f`` but before the filter box had the focus: it
        belongs in the box (for ``RosterPane``)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    ACTIONS_ON = {
        "accept": ("request",), "deny": ("request",), "block": ("request", "contact"),
        "rename": ("contact",), "group": ("contact",), "remove": ("contact",),
    }  # fmt: skip
    """Which row kinds each ``act`` action applies to."""

    def __init__(self, *, id: str | None = None, model: RosterModel | None = None) -> None:
        super().__init__(id=id)
        self.model = model if model is not None else RosterModel()
        """The data; after changing it directly, call ``changed()``."""
        self.rebuild_count = 0
        """How many times the rows were rebuilt (for tests and benchmarks)."""
        self._rows: RowView = EMPTY
        self._cursor = -1
        self._cursor_key: str | None = None
        self._dirty = self._flush_pending = False
        self._last_flush = 0.0
        self._on_request = False
        self._strips: LRUCache[tuple[Row, int, bool, bool], Strip] = LRUCache(ROW_STRIPS)

    # ------------------------------------------------ data (pass-throughs)
    def set_contacts(self, contacts: Iterable[Contact]) -> None:
        self.model.set_contacts(contacts)
        self.changed()

    def update_contact(self, contact: Contact) -> None:
        self.model.update_contact(contact)
        self.changed()

    def remove_contact(self, jid: str) -> None:
        self.model.remove_contact(jid)
        self.changed()

    def update_presence(self, jid: str, presence: ResourcePresence) -> None:
        self.model.update_presence(jid, presence)
        self.changed()

    def clear_presence(self) -> None:
        self.model.clear_presence()
        self.changed()

    def set_client(self, jid: str, resource: str, name: str) -> None:
        self.model.set_client(jid, resource, name)

    def add_request(self, jid: str, nick: str = "", status: str = "") -> None:
        self.model.add_request(jid, nick, status)
        self.changed()

    def remove_request(self, jid: str) -> None:
        self.model.remove_request(jid)
        self.changed()

    def requests(self) -> list[str]:
        return self.model.requests()

    def set_unread(self, jid: str, count: int) -> None:
        self.model.set_unread(jid, count)
        self.changed()

    def set_filter(self, text: str) -> None:
        if self.model.set_filter(text):
            self.changed(now=True)

    def toggle_group(self, name: str) -> bool:
        collapsed = self.model.toggle_group(name)
        self.changed(now=True)
        return collapsed

    def contact(self, jid: str) -> Contact | None:
        return self.model.contact(jid)

    def best_presence(self, jid: str) -> ResourcePresence | None:
        return self.model.best_presence(jid)

    def resources(self, jid: str) -> list[ResourcePresence]:
        return self.model.resources(jid)

    def display_name(self, jid: str) -> str:
        return self.model.display_name(jid)

    def details(self, jid: str) -> ContactDetails | None:
        return self.model.details(jid)

    # ------------------------------------------------------ reading rows
    @property
    def selected_row(self) -> Row | None:
        return self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None

    @property
    def selected_jid(self) -> str | None:
        """The JID of the contact or request under the cursor (``None`` on a header)."""
        row = self.selected_row
        return row.jid if row is not None and row.jid else None

    def rows(self) -> list[Row]:
        """The rows as drawn (after any pending rebuild)."""
        self._flush()
        return list(self._rows)

    def row_texts(self) -> list[str]:
        """Every row's full plain text, as drawn before cutting to the width."""
        return ["".join(text for text, _, _ in row_parts(row)) for row in self.rows()]

    # ----------------------------------------------------------- rebuild
    def changed(self, *, now: bool = False) -> None:
        """The model changed: rebuild now, or once at the next frame."""
        self._dirty = True
        if now:
            self._flush()
        elif not self._flush_pending:
            self._flush_pending = True
            delay = self._last_flush + FRAME - monotonic()
            if delay > 0:
                self.set_timer(delay, self._flush)
            else:
                self.call_later(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        if not self._dirty:
            return
        self._dirty = False
        self._last_flush = monotonic()
        self.rebuild_count += 1
        old, old_cursor = self._rows, self._cursor
        top, height = int(self.scroll_offset.y), self.scrollable_content_region.height
        self._rows = rows = self.model.view()
        self._cursor = self._find_cursor(rows)
        if self.virtual_size.height != len(rows):
            set_virtual_size(self, Size(self.scrollable_content_region.width, len(rows)))
        for y in range(top, top + height):  # repaint only the visible lines that changed
            was = old.peek(y)
            now = rows[y] if y < len(rows) else None
            if was != now or (y in (old_cursor, self._cursor) and old_cursor != self._cursor):
                self.refresh_line(y)
        if not rows and self.model.filter:
            self.refresh()
        if self._cursor != old_cursor:  # follow the cursor only if it was in view
            self._cursor_moved(scroll=top <= old_cursor < top + height)

    def _find_cursor(self, rows: RowView) -> int:
        """Where the cursor goes after a rebuild: the row the user chose, else the same
        JID, else the same place (remembering the choice, e.g. for when a filter ends)."""
        key, index = self._cursor_key, self._cursor
        if key is None or not rows:
            return -1
        if 0 <= index < len(rows) and rows[index].key == key:
            return index
        found = rows.index_of(key)
        if found >= 0:
            return found
        if (jid := self.jid_of(key)) and (found := rows.index_of_jid(jid)) >= 0:
            self._cursor_key = rows[found].key
            return found
        return min(max(index, 0), len(rows) - 1)

    @staticmethod
    def jid_of(key: str) -> str:
        """The JID in a row key (``""`` for headers)."""
        kind, _, rest = key.partition(":")
        return rest.partition("/")[0] if kind in ("contact", "request") else ""

    # ----------------------------------------------------------- drawing
    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        if index >= len(self._rows):
            if index == 0 and self.model.filter:
                return self._strip([("No contact matches the filter.", "dim italic", 0)], width)
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        cache_key = (row, width, index == self._cursor, self.has_focus)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._strip(row_parts(row), width, cursor=index == self._cursor)
            self._strips[cache_key] = strip
        return strip

    def _strip(self, parts: list[Part], width: int, *, cursor: bool = False) -> Strip:
        base = self.rich_style
        over = self.get_component_rich_style("roster--cursor", partial=True) if cursor else None
        segments: list[Segment] = []
        for text, name, _ in fit_parts(parts, width):
            if text:
                style = base + self._style(name)
                segments.append(Segment(text, style + over if over else style))
        strip = Strip(segments).crop(0, width)
        return strip.extend_cell_length(width, base + over if over else base)

    def _style(self, name: str) -> Style:
        if name.startswith("@"):
            return self.get_component_rich_style(f"roster--{name[1:]}", partial=True)
        return Style.parse(name) if name else Style()

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def _on_resize(self, _event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self._strips.clear()

    # ------------------------------------------------------------ cursor
    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into view."""
        if not self._rows:
            return
        index = min(max(index, 0), len(self._rows) - 1)
        old, self._cursor = self._cursor, index
        self._cursor_key = self._rows[index].key
        if old != index:
            if old >= 0:
                self.refresh_line(old)
            self.refresh_line(index)
            self._cursor_moved()

    def _cursor_moved(self, *, scroll: bool = True) -> None:
        height, top = self.scrollable_content_region.height, int(self.scroll_offset.y)
        if scroll and self._cursor >= 0:
            if self._cursor < top:
                self.scroll_to(y=self._cursor, animate=False)
            elif height and self._cursor >= top + height:
                self.scroll_to(y=self._cursor - height + 1, animate=False)
        row = self.selected_row
        on_request = row is not None and row.kind == "request"
        if on_request != self._on_request:  # accept/deny appear in the footer
            self._on_request = on_request
            self.refresh_bindings()

    def on_focus(self, _event: events.Focus) -> None:
        """Land on the first request or contact rather than nowhere."""
        self._flush()
        if self._cursor < 0:
            self.cursor_to_first_contact()

    def cursor_to_first_contact(self) -> None:
        """Put the cursor on the first request or contact row (else the first row)."""
        self._flush()
        self.move_cursor(next((i for i, r in enumerate(self._rows) if r.jid), 0))

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_cursor_page(self, direction: int) -> None:
        step = max(self.scrollable_content_region.height - 1, 1)
        self.move_cursor(max(self._cursor, 0) + direction * step)

    # ----------------------------------------------------------- intents
    def action_select(self) -> None:
        row = self.selected_row
        if row is None:
            return
        if row.kind == "contact":
            self.post_message(self.ContactChosen(row.jid))
        elif row.kind == "request":
            self.post_message(self.RequestChosen(row.jid))
        elif row.kind == "group":
            self.toggle_group(row.group)

    def action_fold(self) -> None:
        row = self.selected_row
        if row is not None and row.group:
            if row.kind == "contact":
                self._cursor_key = f"group:{row.group}"
            self.toggle_group(row.group)

    _keys_to_filter = False
    """Set by ``f`` until the roster loses the focus to the filter box: letters typed
    meanwhile (queued behind ``f``, as a fast typist or a paste sends them) go to the
    box. Before, they reached the roster's own keys: "fanny" accepted the friend
    request under the cursor (``a``) and asked to block it (``b``)."""

    def action_filter(self) -> None:
        self._keys_to_filter = True
        self.post_message(self.FilterRequested())

    async def _on_key(self, event: events.Key) -> None:
        if self._keys_to_filter and event.is_printable and event.character:
            event.stop()
            event.prevent_default()  # neither a binding nor a scroll key
            self.post_message(self.FilterTyped(event.character))

    def on_blur(self, _event: events.Blur) -> None:
        self._keys_to_filter = False

    def action_details(self) -> None:
        if jid := self.selected_jid:
            self.post_message(self.DetailsRequested(jid))

    def action_add(self) -> None:
        """Add a contact (the app asks for the JID)."""
        self.post_message(self.ActionRequested("add", ""))

    def action_act(self, action: str) -> None:
        row = self.selected_row
        if row is not None and row.kind in self.ACTIONS_ON.get(action, ()):
            self.post_message(self.ActionRequested(action, row.jid))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Accept/deny only show (and only take the key) on a request row."""
        if action == "act" and parameters and parameters[0] in ("accept", "deny"):
            row = self.selected_row
            return row is not None and row.kind == "request"
        return True

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + int(self.scroll_offset.y)
        if index < len(self._rows):
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_select()
