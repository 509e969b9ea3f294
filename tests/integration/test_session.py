"""XmppSession against the real Prosody of the test rig."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.rig import wait_until
from xmpptui.devtools.prosody import Account, ProsodyServer, free_ports
from xmpptui.devtools.provision import befriend
from xmpptui.models import Show
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.session import ConnectionSettings, XmppSession


class Recorder:
    """Runs a session and keeps every event it emits."""

    def __init__(self, session: XmppSession) -> None:
        self.session = session
        self.events: list[Any] = []
        self._task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        async for event in self.session.events():
            self.events.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(
        self, kind: type[Any], where: Callable[[Any], bool] = bool, timeout: float = 10
    ) -> Any:
        await wait_until(
            lambda: any(where(e) for e in self.of(kind)),
            timeout,
            lambda: f"no {kind.__name__}; got {self.events!r}",
        )
        return next(e for e in self.of(kind) if where(e))

    async def close(self) -> None:
        await self.session.close()
        await asyncio.wait_for(self._task, 5)


@pytest.fixture
async def run_session(prosody: ProsodyServer) -> AsyncIterator[Callable[..., Any]]:
    recorders: list[Recorder] = []

    async def start(account: Account, password: str | None = None, **overrides: Any) -> Recorder:
        settings: dict[str, Any] = {
            "jid": account.jid,
            "password": password if password is not None else account.password,
            "resource": "xmpptui-test",
            "host": prosody.host,
            "port": prosody.port,
            "ca_file": prosody.ca_file,
        }
        settings.update(overrides)
        recorder = Recorder(XmppSession(ConnectionSettings(**settings)))
        recorders.append(recorder)
        await recorder.session.start()
        return recorder

    yield start
    for recorder in recorders:
        await recorder.close()


async def test_login_reports_online_and_roster(new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice)
    started = await rec.wait_for(ev.SessionStarted)
    assert started.full_jid == f"{alice.jid}/xmpptui-test"
    await rec.wait_for(ev.RosterReceived)


async def test_direct_tls_port_works_too(prosody, new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice, port=prosody.direct_tls_port, direct_tls=True)
    await rec.wait_for(ev.SessionStarted)


async def test_wrong_password_fails_once_without_retrying(new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice, password="not-the-password")
    failure = await rec.wait_for(ev.AuthenticationFailed)
    assert alice.jid in failure.reason
    await rec.wait_for(ev.Disconnected)
    assert not rec.of(ev.SessionStarted)
    assert len(rec.of(ev.Connecting)) == 1  # no reconnect loop


async def test_untrusted_certificate_is_rejected(new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice, ca_file=None)  # the rig's CA is not in the system store
    rejected = await rec.wait_for(ev.CertificateRejected)
    assert "not trusted" in rejected.reason
    assert not rec.of(ev.SessionStarted)
    assert not rec.of(ev.AuthenticationFailed)


async def test_unreachable_host_is_reported_with_a_retry(new_account, run_session) -> None:
    alice = new_account("alice")
    (closed_port,) = free_ports(1)
    rec = await run_session(alice, port=closed_port)
    failure = await rec.wait_for(ev.ConnectionFailed, lambda e: e.retry_in is not None)
    assert f"127.0.0.1:{closed_port}" in failure.reason
    assert failure.retry_in >= 1


async def test_messages_both_ways(prosody, new_account, run_session, xmpp_client) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    rec = await run_session(alice)
    await rec.wait_for(ev.SessionStarted)
    bob_client = await xmpp_client(bob)
    received: list[Any] = []
    bob_client.add_event_handler("message", received.append)

    bob_client.send_message(mto=alice.jid, mbody="hello <alice> & [b]co[/b]", mtype="chat")
    got = await rec.wait_for(ev.MessageReceived)
    assert got.message.peer == bob.jid and got.message.sender == bob.jid
    assert got.message.body == "hello <alice> & [b]co[/b]"
    assert not got.message.outgoing

    sent = rec.session.send_message(bob.jid, "hi bob")
    await wait_until(lambda: any(m["body"] == "hi bob" for m in received))
    stanza = next(m for m in received if m["body"] == "hi bob")
    assert stanza["from"].bare == alice.jid and stanza["id"] == sent.id
    await rec.wait_for(ev.MessageSent, lambda e: e.message.id == sent.id)


async def test_presence_is_broadcast_and_seen(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob, name_b_for_a="Bob", groups=["Friends"])
    rec = await run_session(alice)
    roster = await rec.wait_for(ev.RosterReceived)
    assert [(c.jid, c.name, c.groups, c.subscription) for c in roster.contacts] == [
        (bob.jid, "Bob", ("Friends",), "both")
    ]
    bob_client = await xmpp_client(bob)
    seen: list[Any] = []
    bob_client.add_event_handler("presence", seen.append)
    # Bob's own presence reaches Alice's session.
    await rec.wait_for(ev.PresenceChanged, lambda e: e.jid == bob.jid and e.show is Show.AVAILABLE)

    rec.session.set_presence(Show.AWAY, "lunch")
    await wait_until(
        lambda: any(p["from"].bare == alice.jid and p["show"] == "away" for p in seen),
        message="bob never saw alice away",
    )
    last = [p for p in seen if p["from"].bare == alice.jid][-1]
    assert last["status"] == "lunch"

    bob_client.send_presence(pshow="dnd", pstatus="busy")
    change = await rec.wait_for(ev.PresenceChanged, lambda e: e.show is Show.DND)
    assert change.status == "busy"


async def test_roster_push_from_another_resource(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, carol = new_account("alice"), new_account("carol")
    rec = await run_session(alice)
    await rec.wait_for(ev.RosterReceived)
    other_alice = await xmpp_client(alice, resource="phone")
    await other_alice.update_roster(carol.jid, name="Carol", groups=["Work"])
    pushed = await rec.wait_for(ev.ContactUpdated, lambda e: e.contact.jid == carol.jid)
    assert pushed.contact.name == "Carol" and pushed.contact.groups == ("Work",)
    await other_alice.del_roster_item(carol.jid)
    await rec.wait_for(ev.ContactRemoved, lambda e: e.jid == carol.jid)


async def test_close_sends_unavailable(prosody, new_account, run_session, xmpp_client) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    bob_client = await xmpp_client(bob)
    gone: list[Any] = []
    bob_client.add_event_handler("presence_unavailable", gone.append)
    rec = await run_session(alice)
    await rec.wait_for(ev.SessionStarted)
    await rec.close()
    await wait_until(lambda: any(p["from"].bare == alice.jid for p in gone))
