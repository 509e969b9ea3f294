"""RosterView and RosterPane driven with Pilot in a tiny host app."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui.widgets.roster import RosterView
from xmpptui.ui.widgets.roster_pane import RosterFilter, RosterPane

SIZE = (60, 30)
BOB = "bob@example.org"
CAROL = "carol@example.org"
DAVE = "dave@example.org"
EVE = "eve@example.org"
HOSTILE = "[b]x[/b] \x1b[2J\u202eevil\u2066 [@click=app.quit]q[/]"


class Host(App[None]):
    """A RosterPane next to an Input; records every roster message."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield RosterPane(id="pane")
        yield Input(id="elsewhere")

    @property
    def roster(self) -> RosterView:
        return self.query_one(RosterView)

    def record(self, message: Message) -> None:
        if isinstance(
            message,
            RosterView.ContactChosen
            | RosterView.RequestChosen
            | RosterView.DetailsRequested
            | RosterView.ActionRequested,
        ) and not any(m is message for m in self.seen):  # recorded once, not per bubble step
            self.seen.append(message)

    def intents(self) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        for m in self.seen:
            if isinstance(m, RosterView.ActionRequested):
                out.append((m.action, m.jid))
            else:
                out.append((type(m).__name__, getattr(m, "jid", "")))
        return out


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    """Let the app run until ``predicate()`` holds (at most 5 s)."""
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


def fill(roster: RosterView) -> None:
    roster.set_contacts(
        [
            Contact(BOB, "Bob", ("Friends",), "both"),
            Contact(CAROL, "Carol", ("Friends",), "to", ask=True),
            Contact(DAVE, "", (), "none"),
        ]
    )
    roster.update_presence(BOB, ResourcePresence("phone", Show.AWAY, "on the train"))


def drawn(roster: RosterView) -> list[str]:
    """The text of every visible line, as render_line draws it."""
    height = roster.scrollable_content_region.height
    return [roster.render_line(y).text for y in range(height)]


async def test_rows_look_and_hostile_names_stay_literal() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        roster = app.roster
        fill(roster)
        roster.update_contact(Contact(EVE, HOSTILE, (HOSTILE,), "from"))
        roster.update_presence(EVE, ResourcePresence("r", Show.DND, HOSTILE))
        roster.add_request("zed@example.org", "Zed")
        roster.set_unread(BOB, 3)
        await settle(pilot, lambda: len(roster.row_texts()) == 9)
        texts = roster.row_texts()
        assert texts[:2] == ["Friend requests (1)", "? zed@example.org (Zed)"]
        assert texts[2].startswith("▼ [b]x[/b]") and texts[2].endswith(" 1/1")
        assert texts[3].startswith("⊘ ← [b]x[/b]")
        assert texts[4:7] == ["▼ Friends 1/2", "◐ Bob (3) on the train", "· Carol (pending)"]
        assert texts[7:] == ["▼ Contacts 0/1", f"· × {DAVE}"]
        await pilot.pause()
        lines = drawn(roster)
        assert lines[0].startswith("Friend requests (1)")
        assert lines[3].startswith("⊘ ← [b]x[/b]")
        assert "[@click=app.quit]q[/]" in "".join(lines)
        for line in lines:
            assert not any(ch in line for ch in "\x1b\u202e\u2066"), repr(line)
        assert app.is_running


async def test_narrow_rows_cut_the_status_first() -> None:
    app = Host()
    async with app.run_test(size=(24, 10)) as pilot:
        roster = app.roster
        fill(roster)
        roster.set_unread(BOB, 12)
        await settle(pilot, lambda: "(12)" in "".join(roster.row_texts()))
        await pilot.pause()
        width = roster.scrollable_content_region.width
        bob = next(line for line in drawn(roster) if "Bob" in line)
        assert len(bob) == width
        assert bob.startswith("◐ Bob (12)")


