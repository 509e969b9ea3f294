"""Stanza -> model translation, from XML strings (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from slixmpp import ClientXMPP
from slixmpp.stanza import Iq, Message, Presence

from xmpptui.models import Show
from xmpptui.xmpp import translate

OWN = "alice@example.org"
C = 'xmlns="jabber:client"'


@pytest.fixture(scope="module")
def stream() -> ClientXMPP:
    client = ClientXMPP(f"{OWN}/test", "unused")
    client.register_plugin("xep_0203")  # delayed delivery stanza plugin
    return client


def message(stream: ClientXMPP, xml: str) -> Message:
    return Message(stream, xml=ET.fromstring(xml))


def presence(stream: ClientXMPP, xml: str) -> Presence:
    return Presence(stream, xml=ET.fromstring(xml))


@pytest.mark.parametrize(
    ("inner", "ptype", "show"),
    [
        ("", "", Show.AVAILABLE),
        ("<show>away</show>", "", Show.AWAY),
        ("<show>dnd</show>", "", Show.DND),
        ("<show>xa</show>", "", Show.XA),
        ("<show>chat</show>", "", Show.CHAT),
        ("<show>bogus</show>", "", Show.AVAILABLE),
        ("", ' type="unavailable"', Show.OFFLINE),
    ],
)
def test_presence_shows(stream: ClientXMPP, inner: str, ptype: str, show: Show) -> None:
    xml = f'<presence {C} from="bob@example.org/phone"{ptype}>{inner}<status>hi</status></presence>'
    change = translate.presence_change(presence(stream, xml), OWN)
    assert change is not None
    assert (change.jid, change.resource, change.show, change.status) == (
        "bob@example.org",
        "phone",
        show,
        "hi",
    )


@pytest.mark.parametrize(
    "xml",
    [
        f'<presence {C} from="bob@example.org" type="subscribe"/>',
        f'<presence {C} from="bob@example.org" type="error"/>',
        f'<presence {C} from="{OWN}/other"/>',  # our own other resource
        f"<presence {C}/>",  # no sender
    ],
)
def test_presences_that_are_not_contact_presence(stream: ClientXMPP, xml: str) -> None:
    assert translate.presence_change(presence(stream, xml), OWN) is None


def test_priority_is_clamped(stream: ClientXMPP) -> None:
    xml = f'<presence {C} from="bob@example.org/a"><priority>900</priority></presence>'
    change = translate.presence_change(presence(stream, xml), OWN)
    assert change is not None and change.priority == 127


def test_chat_message(stream: ClientXMPP) -> None:
    xml = (
        f'<message {C} from="bob@example.org/phone" type="chat" id="x1">'
        "<body>[b]hi</body></message>"
    )
    chat = translate.incoming_chat(message(stream, xml), OWN)
    assert chat is not None
    assert (chat.id, chat.peer, chat.sender, chat.body, chat.outgoing) == (
        "x1",
        "bob@example.org",
        "bob@example.org",
        "[b]hi",
        False,
    )


def test_delayed_message_keeps_its_original_time(stream: ClientXMPP) -> None:
    xml = (
        f'<message {C} from="bob@example.org/a" type="chat" id="d1"><body>old</body>'
        '<delay xmlns="urn:xmpp:delay" stamp="2024-01-02T03:04:05Z"/></message>'
    )
    chat = translate.incoming_chat(message(stream, xml), OWN)
    assert chat is not None
    assert chat.timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "xml",
    [
        f'<message {C} from="bob@example.org" type="chat"><active xmlns="http://jabber.org/protocol/chatstates"/></message>',
        f'<message {C} from="bob@example.org" type="groupchat"><body>x</body></message>',
        f'<message {C} from="bob@example.org" type="headline"><body>x</body></message>',
        f'<message {C} from="{OWN}/other" type="chat"><body>spoofed carbon</body></message>',
        f'<message {C} type="chat"><body>no sender</body></message>',
    ],
)
def test_messages_that_are_not_chat_lines(stream: ClientXMPP, xml: str) -> None:
    assert translate.incoming_chat(message(stream, xml), OWN) is None


def test_message_without_id_gets_one(stream: ClientXMPP) -> None:
    xml = f'<message {C} from="bob@example.org" type="chat"><body>x</body></message>'
    chat = translate.incoming_chat(message(stream, xml), OWN)
    assert chat is not None and len(chat.id) == 32


def test_roster_items_and_removals(stream: ClientXMPP) -> None:
    xml = (
        f'<iq {C} type="set" id="r1"><query xmlns="jabber:iq:roster">'
        '<item jid="bob@example.org" name="Bob" subscription="both"><group>Friends</group>'
        "<group>Work</group><group>Friends</group></item>"
        '<item jid="carol@example.org" subscription="none" ask="subscribe"/>'
        '<item jid="dave@example.org" subscription="remove"/>'
        '<item jid="eve@example.org" subscription="weird"/>'
        "</query></iq>"
    )
    updated, removed = translate.roster_changes(Iq(stream, xml=ET.fromstring(xml)))
    by_jid = {c.jid: c for c in updated}
    assert by_jid["bob@example.org"].groups == ("Friends", "Work")
    assert by_jid["bob@example.org"].name == "Bob"
    assert by_jid["carol@example.org"].ask is True
    assert by_jid["eve@example.org"].subscription == "none"
    assert removed == ["dave@example.org"]
