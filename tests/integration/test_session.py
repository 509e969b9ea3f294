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
from xmpptui.xmpp.client import Timing
from xmpptui.xmpp.session import ConnectionSettings, XmppSession

FAST = Timing(first_delay=0.2, max_delay=1.0, keepalive=0)


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
        timing = overrides.pop("timing", None)
        settings.update(overrides)
        recorder = Recorder(XmppSession(ConnectionSettings(**settings), timing=timing))
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


async def test_untrusted_certificate_is_shown_then_trusted_once(new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice, ca_file=None)  # the rig's CA is not in the system store
    untrusted = await rec.wait_for(ev.CertificateUntrusted)
    assert "not trusted" in untrusted.reason
    assert untrusted.server_name == "localhost"
    assert "localhost" in untrusted.info.names
    assert untrusted.info.spki_sha256.startswith("sha256/")
    assert not rec.of(ev.SessionStarted) and not rec.of(ev.AuthenticationFailed)
    assert not rec.session.reconnect_pending

    rec.session.trust_keys((untrusted.info.spki_sha256,))  # "trust once"
    await rec.wait_for(ev.SessionStarted)


async def test_changed_key_blocks_login(new_account, run_session) -> None:
    alice = new_account("alice")
    stale = "sha256/" + "A" * 43 + "="
    rec = await run_session(alice, pins=(stale,))
    changed = await rec.wait_for(ev.CertificateChanged)
    assert changed.pinned == (stale,)
    assert changed.info is not None and changed.info.spki_sha256 != stale
    await rec.wait_for(ev.Disconnected)
    assert not rec.of(ev.SessionStarted) and not rec.of(ev.AuthenticationFailed)
    assert not rec.session.reconnect_pending  # never silently retried


async def test_pinned_key_logs_in_without_the_ca(new_account, run_session, prosody) -> None:
    from xmpptui.xmpp.tls import spki_pin
    from xmpptui.xmpp.tls_probe import fetch_certificate

    der = await fetch_certificate(prosody.host, prosody.port, prosody.domain, direct_tls=False)
    alice = new_account("alice")
    rec = await run_session(alice, ca_file=None, pins=(spki_pin(der),))
    await rec.wait_for(ev.SessionStarted)


async def test_unreachable_host_is_reported_with_a_retry(new_account, run_session) -> None:
    alice = new_account("alice")
    (closed_port,) = free_ports(1)
    rec = await run_session(alice, port=closed_port)
    failure = await rec.wait_for(ev.ConnectionFailed, lambda e: e.retry_in is not None)
    assert failure.reason == f"Cannot reach 127.0.0.1:{closed_port}: Connection refused."
    assert 0.75 <= failure.retry_in <= 1.25  # first delay: 1 s with ±25 % jitter
    assert failure.retry_at is not None


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