async def test_keyboard_moves_and_enter_opens_the_right_contact() -> None:
    app = Host()
    async with app.run_test(size=SIZE, message_hook=app.record) as pilot:
        fill(app.roster)
        app.roster.focus()
        await settle(pilot, lambda: app.roster.selected_jid == BOB)  # lands on a contact
        await pilot.press("j", "enter")
        await settle(pilot, lambda: app.seen)
        assert app.intents() == [("ContactChosen", CAROL)]
        await pilot.press("k", "k", "enter")  # up to the group header: enter folds it
        await settle(pilot, lambda: app.roster.row_texts()[0] == "▶ Friends 1/2")
        assert app.roster.row_texts() == ["▶ Friends 1/2", "▼ Contacts 0/1", f"· × {DAVE}"]
        await pilot.press("space")
        assert len(app.roster.row_texts()) == 5
        await pilot.press("end", "enter")
        await settle(pilot, lambda: len(app.seen) == 2)
        assert app.intents()[-1] == ("ContactChosen", DAVE)
        await pilot.press("j", "space")  # space on a contact folds its group
        assert app.roster.row_texts()[-1] == "▶ Contacts 0/1"
        assert app.roster.selected_row is not None
        assert app.roster.selected_row.key == "group:Contacts"
        await pilot.press("home")
        assert app.roster.selected_row.key == "group:Friends"


async def test_details_and_actions_are_posted_as_intents() -> None:
    app = Host()
    async with app.run_test(size=SIZE, message_hook=app.record) as pilot:
        fill(app.roster)
        app.roster.add_request(EVE, "Eve")
        app.roster.focus()
        await settle(pilot, lambda: app.roster.selected_jid == EVE)  # requests come first
        assert app.roster.check_action("act", ("accept",)) is True  # shown in the footer
        await pilot.press("a", "d", "enter", "i")
        await settle(pilot, lambda: len(app.seen) == 4)
        assert app.intents() == [
            ("accept", EVE),
            ("deny", EVE),
            ("RequestChosen", EVE),
            ("DetailsRequested", EVE),
        ]
        app.seen.clear()
        await pilot.press("down", "down")  # header of Friends, then Bob
        assert app.roster.selected_jid == BOB
        assert app.roster.check_action("act", ("accept",)) is False  # hidden on a contact
        await pilot.press("a", "d", "r", "g", "x", "delete", "b", "i")
        await settle(pilot, lambda: len(app.seen) == 6)
        assert app.intents() == [
            ("rename", BOB),
            ("group", BOB),
            ("remove", BOB),
            ("remove", BOB),
            ("block", BOB),
            ("DetailsRequested", BOB),
        ]


async def test_slash_is_not_bound_by_the_roster() -> None:
    keys = {key for b in RosterView.BINDINGS for key in b.key.split(",")}  # type: ignore[union-attr]
    assert "slash" not in keys and "/" not in keys


async def filter_box(app: Host, pilot: Pilot[None]) -> RosterFilter:
    """The roster filled (Bob, Carol, Dave) and focused, and its filter box opened (f)."""
    fill(app.roster)
    app.roster.focus()
    await pilot.press("f")
    return app.query_one(RosterFilter)


async def test_filter_box_narrows_rows_and_escape_restores() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        roster = app.roster
        fill(roster)
        roster.add_request("carl@example.net")
        roster.focus()
        await settle(pilot, lambda: len(roster.row_texts()) == 7)
        box = app.query_one(RosterFilter)
        assert not box.display
        await pilot.press("f")
        assert box.display and app.focused is box
        await pilot.press(*"CAR")
        assert roster.row_texts() == [
            "Friend requests (1)",
            "? carl@example.net",
            "▼ Friends 1/2",
            "· Carol (pending)",
        ]
        await pilot.press(*"xyz")
        assert roster.row_texts() == []
        await pilot.pause()
        assert drawn(roster)[0].startswith("No contact matches")
        await pilot.press("escape")
        assert not box.display and box.value == ""
        assert app.focused is roster
        assert len(roster.row_texts()) == 7
        await pilot.press("ctrl+f", *"dave", "enter")  # enter keeps the filter
        assert app.focused is roster and box.display
        assert roster.selected_jid == DAVE
        assert roster.row_texts() == ["▼ Contacts 0/1", f"· × {DAVE}"]
        await pilot.press("f", "backspace", "backspace", "backspace", "backspace", *"bob", "down")
        assert app.focused is roster and roster.selected_jid == BOB  # down: to the first match


async def test_each_key_in_the_filter_box_filters_in_the_same_turn() -> None:
    """Not a message later: the roster's new lines reach the frame of the typed key."""
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        roster = app.roster
        box = await filter_box(app, pilot)
        before = roster.rebuild_count
        box.insert_text_at_cursor("da")  # as a typed key does
        assert roster.model.filter == "da" and roster.rebuild_count == before + 1
        await pilot.pause()  # Input.Changed follows: nothing more to do
        assert roster.rebuild_count == before + 1
        assert roster.row_texts() == ["▼ Contacts 0/1", f"· × {DAVE}"]


