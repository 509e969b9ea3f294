"""Full stack: the real app (Pilot) on the real session against the real Prosody."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from tests.rig import wait_until
from tests.ui.fake import log_text, roster_labels
from xmpptui.app import XmppTuiApp
from xmpptui.devtools.prosody import Account, ProsodyServer
from xmpptui.devtools.provision import befriend
from xmpptui.models import ConnectionState
from xmpptui.store.credentials import PasswordSource
from xmpptui.ui.screens.password import PasswordScreen
from xmpptui.xmpp.session import ConnectionSettings, XmppSession

SIZE = (120, 40)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Headless Linux: no keyring backend (NoKeyringError)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def make_app(prosody: ProsodyServer, account: Account) -> XmppTuiApp:
    def make_session(password: str) -> XmppSession:
        return XmppSession(
            ConnectionSettings(
                jid=account.jid,
                password=password,
                resource="xmpptui-live",
                host=prosody.host,
                port=prosody.port,
                ca_file=prosody.ca_file,
            )
        )

    command = f"printf '%s\\n' {shlex.quote(account.password)}"
    return XmppTuiApp(account.jid, make_session, PasswordSource(account.jid, command))


async def test_chat_presence_and_roster_end_to_end(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, no_keyring: None
) -> None:
    alice, bob, carol = new_account("alice"), new_account("bob"), new_account("carol")
    await befriend(prosody, alice, bob, name_b_for_a="Bob", groups=["Friends"])
    bob_client = await xmpp_client(bob)
    inbox: list[Any] = []
    presences: list[Any] = []
    bob_client.add_event_handler("message", inbox.append)
    bob_client.add_event_handler("presence", presences.append)

    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        await wait_until(lambda: main.status.state is ConnectionState.ONLINE, 10)
        # The password command was enough: the (missing) keyring was never consulted.
        assert "keyring" not in log_text(app).lower()
        await wait_until(lambda: any(label.endswith("Bob") for label in roster_labels(app)))
        await wait_until(lambda: main.roster.best_presence(bob.jid) is not None)

        # A message from the other client lands in Bob's tab.
        bob_client.send_message(mto=alice.jid, mbody="ping [b]from[/b] bob", mtype="chat")
        await wait_until(lambda: main.tabs.has_peer(bob.jid))
        await wait_until(lambda: "Bob: ping [b]from[/b] bob" in log_text(app, bob.jid))

        # Typing in the app reaches the other client.
        await pilot.press("ctrl+r", "enter")
        await wait_until(lambda: main.tabs.active_peer == bob.jid)
        await pilot.press(*"pong from alice", "enter")
        await wait_until(lambda: any(m["body"] == "pong from alice" for m in inbox))
        assert "me: pong from alice" in log_text(app, bob.jid)

        # The presence chosen in the selector is what the other client sees.
        await pilot.press("ctrl+s", "down", "down", "down", "enter")  # Extended away
        await wait_until(
            lambda: any(p["from"].bare == alice.jid and p["show"] == "xa" for p in presences),
            message="bob never saw alice as xa",
        )

        # A contact added server-side (by another client of Alice) shows up.
        other = await xmpp_client(alice, resource="phone")
        await other.update_roster(carol.jid, name="Carol", groups=["Work"])
        await wait_until(lambda: "Work 0/1" in roster_labels(app))
        assert any(label.endswith("Carol") for label in roster_labels(app))

        await pilot.press("ctrl+q")
    await wait_until(
        lambda: any(
            p["from"].bare == alice.jid
            and p["from"].resource == "xmpptui-live"
            and p["type"] == "unavailable"
            for p in presences
        ),
        message="no unavailable presence after quitting",
    )
    assert app.return_code == 0


async def test_wrong_password_from_command_shows_prompt(
    prosody: ProsodyServer, new_account: Any, no_keyring: None
) -> None:
    alice = new_account("alice")
    app = make_app(prosody, Account(alice.username, alice.domain, "wrong-password"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(app.screen, PasswordScreen), 10)
        assert "rejected the password" in log_text(app)
        assert app.main.status.state is ConnectionState.OFFLINE
        await pilot.press(*alice.password, "enter")
        await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
        assert not isinstance(app.screen, PasswordScreen)


async def test_untrusted_certificate_trust_screen_pins_and_connects(
    prosody: ProsodyServer, new_account: Any, no_keyring: None
) -> None:
    from xmpptui.ui.screens.trust import TrustScreen

    alice = new_account("alice")
    saved: list[tuple[str, ...]] = []

    async def save_pins(pins: tuple[str, ...]) -> None:
        saved.append(pins)

    def make_session(password: str) -> XmppSession:  # no --ca-file: the system store
        return XmppSession(
            ConnectionSettings(
                jid=alice.jid,
                password=password,
                resource="xmpptui-live",
                host=prosody.host,
                port=prosody.port,
            )
        )

    command = f"printf '%s\\n' {shlex.quote(alice.password)}"
    app = XmppTuiApp(
        alice.jid, make_session, PasswordSource(alice.jid, command), save_pins=save_pins
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(app.screen, TrustScreen), 10)
        assert app.main.status.state is ConnectionState.OFFLINE
        await pilot.press("a")  # trust always
        await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
        assert len(saved) == 1 and saved[0][0].startswith("sha256/")
        assert "pinned" in log_text(app)


async def test_register_flag_creates_the_account_and_logs_in(
    prosody: ProsodyServer, no_keyring: None
) -> None:
    import secrets as pysecrets

    from textual.widgets import Input

    from xmpptui.ui.screens.register import RegisterScreen
    from xmpptui.xmpp.registration import NetworkRegistrar, RegistrationTarget

    username = f"newbie{pysecrets.token_hex(3)}"
    jid = f"{username}@{prosody.domain}"
    password = "brand-new-pw"

    def make_session(pw: str) -> XmppSession:
        return XmppSession(
            ConnectionSettings(
                jid=jid,
                password=pw,
                resource="xmpptui-live",
                host=prosody.host,
                port=prosody.port,
                ca_file=prosody.ca_file,
            )
        )

    target = RegistrationTarget(
        domain=prosody.domain,
        host=prosody.host,
        port=prosody.port,
        ca_file=prosody.ca_file,
        username=username,
    )
    app = XmppTuiApp(
        jid,
        make_session,
        PasswordSource(jid),
        registrar=NetworkRegistrar(target),
        register_first=True,
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(app.screen, RegisterScreen), 10, lambda: log_text(app))
        await wait_until(lambda: any(i.value == username for i in app.screen.query(Input)))
        await wait_until(lambda: isinstance(app.focused, Input) and app.focused.password)
        await pilot.press(*password, "tab", *password, "enter")
        await wait_until(
            lambda: app.main.status.state is ConnectionState.ONLINE,
            10,
            lambda: f"{app.main.status.detail} / {log_text(app)} / {app.screen}",
        )
        assert "was created" in log_text(app)
        assert app.session is not None


async def test_friend_request_accepted_in_the_app_ends_in_both(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, no_keyring: None
) -> None:
    from xmpptui.ui.screens.prompt import RequestScreen
    from xmpptui.ui.widgets.roster import RosterView

    alice, bob = new_account("alice"), new_account("bob")
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        roster = app.main.roster
        await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
        bob_client = await xmpp_client(bob)
        bob_client.auto_authorize = True  # Bob will accept Alice's request back
        bob_client.send_presence_subscription(pto=alice.jid)
        await wait_until(lambda: bob.jid in roster.requests(), 10)

        await pilot.press("ctrl+r")
        await wait_until(lambda: isinstance(app.focused, RosterView))
        roster.move_cursor(next(i for i, r in enumerate(roster.rows()) if r.jid == bob.jid))
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, RequestScreen))
        await pilot.press("a")
        await wait_until(
            lambda: (c := roster.contact(bob.jid)) is not None and c.subscription == "both",
            10,
            lambda: repr(roster.contact(bob.jid)),
        )
        assert bob.jid not in roster.requests()
        await wait_until(lambda: roster.best_presence(bob.jid) is not None, 10)
        assert bob_client.client_roster[alice.jid]["subscription"] == "both"


async def test_add_contact_in_the_app_reaches_the_other_side(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, no_keyring: None
) -> None:
    alice, carol = new_account("alice"), new_account("carol")
    asked: list[Any] = []
    carol_client = await xmpp_client(
        carol, before_connect=lambda c: c.add_event_handler("presence_subscribe", asked.append)
    )
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        roster = app.main.roster
        await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
        await pilot.press(*f"/add {carol.jid} Carol", "enter")
        await wait_until(lambda: any(p["from"].bare == alice.jid for p in asked), 10)
        await wait_until(lambda: roster.contact(carol.jid) is not None)
        contact = roster.contact(carol.jid)
        assert contact is not None and contact.name == "Carol"
        assert contact.ask or contact.subscription in ("to", "both")
        assert carol_client is not None
