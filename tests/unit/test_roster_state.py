"""RosterTracker without a network: the roster request and result, slixmpp's own roster
kept the way slixmpp keeps it, the initial presence after the roster, and which
presences are worth an event.

Online behaviour is in ``tests/integration/test_session.py`` and ``test_roster_ops.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from slixmpp import JID
from slixmpp.stanza import Iq

from xmpptui.models import Contact, Show
from xmpptui.xmpp import events as ev
from xmpptui.xmpp import roster_state
from xmpptui.xmpp.background import Background
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.roster_state import RosterTracker

OWN = "alice@example.org"
BOB, CAROL, DAVE = "bob@example.org", "carol@example.org", "dave@example.org"
C = 'xmlns="jabber:client"'


class Wire:
    """An offline client: what it sends is kept, what the server says is fed in."""

    def __init__(self) -> None:
        self.client = XmppClient(f"{OWN}/test", "unused")
        self.client.boundjid = JID(f"{OWN}/test")
        self.client._handle_session_bind(self.client.boundjid)
        self.sent: list[Any] = []
        self.client.send = lambda stanza, *_a, **_k: self.sent.append(stanza)
        self.events: list[ev.SessionEvent] = []
        self.tracker = RosterTracker(OWN, Background(self.events.append))
        for name, handler in self.tracker.handlers().items():
            self.client.add_event_handler(name, handler)
        self.presence_sent = 0

    def start(self) -> None:
        self.tracker.session_started(self.client, then=self._send_presence)

    def _send_presence(self) -> None:
        self.presence_sent += 1

    def roster_request(self) -> Any:
        [iq] = [s for s in self.sent if s.xml.find("{jabber:iq:roster}query") is not None]
        return iq

    def receive(self, xml: str) -> None:
        self.client._spawn_event(ET.fromstring(xml))

    def answer(self, items: str, *, ver: str | None = "v1", kind: str = "result") -> None:
        query = (
            "" if ver is None else f'<query xmlns="jabber:iq:roster" ver="{ver}">{items}</query>'
        )
        iq_id = self.roster_request()["id"]
        self.receive(f'<iq {C} type="{kind}" id="{iq_id}" to="{OWN}/test">{query}</iq>')

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


ITEMS = (
    f'<item jid="{BOB}" name="Bob" subscription="both"><group>Friends</group></item>'
    f'<item jid="{CAROL}" subscription="none" ask="subscribe"/>'
)


async def test_the_initial_presence_waits_for_the_roster() -> None:
    wire = Wire()
    wire.start()
    assert wire.roster_request()["type"] == "get"
    assert wire.presence_sent == 0  # RFC 6121 2.2: the roster first

    wire.answer(ITEMS)
    assert wire.presence_sent == 1
    [received] = wire.of(ev.RosterReceived)
    assert received.contacts == (
        Contact(BOB, "Bob", ("Friends",), "both"),
        Contact(CAROL, "", (), "none", ask=True),
    )
    await asyncio.sleep(0)
    assert wire.presence_sent == 1  # once


async def test_the_initial_presence_goes_anyway_when_the_roster_does_not_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(roster_state, "INITIAL_PRESENCE_DELAY", 0.01)
    wire = Wire()
    wire.start()
    await asyncio.sleep(0.05)
    assert wire.presence_sent == 1
    wire.answer(ITEMS)  # late: the roster is taken, the presence not sent again
    assert wire.presence_sent == 1 and len(wire.of(ev.RosterReceived)) == 1


async def test_a_refused_roster_is_said_and_the_presence_still_goes() -> None:
    wire = Wire()
    wire.start()
    iq_id = wire.roster_request()["id"]
    wire.receive(
        f'<iq {C} type="error" id="{iq_id}"><error type="wait">'
        '<resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>'
    )
    assert wire.of(ev.ErrorOccurred) == [
        ev.ErrorOccurred("Could not load the roster: resource constraint.")
    ]
    assert wire.presence_sent == 1


async def test_only_our_server_answers_the_roster_request() -> None:
    wire = Wire()
    wire.start()
    iq_id = wire.roster_request()["id"]
    forged = f'<query xmlns="jabber:iq:roster"><item jid="{BOB}" subscription="both"/></query>'
    wire.receive(f'<iq {C} type="result" id="{iq_id}" from="mallory@evil.example">{forged}</iq>')
    wire.receive(f'<iq {C} type="get" id="{iq_id}" from="{OWN}"><ping xmlns="urn:xmpp:ping"/></iq>')
    assert wire.of(ev.RosterReceived) == [] and wire.presence_sent == 0
    wire.answer(ITEMS)
    assert len(wire.of(ev.RosterReceived)) == 1 and wire.presence_sent == 1


async def test_a_new_session_forgets_the_presence_of_one_that_ended_before_its_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(roster_state, "INITIAL_PRESENCE_DELAY", 0.02)
    wire = Wire()
    wire.start()
    wire.sent.clear()
    wire.start()  # reconnected before the first roster came
    await asyncio.sleep(0.05)
    assert wire.presence_sent == 1


async def test_versioned_unchanged_roster_keeps_the_contacts() -> None:
    wire = Wire()
    wire.client.features.add("rosterver")
    wire.client.client_roster.version = "v1"
    wire.start()
    assert wire.roster_request()["roster"]["ver"] == "v1"
    wire.answer("", ver=None)  # RFC 6121 2.6.3: "as you had it"
    assert wire.of(ev.RosterReceived) == [] and wire.presence_sent == 1


# ------------------------------------------------------------ slixmpp's own roster
RESULT_ITEMS = (
    '<item jid="bob@example.org" name="Bob" subscription="both"><group>A</group><group/></item>'
    '<item jid="carol@example.org" subscription="to" ask="subscribe"/>'
    '<item jid="dave@example.org" subscription="from" name="D"/>'
    '<item jid="eve@example.org" subscription="weird"/>'  # slixmpp skips it
    '<item jid="frank@example.org"/>'  # no subscription: skipped too
    '<item jid="gone@example.org" subscription="remove"/>'
    '<item jid="Bob@EXAMPLE.org/x" name="Bobby" subscription="none"/>'  # same item again
)


def slixmpp_state(client: XmppClient) -> dict[str, Any]:
    node = client.client_roster
    return {
        "version": node.version,
        "items": {
            jid: (dict(node[jid]._state), dict(node[jid].resources), str(node[jid].jid))
            for jid in node
        },
    }


async def test_slixmpp_roster_is_kept_as_slixmpp_keeps_it() -> None:
    """What ``_update_slixmpp_roster`` makes of a result equals slixmpp's ``_handle_roster``,
    also for items slixmpp already had (with a pending request, resources, a removal)."""
    ours, theirs = Wire(), Wire()
    for wire in (ours, theirs):
        node = wire.client.client_roster
        node.add(DAVE, "old", ["Old"], pending_in=True, whitelisted=True)
        node[DAVE].resources["phone"] = {"show": "away"}
        node.add("gone@example.org", "Gone")
    xml = (
        f'<iq {C} type="result" id="r"><query xmlns="jabber:iq:roster" ver="v7">'
        f"{RESULT_ITEMS}</query></iq>"
    )
    theirs.client._handle_roster(Iq(theirs.client, xml=ET.fromstring(xml)))
    ours.start()
    ours.answer(RESULT_ITEMS, ver="v7")
    expected = slixmpp_state(theirs.client)
    assert slixmpp_state(ours.client) == expected
    assert set(expected["items"]) == {BOB, "carol@example.org", DAVE}


# ------------------------------------------------------------------- presence
def presence(wire: Wire, sender: str, kind: str = "") -> None:
    ptype = f' type="{kind}"' if kind else ""
    wire.receive(f'<presence {C} from="{sender}" to="{OWN}/test"{ptype}/>')


def shown(wire: Wire) -> list[tuple[str, str, Show]]:
    return [(e.jid, e.resource, e.show) for e in wire.of(ev.PresenceChanged)]


async def test_offline_for_what_was_never_shown_online_is_no_event() -> None:
    """At login the server answers for every offline contact: no event for each."""
    wire = Wire()
    wire.start()
    wire.answer(ITEMS)
    presence(wire, BOB, "unavailable")
    presence(wire, f"{BOB}/phone", "unavailable")
    assert shown(wire) == []

    presence(wire, f"{BOB}/phone")
    presence(wire, BOB)  # no resource
    presence(wire, f"{BOB}/laptop", "unavailable")  # never online
    presence(wire, f"{BOB}/phone", "unavailable")
    presence(wire, BOB, "unavailable")
    presence(wire, BOB, "unavailable")  # already said
    assert shown(wire) == [
        (BOB, "phone", Show.AVAILABLE),
        (BOB, "", Show.AVAILABLE),
        (BOB, "phone", Show.OFFLINE),
        (BOB, "", Show.OFFLINE),
    ]


async def test_a_new_session_starts_with_nobody_online() -> None:
    wire = Wire()
    wire.start()
    wire.answer(ITEMS)
    presence(wire, BOB)
    presence(wire, f"{CAROL}/pc")
    wire.sent.clear()
    wire.start()
    wire.answer(ITEMS)
    presence(wire, BOB, "unavailable")
    presence(wire, f"{CAROL}/pc", "unavailable")
    assert shown(wire) == [(BOB, "", Show.AVAILABLE), (CAROL, "pc", Show.AVAILABLE)]
