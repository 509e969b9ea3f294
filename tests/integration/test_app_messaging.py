"""Full stack messaging: the real app with real history on the real Prosody."""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from tests.rig import wait_until
from xmpptui.app import XmppTuiApp
from xmpptui.devtools.prosody import Account, ProsodyServer
from xmpptui.devtools.provision import befriend
from xmpptui.models import ConnectionState, Delivery
from xmpptui.store.credentials import PasswordSource
from xmpptui.store.history import AsyncHistory
from xmpptui.xmpp.client import Timing
from xmpptui.xmpp.session import ConnectionSettings, XmppSession

SIZE = (120, 40)
FAST = Timing(first_delay=0.2, max_delay=1.0, keepalive=0)


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
async def history_path(tmp_path: Path) -> AsyncIterator[Path]:
    yield tmp_path / "history.sqlite3"


def make_app(prosody: ProsodyServer, account: Account, history: AsyncHistory) -> XmppTuiApp:
    def make_session(password: str) -> XmppSession:
        settings = ConnectionSettings(
            jid=account.jid,
            password=password,
            resource="xmpptui-app",
            host=prosody.host,
            port=prosody.port,
            ca_file=prosody.ca_file,
        )
        return XmppSession(settings, timing=FAST)

    command = f"printf '%s\\n' {shlex.quote(account.password)}"
    return XmppTuiApp(
        account.jid, make_session, PasswordSource(account.jid, command), history=history
    )


def state_of(app: XmppTuiApp, peer: str, body: str) -> Delivery | None:
    view = app.main.tabs.log_for(peer)
    found = [m for m in view.messages if m.body == body] if view is not None else []
    return found[-1].state if found else None


async def test_receipt_marks_delivered_and_nothing_is_lost_across_a_server_outage(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, history_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    history = AsyncHistory(history_path)
    await history.open()
    app = make_app(prosody, alice, history)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
            inbox: list[Any] = []
            bob_client = await xmpp_client(
                bob,
                plugins=("xep_0184",),
                before_connect=lambda c: c.add_event_handler("message", inbox.append),
            )
            bob_client.plugin["xep_0184"].auto_ack = True
            await pilot.press(*f"/msg {bob.jid} first", "enter")
            await wait_until(lambda: state_of(app, bob.jid, "first") is Delivery.DELIVERED, 10)

            prosody.stop()  # the server goes away; the app keeps what the user types
            await wait_until(lambda: app.main.status.state is not ConnectionState.ONLINE, 10)
            await pilot.press(*"second, typed while offline", "enter")
            await wait_until(
                lambda: state_of(app, bob.jid, "second, typed while offline") is Delivery.PENDING
            )
            prosody.start()
            await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 15)
            await wait_until(
                lambda: (
                    state_of(app, bob.jid, "second, typed while offline")
                    in (Delivery.SENT, Delivery.DELIVERED)
                ),
                10,
            )
            late: list[Any] = []
            await xmpp_client(
                bob, before_connect=lambda c: c.add_event_handler("message", late.append)
            )
            await wait_until(
                lambda: any(m["body"] == "second, typed while offline" for m in late), 10
            )
            assert [m["body"] for m in late].count("second, typed while offline") == 1
            await pilot.press("ctrl+q")
        stored = await history.recent(alice.jid, bob.jid)
        assert [m.body for m in stored] == ["first", "second, typed while offline"]
    finally:
        await history.close()


async def test_a_pending_message_survives_quitting_and_goes_out_at_the_next_start(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, history_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    history = AsyncHistory(history_path)
    await history.open()
    try:
        app = make_app(prosody, alice, history)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
            prosody.stop()
            await wait_until(lambda: app.main.status.state is not ConnectionState.ONLINE, 10)
            await pilot.press(*f"/msg {bob.jid} do not lose me", "enter")
            await wait_until(lambda: state_of(app, bob.jid, "do not lose me") is Delivery.PENDING)
            await pilot.press("ctrl+q")
        assert [m.body for m in await history.pending(alice.jid)] == ["do not lose me"]

        prosody.start()
        received: list[Any] = []
        await xmpp_client(
            bob, before_connect=lambda c: c.add_event_handler("message", received.append)
        )
        again = make_app(prosody, alice, history)
        async with again.run_test(size=SIZE) as pilot:
            await wait_until(lambda: again.main.status.state is ConnectionState.ONLINE, 10)
            # The tab was restored and shows the message; then it is sent.
            await wait_until(lambda: again.main.tabs.has_peer(bob.jid), 10)
            await wait_until(lambda: any(m["body"] == "do not lose me" for m in received), 10)
            await pilot.press("ctrl+q")
        assert [m["body"] for m in received].count("do not lose me") == 1
        assert await history.pending(alice.jid) == []
    finally:
        await history.close()


async def test_archive_catch_up_shows_what_was_said_while_closed_once(
    prosody: ProsodyServer, new_account: Any, xmpp_client: Any, history_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob, name_b_for_a="Bob")
    history = AsyncHistory(history_path)
    await history.open()
    try:
        app = make_app(prosody, alice, history)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(lambda: app.main.status.state is ConnectionState.ONLINE, 10)
            await pilot.press("ctrl+q")

        phone = await xmpp_client(alice, resource="phone")
        got: list[Any] = []
        bob_client = await xmpp_client(
            bob, before_connect=lambda c: c.add_event_handler("message", got.append)
        )
        phone.send_message(mto=bob.jid, mbody="sent from my phone", mtype="chat")
        await wait_until(lambda: any(m["body"] == "sent from my phone" for m in got), 10)
        bob_client.send_message(mto=f"{alice.jid}/phone", mbody="reply to the phone", mtype="chat")

        again = make_app(prosody, alice, history)
        async with again.run_test(size=SIZE) as pilot:
            await wait_until(lambda: again.main.tabs.has_peer(bob.jid), 15)
            view = again.main.tabs.log_for(bob.jid)
            assert view is not None
            await wait_until(lambda: len(view.messages) >= 2, 10)
            bodies = [m.body for m in view.messages]
            assert bodies.count("sent from my phone") == 1
            assert bodies.count("reply to the phone") == 1
            mine = next(m for m in view.messages if m.body == "sent from my phone")
            assert mine.outgoing and mine.stanza_id
            await pilot.press("ctrl+q")
        stored = [m.body for m in await history.recent(alice.jid, bob.jid)]
        assert stored.count("reply to the phone") == 1
    finally:
        await history.close()