async def test_filter_keys_lay_out_nothing_but_the_roster(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A layout of the whole screen repaints every widget on it: at each key, next to a
    5,000-contact roster, that was most of a keystroke's time (Input and the roster
    both set ``virtual_size``, a layout reactive, whenever the text or the rows change)."""
    layouts: list[object] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(self)
        refresh_layout(self, *args, **kwargs)

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        roster = app.roster
        box = await filter_box(app, pilot)
        await pilot.pause()
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        await pilot.press(*"car")  # 4 rows, then 2, then 2
        await settle(pilot, lambda: roster.row_texts() == ["▼ Friends 1/2", "· Carol (pending)"])
        await pilot.pause()
        assert layouts == []
        text = "carol-with-a-name-far-longer-than-the-filter-box-is-wide-" + "x" * 40 + "-end"
        await pilot.press(*text[3:])
        await pilot.pause()
        assert layouts == [] and box.value == text
        shown = box.render_line(0).text  # the box scrolled to keep the end and the cursor
        assert box.scroll_x > 0 and text[-10:] in shown and "carol-with" not in shown


async def test_cursor_stays_on_the_same_contact_when_presence_reorders() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        roster = app.roster
        fill(roster)
        roster.focus()
        await pilot.press("down")
        assert roster.selected_jid == CAROL
        texts = roster.row_texts()
        assert texts.index("· Carol (pending)") == 2
        roster.update_presence(CAROL, ResourcePresence("pc", Show.CHAT))
        await settle(pilot, lambda: roster.row_texts()[1].startswith("◆ Carol"))
        assert roster.selected_jid == CAROL
        assert roster.selected_row is not None and roster.selected_row.key.startswith("contact:")
        roster.set_filter("dave")  # Carol hidden: the cursor shows on what is left...
        assert roster.selected_jid == DAVE
        roster.set_filter("")  # ...and goes back to Carol when the filter ends
        assert roster.selected_jid == CAROL
        roster.remove_contact(CAROL)
        await settle(pilot, lambda: roster.selected_jid != CAROL)
        assert roster.selected_row is not None


async def test_mouse_click_selects_and_double_click_opens() -> None:
    app = Host()
    async with app.run_test(size=SIZE, message_hook=app.record) as pilot:
        fill(app.roster)
        await settle(pilot, lambda: len(app.roster.row_texts()) == 5)
        await pilot.click(RosterView, offset=(3, 4))
        assert app.roster.selected_jid == DAVE and not app.seen
        await pilot.double_click(RosterView, offset=(3, 1))
        await settle(pilot, lambda: app.seen)
        assert app.intents() == [("ContactChosen", BOB)]


def many(count: int, groups: int = 50) -> list[Contact]:
    return [
        Contact(f"user{i:05d}@example.org", f"User {i:05d}", (f"Group {i % groups:02d}",), "both")
        for i in range(count)
    ]


async def test_five_thousand_contacts_render_and_bursts_are_coalesced() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        roster = app.roster
        roster.set_contacts(many(5000))
        await settle(pilot, lambda: roster.virtual_size.height == 5050)
        await pilot.pause()
        lines = drawn(roster)
        assert lines[0].startswith("▼ Group 00 0/100")
        assert lines[1].startswith("· User 00000")
        assert roster.render_line(len(lines) - 1).text.strip()
        before = roster.rebuild_count
        started = time.perf_counter()
        for i in range(2000):  # one burst, as the event bridge delivers it
            show = Show.AVAILABLE if i % 2 == 0 else Show.AWAY
            roster.update_presence(f"user{i * 2:05d}@example.org", ResourcePresence("r", show))
        burst = time.perf_counter() - started
        await settle(pilot, lambda: roster.rebuild_count > before)
        print(f"\nroster view: burst of 2,000 presences over 5,000 contacts {burst * 1000:.1f} ms")
        await pilot.pause()
        assert roster.rebuild_count - before <= 2
        assert drawn(roster)[0].startswith("▼ Group 00 80/100")  # users 0, 50, ... 3950
        roster.focus()
        await pilot.press("end")
        assert roster.selected_jid == "user04999@example.org"
        await pilot.press("pageup")
        assert roster.selected_row is not None
        assert int(roster.scroll_offset.y) > 4900
