"""Roster management through keys, dialogs and commands, fed by the scripted session."""

from __future__ import annotations

from textual import events

from tests.ui.fake import Rig, log_text, roster_labels, wait_for
from tests.ui.test_main_screen import BOB, CAROL, SIZE, incoming, online
from xmpptui.models import Contact, Show
from xmpptui.ui.screens.blocked import BlockedScreen
from xmpptui.ui.screens.confirm import ConfirmScreen
from xmpptui.ui.screens.contact import ContactScreen
from xmpptui.ui.screens.prompt import RequestScreen, TextPromptScreen
from xmpptui.ui.widgets.roster import RosterView
from xmpptui.ui.widgets.roster_pane import RosterFilter
from xmpptui.xmpp import events as ev

DAN = "dan@example.net"


def cursor_to(rig: Rig, jid: str) -> None:
    roster = rig.app.main.roster
    index = next(i for i, row in enumerate(roster.rows()) if row.jid == jid)
    roster.move_cursor(index)


async def test_friend_request_appears_on_top_and_is_accepted_from_the_dialog() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.SubscriptionRequested(DAN, nick="Dan", status="hi, it's Dan"))
        await wait_for(pilot, lambda: roster_labels(rig.app)[0].startswith("Friend requests"))
        assert any(DAN in label for label in roster_labels(rig.app)[:2])
        await wait_for(pilot, lambda: "wants to add you" in log_text(rig.app))
        await pilot.press("ctrl+r")
        cursor_to(rig, DAN)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, RequestScreen))
        await pilot.press("a")
        await wait_for(pilot, lambda: rig.session.accepted == [DAN])
        await wait_for(pilot, lambda: not roster_labels(rig.app)[0].startswith("Friend requests"))


async def test_a_burst_of_requests_makes_one_notice_and_a_list() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(*(ev.SubscriptionRequested(f"spam{n}@example.com") for n in range(300)))
        rig.session.emit(ev.SubscriptionRequested("spam1@example.com"))  # re-delivered
        await wait_for(pilot, lambda: "300 new friend requests" in log_text(rig.app))
        assert log_text(rig.app).count("friend request") == 1
        assert len(rig.app.main.roster.requests()) == 300
        assert rig.session.accepted == []  # never auto-approved


async def test_deny_add_and_confirmed_remove_by_command() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.SubscriptionRequested(DAN))
        await wait_for(pilot, lambda: DAN in rig.app.main.roster.requests())
        await pilot.press(*f"/deny {DAN}", "enter")
        await wait_for(pilot, lambda: rig.session.denied == [DAN])
        assert DAN not in rig.app.main.roster.requests()
        await pilot.press(*f"/add {DAN} Dan the man", "enter")
        await wait_for(pilot, lambda: rig.session.added == [(DAN, "Dan the man", ())])
        await pilot.press(*f"/remove {BOB}", "enter")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ConfirmScreen))
        assert rig.session.removed == []  # nothing before the confirmation
        await pilot.press("y")
        await wait_for(pilot, lambda: rig.session.removed == [BOB])


async def test_rename_and_group_from_roster_keys() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(rig.app.focused, RosterView))
        cursor_to(rig, BOB)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, TextPromptScreen))
        await pilot.press("ctrl+u", *"Robert", "enter")
        await wait_for(pilot, lambda: rig.session.updated == [(BOB, "Robert", ("Friends",))])
        cursor_to(rig, BOB)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, TextPromptScreen))
        await pilot.press("ctrl+u", *"Work, Climbing", "enter")
        await wait_for(pilot, lambda: len(rig.session.updated) == 2)
        assert rig.session.updated[1] == (BOB, "Bob", ("Work", "Climbing"))


async def test_block_then_unblock_from_the_blocked_list() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.BlocklistReceived(("troll@example.com",)))
        await pilot.press(*f"/block {CAROL}", "enter")
        await wait_for(pilot, lambda: rig.session.blocked == [CAROL])
        rig.session.emit(ev.BlocklistChanged(blocked=(CAROL,)))
        await wait_for(pilot, lambda: f"Blocked {CAROL}" in log_text(rig.app))
        await pilot.press(*"/blocked", "enter")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, BlockedScreen))
        await pilot.press("enter")  # the first (sorted) entry
        await wait_for(pilot, lambda: rig.session.unblocked == [CAROL])


async def test_unread_counts_in_the_roster_clear_when_the_tab_is_read() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(incoming("one", msg_id="u1"), incoming("two", msg_id="u2"))
        rig.session.emit(incoming("two", msg_id="u2"))  # a duplicate is not unread
        await wait_for(
            pilot,
            lambda: any(
                label.endswith("(2)") or "(2)" in label for label in roster_labels(rig.app)
            ),
        )
        await pilot.press(*f"/msg {BOB}", "enter")
        await wait_for(pilot, lambda: not any("(2)" in label for label in roster_labels(rig.app)))


async def test_details_view_asks_for_client_versions_and_offline_is_selectable() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(
            ev.ClientInfoReceived(BOB, "phone", "Conversations", "2.17", "Android"),
        )
        await pilot.press(*f"/info {BOB}", "enter")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ContactScreen))
        assert rig.session.info_requests == [BOB]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(rig.app.screen, ContactScreen))
        await pilot.press(*"/status offline", "enter")
        await wait_for(pilot, lambda: rig.session.presences[-1] == (Show.OFFLINE, ""))


async def test_subscription_changes_are_told() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(
            ev.ContactUpdated(Contact(CAROL, "", (), "none")),
            ev.SubscriptionChanged(CAROL, "unsubscribed"),
        )
        await wait_for(pilot, lambda: f"{CAROL} denied your request" in log_text(rig.app))


async def test_add_from_the_roster_key_and_status_message_from_f4() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(rig.app.focused, RosterView))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, TextPromptScreen))
        await pilot.press(*f"{DAN} Dan", "enter")
        await wait_for(pilot, lambda: rig.session.added == [(DAN, "Dan", ())])
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, TextPromptScreen))
        await pilot.press(*"back at 3", "enter")
        await wait_for(pilot, lambda: rig.session.presences[-1] == (Show.AVAILABLE, "back at 3"))


async def test_help_lists_roster_keys() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press(*"/help", "enter")
        await wait_for(pilot, lambda: "Roster:" in log_text(rig.app))
        assert "n,plus Add" in log_text(rig.app) and "i Details" in log_text(rig.app)


async def test_letters_typed_right_after_f_filter_and_act_on_nothing() -> None:
    """A fast typist (or a paste) sends "fbad" before the filter box has the focus: the
    letters filter the roster; none reaches the roster's own keys (b: block, a: accept,
    d: deny the request under the cursor)."""
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.SubscriptionRequested(DAN, nick="Dan"))
        await wait_for(pilot, lambda: DAN in rig.app.main.roster.requests())
        await pilot.press("ctrl+r")
        cursor_to(rig, DAN)
        for char in "fbad":  # as the terminal driver posts them: queued before any is handled
            rig.app.post_message(events.Key(char, char))
        box = rig.app.main.query_one(RosterFilter)
        await wait_for(pilot, lambda: box.value == "bad" and box.has_focus)
        await pilot.pause()
        assert rig.app.main.roster.model.filter == "bad"
        assert rig.session.accepted == [] and rig.session.denied == []
        assert not isinstance(rig.app.screen, ConfirmScreen)  # no "Block Dan?" either
        await pilot.press("x")  # once the box has the focus, keys go to it as before
        await wait_for(pilot, lambda: box.value == "badx")  # added: the letters stay
