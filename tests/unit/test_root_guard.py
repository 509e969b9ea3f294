"""The top-level tag guard in front of slixmpp's handler matchers (``client.RootGuard``).

It must change nothing about which handler sees which stanza (every handler of
a real client, on a sample of stanzas of every kind), and it must spare the
real matcher the stanzas of other kinds (that is what it is for).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath
from slixmpp.xmlstream.matcher.base import MatcherBase
from slixmpp.xmlstream.matcher.id import MatcherId

from xmpptui.xmpp.client import RootGuard, XmppClient, root_tag
from xmpptui.xmpp.connection import ConnectionSettings, build_client

C = "jabber:client"
SAMPLES = [
    f"<message xmlns='{C}' type='chat' from='b@x/r'><body>hi</body></message>",
    f"<message xmlns='{C}' type='error' from='b@x'><error type='cancel'/></message>",
    f"<message xmlns='{C}' from='b@x/r'><active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>",
    f"<message xmlns='{C}'><received xmlns='urn:xmpp:carbons:2'><forwarded"
    " xmlns='urn:xmpp:forward:0'/></received></message>",
    f"<presence xmlns='{C}' from='b@x/r'/>",
    f"<presence xmlns='{C}' type='unavailable' from='b@x'/>",
    f"<presence xmlns='{C}' type='subscribe' from='b@x'/>",
    f"<iq xmlns='{C}' type='set' id='1'><query xmlns='jabber:iq:roster'/></iq>",
    f"<iq xmlns='{C}' type='get' id='2'><ping xmlns='urn:xmpp:ping'/></iq>",
    f"<iq xmlns='{C}' type='get' id='3'><query xmlns='http://jabber.org/protocol/disco#info'/>"
    "</iq>",
    f"<iq xmlns='{C}' type='get' id='4'><query xmlns='jabber:iq:version'/></iq>",
    f"<iq xmlns='{C}' type='set' id='5'><block xmlns='urn:xmpp:blocking'/></iq>",
    f"<iq xmlns='{C}' type='result' id='6'/>",
    "<r xmlns='urn:xmpp:sm:3'/>",
    "<a xmlns='urn:xmpp:sm:3' h='3'/>",
    "<enabled xmlns='urn:xmpp:sm:3' id='x' resume='true'/>",
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    "<features xmlns='http://etherx.jabber.org/streams'/>",
    "<error xmlns='http://etherx.jabber.org/streams'><conflict"
    " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>",
]


@pytest.fixture
async def client() -> XmppClient:
    return build_client(
        ConnectionSettings("alice@example.org", "secret", "r"),
        on_attempts_exhausted=lambda: None,
        on_pin_mismatch=lambda _info: None,
    )


def handlers(client: XmppClient) -> list[Any]:
    return list(client._XMLStream__handlers)


async def test_every_handler_matches_exactly_as_before(client: XmppClient) -> None:
    guarded = [h for h in handlers(client) if isinstance(h._matcher, RootGuard)]
    assert len(guarded) >= 15  # slixmpp's own and the plugins' handlers are all guarded
    for text in SAMPLES:
        stanza = client._build_stanza(ET.fromstring(text))
        for handler in guarded:
            inner = handler._matcher.inner
            assert handler.match(stanza) == inner.match(stanza), (handler.name, text)
    # and the samples do reach their handlers
    by_name = {h.name: h for h in guarded}
    assert by_name["IM"].match(client._build_stanza(ET.fromstring(SAMPLES[0])))
    assert by_name["Stream Management Request Ack"].match(
        client._build_stanza(ET.fromstring(SAMPLES[13]))
    )


class Counting(MatcherBase):  # type: ignore[misc]
    def __init__(self, inner: MatcherBase) -> None:
        super().__init__(None)
        self.inner, self.calls = inner, 0

    def match(self, xml: Any) -> bool:
        self.calls += 1
        return bool(self.inner.match(xml))


async def test_other_kinds_of_stanza_never_reach_the_matcher(client: XmppClient) -> None:
    counting = Counting(StanzaPath("iq@type=get/ping"))
    guard = RootGuard("{jabber:client}iq", counting)
    for text in SAMPLES:
        stanza = client._build_stanza(ET.fromstring(text))
        guard.match(stanza)
    iqs = sum(1 for text in SAMPLES if text.startswith("<iq"))
    assert counting.calls == iqs


async def test_handlers_registered_later_are_guarded_too(client: XmppClient) -> None:
    client.register_handler(Callback("mine", MatchXPath(f"{{{C}}}message"), lambda _s: None))
    client.register_handler(Callback("answer", MatcherId("abc"), lambda _s: None))
    mine = next(h for h in handlers(client) if h.name == "mine")
    answer = next(h for h in handlers(client) if h.name == "answer")
    assert isinstance(mine._matcher, RootGuard) and mine._matcher.tag == f"{{{C}}}message"
    assert not isinstance(answer._matcher, RootGuard)  # an id matcher: any kind of stanza


@pytest.mark.parametrize(
    ("matcher", "tag"),
    [
        (StanzaPath("presence"), "{jabber:client}presence"),
        (StanzaPath("message@type=error"), "{jabber:client}message"),
        (StanzaPath("iq@type=set/roster"), "{jabber:client}iq"),
        (StanzaPath("roster"), None),  # a plugin name first: no single root
        (MatchXPath("{urn:xmpp:sm:3}r"), "{urn:xmpp:sm:3}r"),
        (
            MatchXPath("{http://etherx.jabber.org/streams}features"),
            "{http://etherx.jabber.org/streams}features",
        ),
        (MatchXPath("{jabber:client}message/{jabber:client}body"), "{jabber:client}message"),
        (MatchXPath("{jabber:client}*"), None),
        (MatchXPath("{jabber:client}message[@type='chat']"), None),
        (MatcherId("abc"), None),
    ],
)
def test_root_tag(matcher: MatcherBase, tag: str | None) -> None:
    assert root_tag(matcher) == tag
