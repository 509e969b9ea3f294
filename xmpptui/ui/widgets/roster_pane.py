"""The roster pane: the filter box above the roster list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Input

from xmpptui.ui.widgets.roster import RosterView


class RosterFilter(Input):
    """The filter box: typing filters live; escape clears and hides it; enter/down go back."""

    BINDINGS = [
        Binding("escape", "cancel", "Clear filter", id="roster.filter_cancel"),
        Binding("down", "done", "To the list", show=False, id="roster.filter_done"),
    ]

    class Closed(Message):
        """Leave the box; ``cleared`` when the filter was dropped too."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def _watch_value(self, value: str) -> None:
        # Input's own watcher sets ``virtual_size`` to the text's width, and that reactive
        # asks for a layout of the whole screen and a repaint of every widget on it: at
        # each key, with a 5,000-contact roster beside it. Set first without a layout,
        # Input's assignment finds the same size and asks for nothing; the box scrolls
        # within its own region and never changes size.
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)

    def watch_value(self, value: str) -> None:
        """Filter at once, in this key's turn: the roster's lines then reach the same
        frame as the typed letter (through ``Input.Changed`` they came a frame later)."""
        pane = self.parent
        if isinstance(pane, RosterPane):
            pane.roster.set_filter(value)

    def action_cancel(self) -> None:
        self.post_message(self.Closed(cleared=True))

    def action_done(self) -> None:
        self.post_message(self.Closed(cleared=False))


class RosterPane(Vertical):
    """A ``RosterFilter`` (hidden until ``f``) above a ``RosterView`` with id ``roster_id``."""

    DEFAULT_CSS = """
    RosterPane { height: 1fr; }
    RosterPane > RosterFilter { display: none; &.-textual-compact { padding: 0 1; } }
    RosterPane.-filtering > RosterFilter { display: block; }
    RosterPane > RosterView { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, roster_id: str = "roster") -> None:
        super().__init__(id=id)
        self._roster_id = roster_id

    def compose(self) -> ComposeResult:
        # Not selected on focus: letters typed before the box had the focus are in it by
        # then (``RosterView.FilterTyped``), and a kept filter reopens to be edited.
        yield RosterFilter(
            placeholder="Filter: name or JID",
            id="roster-filter",
            compact=True,
            select_on_focus=False,
        )
        yield RosterView(id=self._roster_id)

    @property
    def roster(self) -> RosterView:
        return self.query_one(RosterView)

    @property
    def filter_input(self) -> RosterFilter:
        return self.query_one(RosterFilter)

    def open_filter(self) -> None:
        self.add_class("-filtering")
        self.filter_input.focus()
        self.roster.model.prepare_filter()

    def close_filter(self, *, clear: bool = True) -> None:
        """Back to the list: with ``clear``, drop the filter and hide the box; else keep
        it and put the cursor on the first match."""
        if clear:
            self.filter_input.value = ""
            self.roster.set_filter("")
            self.remove_class("-filtering")
        self.roster.focus()
        if not clear:
            self.roster.cursor_to_first_contact()

    def on_roster_view_filter_requested(self, event: RosterView.FilterRequested) -> None:
        event.stop()
        self.open_filter()

    def on_roster_view_filter_typed(self, event: RosterView.FilterTyped) -> None:
        event.stop()
        if not self.has_class("-filtering"):
            self.open_filter()
        self.filter_input.insert_text_at_cursor(event.text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.filter_input:
            event.stop()
            self.roster.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.filter_input:
            event.stop()
            self.close_filter(clear=not event.value)

    def on_roster_filter_closed(self, event: RosterFilter.Closed) -> None:
        event.stop()
        self.close_filter(clear=event.cleared or not self.filter_input.value)