async def test_server_restart_reconnects_and_restores_presence(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    rec = await run_session(alice, timing=FAST)
    await rec.wait_for(ev.SessionStarted)
    rec.session.set_presence(Show.DND, "focus time")

    prosody.stop()
    prosody.start()

    lost = await rec.wait_for(ev.ConnectionFailed, lambda e: e.retry_at is not None)
    assert lost.retry_in is not None and lost.retry_in <= 1.25
    await rec.wait_for(ev.SessionStarted, lambda e: len(rec.of(ev.SessionStarted)) >= 2)
    assert not rec.of(ev.SessionStarted)[-1].resumed  # the server forgot us: fresh session
    # The roster is fetched again; unchanged (roster versioning) it need not be re-sent,
    # but it is never reported empty.
    assert all(r.contacts for r in rec.of(ev.RosterReceived))
    assert [c.jid for c in rec.of(ev.RosterReceived)[0].contacts] == [bob.jid]

    seen: list[Any] = []
    await xmpp_client(bob, before_connect=lambda c: c.add_event_handler("presence", seen.append))
    await wait_until(
        lambda: any(p["from"].bare == alice.jid and p["show"] == "dnd" for p in seen),
        message="alice's chosen presence was not restored after the restart",
    )
    assert [p for p in seen if p["from"].bare == alice.jid][-1]["status"] == "focus time"


async def test_dropped_link_resumes_the_stream(new_account, run_session) -> None:
    alice = new_account("alice")
    rec = await run_session(alice, timing=FAST)
    await rec.wait_for(ev.SessionStarted)
    client = rec.session.client
    assert client is not None
    await wait_until(lambda: bool(client.plugin["xep_0198"].sm_id), message="stream management off")
    client.transport.abort()  # the network drops: no stream close, no TCP goodbye
    resumed = await rec.wait_for(ev.SessionStarted, lambda e: e.resumed)
    assert resumed.full_jid == f"{alice.jid}/xmpptui-test"


async def test_resource_conflict_never_fights(new_account, run_session) -> None:
    alice = new_account("alice")
    first = await run_session(alice, timing=FAST)
    await first.wait_for(ev.SessionStarted)
    second = await run_session(alice, timing=FAST)  # same resource, e.g. a second instance
    await second.wait_for(ev.SessionStarted)

    kicked = await first.wait_for(ev.SignedOutElsewhere)
    assert kicked.full_jid == f"{alice.jid}/xmpptui-test"
    await first.wait_for(ev.Disconnected)
    assert not first.session.reconnect_pending
    assert len(first.of(ev.Connecting)) == 1  # no automatic attempt after the conflict

    # The user of the first instance takes over with the same resource...
    first.session.reconnect_now()
    await first.wait_for(ev.SessionStarted, lambda e: len(first.of(ev.SessionStarted)) == 2)
    await second.wait_for(ev.SignedOutElsewhere)
    await second.wait_for(ev.Disconnected)
    assert not second.session.reconnect_pending
    assert len(second.of(ev.Connecting)) == 1

    # ...and the second picks a new resource: both stay online, nobody kicked.
    second.session.reconnect_now(resource="xmpptui-other")
    started = await second.wait_for(ev.SessionStarted, lambda e: e.full_jid.endswith("other"))
    assert started.full_jid == f"{alice.jid}/xmpptui-other"
    assert len(first.of(ev.SignedOutElsewhere)) == 1
    assert first.session.resource == "xmpptui-test"


async def test_keepalive_detects_a_dead_server_and_recovers(
    prosody, new_account, run_session
) -> None:
    import os
    import signal

    alice = new_account("alice")
    timing = Timing(first_delay=0.2, max_delay=1.0, keepalive=0.2, ping_timeout=0.5)
    rec = await run_session(alice, timing=timing)
    await rec.wait_for(ev.SessionStarted)
    assert prosody.pid is not None
    os.kill(prosody.pid, signal.SIGSTOP)  # the server hangs: TCP stays up, nothing answers
    try:
        dead = await rec.wait_for(ev.ConnectionFailed, timeout=10)
        assert "stopped answering" in dead.reason
    finally:
        os.kill(prosody.pid, signal.SIGCONT)
    await rec.wait_for(ev.SessionStarted, lambda e: len(rec.of(ev.SessionStarted)) >= 2, 15)


async def test_answers_software_version_without_the_os(
    new_account, run_session, xmpp_client
) -> None:
    from xmpptui import __version__

    alice, bob = new_account("alice"), new_account("bob")
    rec = await run_session(alice)
    started = await rec.wait_for(ev.SessionStarted)
    bob_client = await xmpp_client(bob, plugins=("xep_0092",))
    answer = await bob_client.plugin["xep_0092"].get_version(started.full_jid, timeout=10)
    version = answer["software_version"]
    assert (version["name"], version["version"]) == ("xmpptui", __version__)
    assert not version["os"]


HOSTILE = "a\x00b\x1b[2Jc\x0bd\ufffee\ud800f g"


async def test_invalid_xml_characters_are_dropped_before_sending(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    rec = await run_session(alice, timing=FAST)
    await rec.wait_for(ev.SessionStarted)
    inbox: list[Any] = []
    seen: list[Any] = []
    await xmpp_client(
        bob,
        before_connect=lambda c: (
            c.add_event_handler("message", inbox.append),
            c.add_event_handler("presence", seen.append),
        ),
    )
    rec.session.send_message(bob.jid, HOSTILE)
    rec.session.set_presence(Show.AWAY, "st\x00atus\x1b")
    rec.session.send_message(bob.jid, "still connected")
    await wait_until(lambda: any(m["body"] == "still connected" for m in inbox), 10)
    assert next(m["body"] for m in inbox) == "ab[2Jcdef g"
    await wait_until(lambda: any(p["status"] == "status" for p in seen), 10)
    assert not rec.of(ev.Disconnected)
