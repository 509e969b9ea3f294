"""Limits and floods (issue 6) against the hostile server (``tests/hostile.py``).

An endless stanza, huge texts, thousands of presences, hundreds of friend
requests: the connection is dropped once (not in a storm), texts are cut
visibly, what the session and slixmpp keep stays bounded, nothing is
approved by itself, and the real app keeps answering keys meanwhile.

Fences as in ``test_hostile.py``: stanzas are handled in stream order, so once
a genuine message sent after a flood is out, the flood has been handled. An
outgoing fence (a message we send, seen by the server) does the same for what
the client might have sent on its own.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from tests.hostile import MESSAGE, PRESENCE, HostileServer
from tests.integration.test_hostile import BOB, ME, chat, fence
from tests.integration.test_session import FAST, Recorder
from tests.rig import wait_until
from tests.ui.fake import log_text
from xmpptui.app import XmppTuiApp
from xmpptui.app.roster import MAX_REQUESTS
from xmpptui.models import ConnectionState
from xmpptui.store.credentials import PasswordSource
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.chat_translate import MAX_BODY, TRUNCATED
from xmpptui.xmpp.client import MAX_STANZA_BYTES
from xmpptui.xmpp.roster_state import MAX_RESOURCES
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.translate import MAX_TEXT

TO = f" to='{ME}/xmpptui-test'"
LIMIT = f"{MAX_STANZA_BYTES // 2**20} MiB"
ROSTER = "<item jid='bob@localhost' name='Bob' subscription='both'/>"


@pytest.fixture
def roster() -> str:
    return ROSTER  # Bob only


def slixmpp_roster(rec: Recorder) -> tuple[dict[str, Any], Any]:
    """slixmpp's own roster: every node (by owner) and our account's node."""
    client = rec.session.client
    assert client is not None
    return client.roster._rosters, client.client_roster


async def sent_by_us_after(hostile: HostileServer, rec: Recorder, body: str) -> None:
    """An outgoing fence: whatever the client queued before this message has arrived."""
    message = rec.session.send_message(BOB, body)
    await hostile.wait_for(lambda el: el.tag == MESSAGE and el.get("id") == message.id)


# ------------------------------------------------------------- one stanza's size
async def endless_stanza(hostile: HostileServer, rec: Recorder, failures: int) -> None:
    """A message whose body never ends, until the session has given up on it
    (at most four times the limit, so a missing limit fails the test, not the run)."""
    await hostile.send(f"<message from='{BOB}/x'{TO} type='chat'><body>")
    chunk = "a" * 65536
    for _ in range(4 * MAX_STANZA_BYTES // len(chunk)):
        if len(rec.of(ev.Disconnected)) >= failures:
            return
        try:
            await hostile.send(chunk)
        except (ConnectionError, OSError):
            return


async def test_an_endless_stanza_drops_the_link_with_one_retry_then_stops(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    rec = logged_in
    await endless_stanza(hostile, rec, failures=1)
    failed = await rec.wait_for(ev.ConnectionFailed)
    assert failed.reason == (
        f"The server sent a stanza larger than {LIMIT}, so the connection was dropped."
    )
    assert failed.retry_in is not None  # one retry, with the backoff

    await rec.wait_for(ev.SessionStarted, lambda _e: len(rec.of(ev.SessionStarted)) == 2)
    await rec.wait_for(ev.RosterReceived, lambda _e: len(rec.of(ev.RosterReceived)) == 2)
    await endless_stanza(hostile, rec, failures=2)
    error = await rec.wait_for(ev.ErrorOccurred)
    assert error.text.startswith(f"The server sent a stanza larger than {LIMIT}")
    assert error.text.endswith("Not reconnecting: /reconnect (f5) tries again.")
    await rec.wait_for(ev.Disconnected, lambda _e: len(rec.of(ev.Disconnected)) == 2)
    assert not rec.session.reconnect_pending and not rec.session.online
    assert len(rec.of(ev.ConnectionFailed)) == 1  # no storm
    assert hostile.connections == 2
    assert not rec.of(ev.MessageReceived)

    rec.session.reconnect_now()  # the user decides: the limit starts afresh
    await rec.wait_for(ev.SessionStarted, lambda _e: len(rec.of(ev.SessionStarted)) == 3)
    await fence(hostile, rec)


async def test_lots_of_traffic_is_not_taken_for_one_big_stanza(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    """The limit is per stanza: 3 MiB of 30 KiB messages, and one stanza just
    under the limit, pass (the long body cut to ``MAX_BODY`` characters)."""
    many = "".join(chat(f"{BOB}/x", f"{i:03} " + "b" * 30_000) for i in range(100))
    assert len(many) > MAX_STANZA_BYTES
    await hostile.send(many)
    almost = MAX_STANZA_BYTES - 1000
    await hostile.send(chat(f"{BOB}/x", "c" * almost))
    await fence(hostile, logged_in)
    bodies = [e.message.body for e in logged_in.of(ev.MessageReceived)]
    assert [b[:3] for b in bodies[:100]] == [f"{i:03}" for i in range(100)]
    assert bodies[100] == "c" * MAX_BODY + TRUNCATED
    assert not logged_in.of(ev.ConnectionFailed) and not logged_in.of(ev.Disconnected)


# ------------------------------------------------------------------- long texts
async def test_long_texts_are_cut_visibly_before_they_reach_the_app(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    long = "x" * (MAX_BODY * 3)
    await hostile.send(chat(f"{BOB}/x", long))
    await hostile.send(chat(None, long, kind="normal"))  # a server notice
    status = "s" * (MAX_TEXT * 10)
    await hostile.send(f"<presence from='{BOB}/x'{TO}><status>{status}</status></presence>")
    await hostile.send(
        f"<presence from='eve@evil.example'{TO} type='subscribe'><status>{status}</status>"
        "</presence>"
    )
    await hostile.send(
        f"<iq type='set' id='push1'{TO}><query xmlns='jabber:iq:roster'>"
        f"<item jid='carol@localhost' name='{'n' * MAX_TEXT * 10}' subscription='none'>"
        f"<group>{'g' * MAX_TEXT * 10}</group></item></query></iq>"
    )
    await fence(hostile, logged_in)

    message = logged_in.of(ev.MessageReceived)[0].message
    assert message.body == "x" * MAX_BODY + TRUNCATED
    assert "65,536 characters" in TRUNCATED  # the mark says what happened
    [notice] = logged_in.of(ev.ServerNotice)
    assert notice.text == "x" * MAX_BODY + TRUNCATED
    [presence] = logged_in.of(ev.PresenceChanged)
    assert presence.status == "s" * (MAX_TEXT - 1) + "…"
    [request] = logged_in.of(ev.SubscriptionRequested)
    assert request.status == "s" * (MAX_TEXT - 1) + "…"
    [updated] = logged_in.of(ev.ContactUpdated)
    assert updated.contact.name == "n" * (MAX_TEXT - 1) + "…"
    assert updated.contact.groups == ("g" * (MAX_TEXT - 1) + "…",)


# -------------------------------------------------------------------- presences
async def test_a_presence_flood_keeps_what_is_kept_bounded(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    strangers = "".join(
        f"<presence from='s{i}@evil.example/r{i}'{TO}><status>hi {i}</status></presence>"
        for i in range(2000)
    )
    elsewhere = "".join(  # addressed to others: slixmpp would keep a roster for each
        f"<presence from='t{i}@evil.example/r' to='victim{i}@elsewhere.example'/>"
        for i in range(200)
    )
    resources = "".join(
        f"<presence from='{BOB}/r{i}'{TO}><show>away</show><status>{i}</status></presence>"
        for i in range(1000)
    )
    await hostile.send(strangers + elsewhere + resources)
    await hostile.send(f"<presence from='{BOB}/r5'{TO} type='unavailable'/>")
    await hostile.send(f"<presence from='{BOB}/late'{TO}/>")  # room again for one
    await fence(hostile, logged_in)

    changes = logged_in.of(ev.PresenceChanged)
    assert {c.jid for c in changes} == {BOB}  # strangers are not contacts
    assert len(changes) == MAX_RESOURCES + 2
    assert changes[-1].resource == "late"
    tracker = logged_in.session._roster
    assert set(tracker.resources) == {BOB}
    assert len(tracker.resources[BOB]) == MAX_RESOURCES
    nodes, own = slixmpp_roster(logged_in)
    assert list(nodes) == [ME]
    assert set(own.keys()) == {BOB}
    assert set(own[BOB].resources) == tracker.resources[BOB]


async def test_a_subscription_flood_is_never_approved(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    flood = "".join(
        f"<presence from='fan{i}@evil.example'{TO} type='subscribe'>"
        f"<nick xmlns='http://jabber.org/protocol/nick'>Fan {i}</nick></presence>"
        for i in range(500)
    )
    await hostile.send(flood)
    await fence(hostile, logged_in)
    await sent_by_us_after(hostile, logged_in, "after the flood")

    requests = logged_in.of(ev.SubscriptionRequested)
    assert len({r.jid for r in requests}) == 500  # each is the user's to answer
    answers = [
        el.get("type")
        for el in hostile.received
        if el.tag == PRESENCE and el.get("type") in ("subscribed", "unsubscribed", "subscribe")
    ]
    assert answers == []
    nodes, own = slixmpp_roster(logged_in)
    assert list(nodes) == [ME] and set(own.keys()) == {BOB}


# -------------------------------------------------------------- the whole app
@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


async def test_the_app_keeps_answering_keys_during_a_flood(
    hostile: HostileServer, no_keyring: None
) -> None:
    def make_session(password: str) -> XmppSession:
        return XmppSession(hostile.settings(ME, password=password), timing=FAST)

    app = XmppTuiApp(ME, make_session, PasswordSource(ME, f"printf {shlex.quote('pw')}"))
    flood = "".join(
        f"<presence from='{BOB}/r{i}'{TO}><status>flood {i}</status></presence>"
        f"<presence from='s{i}@evil.example/r'{TO}/>"
        f"<presence from='fan{i}@evil.example'{TO} type='subscribe'/>"
        for i in range(1500)
    )
    text = "typed during the flood"
    typed = f"/msg {BOB} {text}"
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.main
        await wait_until(lambda: main.status.state is ConnectionState.ONLINE, 10)
        await wait_until(lambda: main.roster.contact(BOB) is not None)
        sending = asyncio.ensure_future(hostile.send(flood))
        await pilot.press(*typed)
        await sending
        await wait_until(lambda: main.composer.value == typed, 30, lambda: main.composer.value)
        await hostile.send(chat(f"{BOB}/x", "fence after the flood"))
        await wait_until(lambda: main.tabs.has_peer(BOB), 30)
        await wait_until(lambda: "fence after the flood" in log_text(app, BOB), 30)

        await pilot.press("enter")
        await hostile.wait_for(
            lambda el: el.tag == MESSAGE and el.findtext("{jabber:client}body") == text,
            timeout=30,
        )
        assert len(main.roster.resources(BOB)) == MAX_RESOURCES
        assert len(main.roster.requests()) == MAX_REQUESTS
        overflow = [line for line in log_text(app).splitlines() if "not listed" in line]
        assert len(overflow) == 1, overflow  # one notice for the whole flood
        assert f"More than {MAX_REQUESTS} friend requests" in overflow[0]
        assert not [el for el in hostile.received if el.get("type") == "subscribed"]
        await pilot.press("ctrl+q")
    assert app.return_code == 0
