"""ChatTabs driven with Pilot: titles with unread counts, alt+N, next unread.

The host binds the keys the way the main screen does (alt+1 = console,
alt+2.. = conversations in tab order, alt+a = next unread).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widget import Widget

from xmpptui.ui.widgets.chat import ChatTabs, ChatView

BOB = "bob@example.org"
CAROL = "carol@example.org"
DAVE = "dave@example.org"


class Host(App[None]):
    BINDINGS = [
        *(Binding(f"alt+{n}", f"tab({n})", show=False) for n in range(1, 10)),
        Binding("alt+a", "next_unread", show=False),
    ]

    def compose(self) -> ComposeResult:
        with ChatTabs(id="tabs"):
            yield ChatTabs.console_pane()

    @property
    def tabs(self) -> ChatTabs:
        return self.query_one(ChatTabs)

    def action_tab(self, number: int) -> None:
        self.tabs.select_index(number)

    def action_next_unread(self) -> None:
        peer = self.tabs.next_unread()
        if peer is not None:
            self.tabs.select_peer(peer)


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


def label(tabs: ChatTabs, jid: str) -> str:
    """The tab title as drawn in the tab strip."""
    pane_id = tabs._pane_of[jid]
    return tabs.get_tab(pane_id).label.plain


async def open_three(app: Host) -> None:
    await app.tabs.open_peer(BOB, "Bob")
    await app.tabs.open_peer(CAROL, "Carol", focus=False)
    await app.tabs.open_peer(DAVE, "[b]Dave\x1b[2J\u202e", focus=False)


async def test_views_and_titles_with_unread_counts() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await open_three(app)
        tabs = app.tabs
        assert isinstance(tabs.console, ChatView)
        assert isinstance(tabs.log_for(BOB), ChatView) and tabs.log_for("x@y") is None
        assert tabs.peers == [BOB, CAROL, DAVE]
        assert tabs.active_peer == BOB and tabs.active_view is tabs.log_for(BOB)
        tabs.set_unread(CAROL, 3)
        tabs.set_unread(DAVE, 12)
        await pilot.pause()
        assert label(tabs, CAROL) == "Carol (3)" == tabs.title_of(CAROL)
        assert label(tabs, DAVE) == "[b]Dave\ufffd[2J (12)"  # literal, cleaned
        assert tabs.unread(CAROL) == 3
        tabs.set_unread(CAROL, 0)
        tabs.set_title(BOB, "Bobby")
        await pilot.pause()
        assert label(tabs, CAROL) == "Carol" and label(tabs, BOB) == "Bobby"
        assert await tabs.close_active() == BOB
        assert tabs.peers == [CAROL, DAVE] and not tabs.has_peer(BOB)
        assert tabs.select_index(1)
        assert await tabs.close_active() is None  # the console stays
        assert tabs.peers == [CAROL, DAVE]


async def test_alt_number_selects_console_then_conversations_in_order() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await open_three(app)
        tabs = app.tabs
        await pilot.press("alt+1")
        assert tabs.active_peer is None
        await pilot.press("alt+3")
        assert tabs.active_peer == CAROL
        await pilot.press("alt+4")
        assert tabs.active_peer == DAVE
        await pilot.press("alt+9")  # no such tab: stays
        assert tabs.active_peer == DAVE
        assert not tabs.select_index(0) and not tabs.select_index(5)
        tabs.cycle(1)
        assert tabs.active_peer is None  # wraps to the console


async def test_next_unread_goes_round_the_tabs() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await open_three(app)
        tabs = app.tabs
        assert tabs.next_unread() is None
        tabs.set_unread(BOB, 1)
        tabs.set_unread(DAVE, 2)
        await pilot.press("alt+3")  # on Carol
        await pilot.press("alt+a")
        assert tabs.active_peer == DAVE
        await pilot.press("alt+a")
        assert tabs.active_peer == BOB  # wrapped around
        tabs.set_unread(DAVE, 0)
        assert tabs.next_unread() is None  # only the current tab has unread
        await pilot.press("alt+1", "alt+a")
        await settle(pilot, lambda: tabs.active_peer == BOB)


async def test_closed_tabs_are_let_go() -> None:
    """Textual's ``query_one`` remembers its answers per node for 1,024 DOM changes;
    the tabs forget those about a closed tab, so its widgets are freed at once."""
    app = Host()
    closed: weakref.WeakSet[Widget] = weakref.WeakSet()
    async with app.run_test() as pilot:
        tabs = app.tabs
        for n in range(8):
            view = await tabs.open_peer(f"user{n}@example.org", f"User {n}")
            await pilot.pause()
            tab = tabs.get_tab(tabs._pane_of[f"user{n}@example.org"])
            tabs.query_one(f"#{tab.id}")  # answers Textual now remembers
            closed.update((view, tab, view.parent))
            del view, tab
            assert await tabs.close_active() == f"user{n}@example.org"
            await pilot.pause()
        gc.collect()
        assert tabs.peers == []
        assert [(type(w).__name__, w.id) for w in closed] == []
