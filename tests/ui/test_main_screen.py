"""The main screen driven with Pilot, fed by the scripted FakeSession."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Input

from tests.ui.fake import ACCOUNT, FakePasswords, Rig, contacts, log_text, roster_labels, wait_for
from xmpptui.models import ChatMessage, ConnectionState, Show
from xmpptui.ui.screens.password import PasswordScreen
from xmpptui.ui.widgets.composer import Composer
from xmpptui.ui.widgets.roster import RosterView
from xmpptui.xmpp import events as ev

SIZE = (120, 40)
BOB = "bob@example.org"
CAROL = "carol@example.org"


def incoming(body: str, sender: str = BOB, msg_id: str = "m1") -> ev.MessageReceived:
    return ev.MessageReceived(
        ChatMessage(msg_id, sender, sender, body, datetime.now(UTC), outgoing=False)
    )


async def online(rig: Rig, pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: rig.sessions and rig.session.started)
    rig.session.emit(
        ev.SessionStarted(f"{ACCOUNT}/test"),
        contacts((BOB, "Bob", ("Friends",)), (CAROL, "", ())),
        ev.PresenceChanged(BOB, "phone", Show.AWAY, "on the train"),
    )
    await wait_for(pilot, lambda: len(roster_labels(rig.app)) == 4)


async def test_login_shows_status_roster_and_focuses_input() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        main = rig.app.main
        assert main.status.state is ConnectionState.ONLINE
        assert rig.session.password == "secret"
        labels = roster_labels(rig.app)
        # Named groups first, ungrouped contacts last; online count per group.
        assert labels[0] == "Friends 1/1"
        assert labels[1].endswith("Bob on the train")
        assert labels[2] == "Contacts 0/1"
        assert labels[3].endswith(CAROL)
        assert isinstance(rig.app.focused, Composer)


async def test_enter_on_contact_opens_tab_and_typed_message_is_sent() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+r")
        assert isinstance(rig.app.focused, RosterView)
        await pilot.press("enter")  # focus lands on the first contact, Bob
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        assert isinstance(rig.app.focused, Composer)
        await pilot.press(*"hello bob", "enter")
        await wait_for(pilot, lambda: rig.session.sent)
        assert rig.session.sent[0].peer == BOB and rig.session.sent[0].body == "hello bob"
        await wait_for(pilot, lambda: "me: hello bob" in log_text(rig.app, BOB))


async def test_incoming_message_opens_background_tab_once() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(incoming("hi alice"), incoming("hi alice"))  # same id twice
        await wait_for(pilot, lambda: rig.app.main.tabs.has_peer(BOB))
        await wait_for(pilot, lambda: "Bob: hi alice" in log_text(rig.app, BOB))
        assert log_text(rig.app, BOB).count("hi alice") == 1
        assert rig.app.main.tabs.active_peer is None  # still on the console


async def test_msg_command_opens_tab_and_sends() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press(*f"/msg {CAROL} are you there?", "enter")
        await wait_for(pilot, lambda: rig.session.sent)
        assert rig.app.main.tabs.active_peer == CAROL
        assert rig.session.sent[0].body == "are you there?"


async def test_presence_selector_and_status_command_reach_the_session() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+s")  # opens the selector overlay
        await pilot.press("down", "down", "enter")  # Available -> Free to chat -> Away
        await wait_for(pilot, lambda: (Show.AWAY, "") in rig.session.presences)
        await pilot.press(*"/status dnd in a meeting", "enter")
        await wait_for(pilot, lambda: (Show.DND, "in a meeting") in rig.session.presences)
        assert rig.app.main.presence.value == Show.DND


async def test_slash_from_the_roster_starts_a_command() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+r", "/")
        assert isinstance(rig.app.focused, Composer)
        assert rig.app.main.composer.value == "/"


async def test_hostile_names_and_bodies_stay_literal() -> None:
    rig = Rig()
    evil = "[@click=app.quit]x[/] [b]bold\x1b[2J\u202eevil"
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(
            contacts(("eve@example.org", evil, ("[red]grp",))),
            incoming(evil, sender="eve@example.org", msg_id="e1"),
        )
        await wait_for(pilot, lambda: rig.app.main.tabs.has_peer("eve@example.org"))
        await wait_for(pilot, lambda: "bold" in log_text(rig.app, "eve@example.org"))
        text = log_text(rig.app, "eve@example.org")
        assert "[@click=app.quit]x[/] [b]bold" in text
        assert "\x1b" not in text and "\u202e" not in text
        labels = roster_labels(rig.app)
        assert any(label.startswith("[red]grp") for label in labels)
        assert rig.app.is_running


async def test_ctrl_q_closes_the_session_and_exits() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: rig.session.closed)
    assert rig.app.return_code == 0


async def test_prompt_when_no_password_and_again_after_rejection() -> None:
    rig = Rig(FakePasswords(password=None))
    async with rig.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(rig.app.screen, PasswordScreen))
        await pilot.press(*"wrong", "enter")
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        assert rig.session.password == "wrong"
        rig.session.emit(ev.AuthenticationFailed("The server rejected the password."))
        await wait_for(pilot, lambda: rig.sessions[0].closed)
        await wait_for(pilot, lambda: isinstance(rig.app.screen, PasswordScreen))
        assert "rejected" in str(rig.app.screen.query_one("#error").render())
        field = rig.app.screen.query_one("#password", Input)
        assert field.value == ""  # a fresh prompt
        await pilot.press(*"right", "enter")
        await wait_for(pilot, lambda: len(rig.sessions) == 2 and rig.session.started)
        rig.session.emit(ev.SessionStarted(f"{ACCOUNT}/test"))
        await wait_for(pilot, lambda: rig.passwords.remembered == ["right"])
        assert len(rig.sessions) == 2  # no automatic retry loop


async def test_certificate_rejection_is_a_sentence_on_screen() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        rig.session.emit(ev.CertificateRejected("The server's certificate is not trusted."))
        await wait_for(pilot, lambda: rig.app.main.status.state is ConnectionState.OFFLINE)
        assert "not trusted" in rig.app.main.status.detail
        assert "not trusted" in log_text(rig.app)


async def test_lost_connection_shows_next_attempt_and_f5_retries() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        at = datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
        rig.session.emit(
            ev.Disconnected("eof"),
            ev.ConnectionFailed("The connection was lost.", retry_in=4.0, retry_at=at),
        )
        await wait_for(pilot, lambda: "Next attempt at" in rig.app.main.status.detail)
        assert rig.app.main.status.state is ConnectionState.CONNECTING
        assert at.astimezone().strftime("%H:%M:%S") in rig.app.main.status.detail
        assert roster_labels(rig.app)[0] == "Friends 0/1"  # presence is stale now
        await pilot.press("ctrl+r", "f5")
        await wait_for(pilot, lambda: rig.session.reconnects == [None])
        await pilot.press("escape", *"/reconnect", "enter")
        await wait_for(pilot, lambda: rig.session.reconnects == [None, None])


async def test_resumed_session_keeps_presence() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.Disconnected("eof"), ev.SessionStarted(f"{ACCOUNT}/t", resumed=True))
        await wait_for(pilot, lambda: "resumed" in log_text(rig.app))
        assert roster_labels(rig.app)[0] == "Friends 1/1"


async def test_conflict_asks_and_never_reconnects_by_itself() -> None:
    from xmpptui.ui.screens.conflict import ConflictScreen

    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(ev.SignedOutElsewhere(f"{ACCOUNT}/laptop"))
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ConflictScreen))
        assert rig.app.main.status.state is ConnectionState.OFFLINE
        assert f"another client signed in as {ACCOUNT}/laptop" in rig.app.main.status.detail
        assert rig.session.reconnects == []  # nothing automatic
        await pilot.press("n")
        await wait_for(pilot, lambda: rig.session.reconnects)
        new = rig.session.reconnects[0]
        assert new and new.startswith("xmpptui-scripted~") and new != "xmpptui-scripted"
        rig.session.emit(ev.SignedOutElsewhere(f"{ACCOUNT}/{new}"))
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ConflictScreen))
        await pilot.press("t")
        await wait_for(pilot, lambda: len(rig.session.reconnects) == 2)
        assert rig.session.reconnects[1] is None  # take over: same resource
        rig.session.emit(ev.SignedOutElsewhere(f"{ACCOUNT}/{new}"))
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ConflictScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(rig.app.screen, ConflictScreen))
        assert len(rig.session.reconnects) == 2


async def test_changed_pin_warns_and_only_replaces_on_confirmation() -> None:
    from xmpptui.models import CertificateInfo
    from xmpptui.ui.screens.trust import PinChangedScreen

    info = CertificateInfo(
        "CN=example.org",
        "CN=Other CA",
        ("example.org",),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
        "sha256/" + "B" * 43 + "=",
    )
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        old = ("sha256/" + "A" * 43 + "=",)
        rig.session.emit(ev.CertificateChanged(info, old, "example.org"))
        await wait_for(pilot, lambda: isinstance(rig.app.screen, PinChangedScreen))
        assert "key changed" in rig.app.main.status.detail
        await pilot.press("enter")  # the default is to reject
        await wait_for(pilot, lambda: not isinstance(rig.app.screen, PinChangedScreen))
        assert rig.session.trusted == []
        assert rig.app.main.status.state is ConnectionState.OFFLINE


async def test_keymap_from_config_remaps_bindings_and_presence_is_remembered() -> None:
    saved: list[tuple[Show, str]] = []

    async def save_presence(show: Show, status: str) -> None:
        saved.append((show, status))

    rig = Rig()
    rig.app = rig.app.__class__(
        ACCOUNT,
        rig._make,
        rig.passwords,
        save_presence=save_presence,
        keymap={"roster.focus": "f2"},
    )
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(rig.app.focused, RosterView))
        await pilot.press("escape", *"/status away out for lunch", "enter")
        await wait_for(pilot, lambda: saved == [(Show.AWAY, "out for lunch")])
        # Only the initial presence (from config) and the user's choice reached the session.
        assert rig.session.presences == [(Show.AVAILABLE, ""), (Show.AWAY, "out for lunch")]


async def test_remembered_presence_is_shown_and_not_overridden_at_start() -> None:
    rig = Rig()
    rig.app = rig.app.__class__(
        ACCOUNT, rig._make, rig.passwords, presence=Show.XA, status="on holiday"
    )
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.pause()
        assert rig.session.presences == [(Show.XA, "on holiday")]
        assert rig.app.main.presence.value == Show.XA


async def test_a_notice_due_after_the_app_closed_is_dropped() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        notified = len(rig.app._notifications)
    # e.g. the friend-request summary, whose timer fired while the app shut down
    rig.app._notice("bob@example.org wants to add you.")
    assert len(rig.app._notifications) == notified
