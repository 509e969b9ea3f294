"""The session's XML console tap, on a real (unconnected) XmppClient."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import pytest
from slixmpp.xmlstream.xmlstream import NotConnectedError

from xmpptui.xmpp import events as ev
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.xmlconsole import MAX_TEXT, XmlConsole, cap

PASSWORD = "unit-test-Pa55word"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"


def make_client() -> XmppClient:
    return XmppClient("alice@example.org/console", PASSWORD, loop=asyncio.get_running_loop())


def sent(client: XmppClient, text: str) -> None:
    """What ``send_raw`` does before it finds there is no connection."""
    with pytest.raises(NotConnectedError):
        client.send_raw(text)


def test_cap_keeps_short_text_and_cuts_long_text_on_a_character() -> None:
    assert cap("<presence/>") == "<presence/>"
    assert cap("a" * MAX_TEXT) == "a" * MAX_TEXT
    assert cap("a" * (MAX_TEXT + 10)) == "a" * MAX_TEXT + "… (10 bytes more)"
    cut = cap("é" * 10, limit=5)  # two bytes each: two fit, half of the third does not
    assert cut == "éé… (16 bytes more)"


async def test_nothing_is_tapped_until_watched_then_both_directions_redacted() -> None:
    seen: list[ev.SessionEvent] = []
    client = make_client()
    console = XmlConsole(seen.append, lambda: client)
    console.install(client)
    assert client.xml_tap is None  # closed console: no tap at all
    sent(client, "<presence/>")
    client.incoming_filter(ET.fromstring("<presence xmlns='jabber:client'/>"))
    assert seen == []

    console.watch(True)
    sent(client, f"<auth xmlns='{SASL}' mechanism='PLAIN'>AGFsaWNlAHVuaXQ=</auth>")
    sent(client, f"<message><body>it is {PASSWORD}</body></message>")
    client.incoming_filter(ET.fromstring(f"<success xmlns='{SASL}'>dj1zZWNyZXQ=</success>"))
    features = "<features xmlns='http://etherx.jabber.org/streams'><bind xmlns='b'/></features>"
    client.incoming_filter(ET.fromstring(features))
    client.incoming_filter(ET.fromstring("<message xmlns='jabber:client'><body>x</body></message>"))
    assert seen == [
        ev.XmlTraffic(False, f"<auth xmlns='{SASL}' mechanism='PLAIN'>[redacted]</auth>"),
        ev.XmlTraffic(False, "<message><body>it is [redacted]</body></message>"),
        ev.XmlTraffic(True, f'<success xmlns="{SASL}">[redacted]</success>'),
        ev.XmlTraffic(True, '<stream:features><bind xmlns="b" /></stream:features>'),
        ev.XmlTraffic(True, "<message><body>x</body></message>"),
    ]

    console.watch(False)
    assert client.xml_tap is None
    sent(client, "<presence/>")
    assert len(seen) == 5


async def test_a_rebuilt_client_is_watched_too_and_the_tap_never_raises() -> None:
    seen: list[ev.SessionEvent] = []
    current: list[XmppClient] = []
    console = XmlConsole(seen.append, lambda: current[-1] if current else None)
    console.watch(True)  # before any client exists
    current.append(make_client())
    console.install(current[-1])  # what the session does for each client it builds
    sent(current[-1], "<presence/>")
    assert seen == [ev.XmlTraffic(False, "<presence/>")]

    def broken(_event: ev.SessionEvent) -> None:
        raise RuntimeError("the queue is gone")

    failing = XmlConsole(broken, lambda: None)
    client = make_client()
    failing.watch(True)
    failing.install(client)
    sent(client, "<presence/>")  # the stream goes on: only NotConnectedError, from slixmpp
