"""The XML console's stream against the real Prosody: real traffic, never a password."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.rig import record, wait_until
from xmpptui.devtools.prosody import Account, ProsodyServer
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.client import Timing
from xmpptui.xmpp.session import ConnectionSettings, XmppSession

FAST = Timing(first_delay=0.2, max_delay=1.0, keepalive=0)
SASL_ELEMENT = re.compile(r"<(auth|response|challenge|success)\b[^>]*?(?<!/)>(.*?)</\1>", re.S)


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

    def xml(self, incoming: bool) -> list[str]:
        return [e.text for e in self.of(ev.XmlTraffic) if e.incoming is incoming]

    async def wait_for_xml(self, incoming: bool, *needles: str, timeout: float = 10) -> str:
        def found() -> str | None:
            return next((t for t in self.xml(incoming) if all(n in t for n in needles)), None)

        await wait_until(found, timeout, lambda: f"no XML with {needles}; got {self.xml(incoming)}")
        text = found()
        assert text is not None
        return text

    async def close(self) -> None:
        await self.session.close()
        await asyncio.wait_for(self._task, 5)


@pytest.fixture
async def run_session(prosody: ProsodyServer) -> AsyncIterator[Callable[..., Any]]:
    recorders: list[Recorder] = []

    def make(account: Account) -> Recorder:
        settings = ConnectionSettings(
            jid=account.jid,
            password=account.password,
            resource="xmpptui-xml",
            host=prosody.host,
            port=prosody.port,
            ca_file=prosody.ca_file,
        )
        recorder = Recorder(XmppSession(settings, timing=FAST))
        recorders.append(recorder)
        return recorder

    yield make
    for recorder in recorders:
        await recorder.close()


def plain_payload(account: Account, password: str) -> str:
    return base64.b64encode(f"\0{account.username}\0{password}".encode()).decode()


async def test_console_shows_the_real_stream_both_ways(new_account, run_session) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    rec = run_session(alice)
    rec.session.watch_xml(True)
    await rec.session.start()
    await wait_until(lambda: rec.of(ev.SessionStarted), 10)

    # The stream headers both ways, then our own presence echoed back by the server.
    await rec.wait_for_xml(False, "<stream:stream", f"to='{alice.domain}'")
    await rec.wait_for_xml(True, "<stream:stream")
    await rec.wait_for_xml(True, "<stream:features")
    await rec.wait_for_xml(True, "<presence", "xmpptui-xml")

    rec.session.send_message(bob.jid, "hello <console> & co")
    sent = await rec.wait_for_xml(False, "<message", f'to="{bob.jid}"')
    assert "hello &lt;console&gt; &amp; co" in sent  # raw XML, as on the wire


async def test_closing_the_console_stops_the_events(new_account, run_session, xmpp_client) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    b = await xmpp_client(bob)
    inbox = record(b, "message")
    rec = run_session(alice)
    await rec.session.start()
    await wait_until(lambda: rec.of(ev.SessionStarted), 10)
    assert rec.of(ev.XmlTraffic) == []  # nobody watched the login
    client = rec.session.client
    assert client is not None and client.xml_tap is None  # no tap: no cost

    rec.session.watch_xml(True)
    rec.session.send_message(bob.jid, "while watched")
    await rec.wait_for_xml(False, "while watched")

    rec.session.watch_xml(False)
    assert client.xml_tap is None
    rec.session.send_message(bob.jid, "after closing")
    await wait_until(lambda: "after closing" in [m["body"] for m in inbox], 10)
    assert not any("after closing" in text for text in rec.xml(False))


async def test_no_password_or_sasl_payload_ever_reaches_the_console(
    new_account, run_session
) -> None:
    alice = new_account("alice")
    old, new = alice.password, "n3w-Secret-for-the-console"
    rec = run_session(alice)
    rec.session.watch_xml(True)
    await rec.session.start()
    client = rec.session.client
    assert client is not None
    client.plugin["feature_mechanisms"].use_mech = "PLAIN"  # payload: base64 of \0user\0password
    await wait_until(lambda: rec.of(ev.SessionStarted), 10)
    auth = await rec.wait_for_xml(False, "<auth", 'mechanism="PLAIN"')
    assert auth.endswith(">[redacted]</auth>")

    await rec.session.change_password(new)
    changed = await rec.wait_for_xml(False, "jabber:iq:register", "<password>")
    assert "<password>[redacted]</password>" in changed

    # The client is rebuilt on reconnect: the console keeps watching (SCRAM this time).
    rec.session.reconnect_now()
    await wait_until(lambda: len(rec.of(ev.SessionStarted)) == 2, 10)
    await wait_until(lambda: sum("<auth" in t for t in rec.xml(False)) == 2)
    await rec.wait_for_xml(True, "<success")

    texts = [e.text for e in rec.of(ev.XmlTraffic)]
    forbidden = [old, new, plain_payload(alice, old), plain_payload(alice, new)]
    assert not [(secret, text) for text in texts for secret in forbidden if secret in text]
    payloads = [m.group(2) for text in texts for m in SASL_ELEMENT.finditer(text)]
    assert len(payloads) >= 4  # both <auth>s, a challenge and a success at least
    assert set(payloads) == {"[redacted]"}
