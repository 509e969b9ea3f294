"""The session's message handling with an unconnected slixmpp client: what
goes out for each call, and which incoming stanzas become which events."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from slixmpp import ClientXMPP
from slixmpp.stanza import Message

from xmpptui.models import ChatState, Delivery
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.background import Background
from xmpptui.xmpp.messaging import Messaging

OWN = "alice@example.org"
BOB = "bob@example.org"
C = 'xmlns="jabber:client"'
RECEIPTS = "{urn:xmpp:receipts}"
FRIENDS = {BOB}


class Rig:
    """A Messaging wired to a client whose ``send`` only records."""

    def __init__(self, *, online: bool = True) -> None:
        self.client = ClientXMPP(f"{OWN}/laptop", "unused")
        self.client.register_plugin("xep_0198")
        self.wire: list[Any] = []
        self.client.send = self.wire.append  # type: ignore[method-assign]
        self.online = online
        self.events: list[Any] = []
        self.messaging = Messaging(
            OWN,
            lambda: self.client if self.online else None,
            Background(self.events.append),
            lambda jid: jid in FRIENDS,
        )

    def deliver(self, xml: str) -> None:
        self.messaging._on_message(Message(self.client, xml=ET.fromstring(xml)))

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def stanzas(self) -> list[ET.Element]:
        return [s.xml for s in self.wire if not isinstance(s, str)]


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_sent_message_carries_ids_receipt_request_and_active(rig: Rig) -> None:
    message = rig.messaging.send_message(BOB, "hi")
    (stanza,) = rig.stanzas()
    assert stanza.get("id") == message.id
    assert stanza.find("{urn:xmpp:sid:0}origin-id").get("id") == message.id  # type: ignore[union-attr]
    assert stanza.find(f"{RECEIPTS}request") is not None
    assert stanza.find("{http://jabber.org/protocol/chatstates}active") is not None
    assert (stanza.get("to"), stanza.get("type")) == (BOB, "chat")
    assert message.state is Delivery.PENDING and message.outgoing
    assert rig.of(ev.MessageSent) == [ev.MessageSent(message)]


def test_resend_keeps_the_id(rig: Rig) -> None:
    message = rig.messaging.send_message(BOB, "again", id="fixed-id")
    assert message.id == "fixed-id" and rig.stanzas()[0].get("id") == "fixed-id"


def test_offline_send_builds_but_sends_nothing() -> None:
    rig = Rig(online=False)
    message = rig.messaging.send_message(BOB, "later")
    assert message.state is Delivery.PENDING
    assert rig.wire == [] and rig.events == []


def test_invalid_address_fails(rig: Rig) -> None:
    message = rig.messaging.send_message("not a jid@@", "x")
    assert message.state is Delivery.FAILED
    assert rig.wire == [] and rig.of(ev.ErrorOccurred)


def test_receipt_only_from_the_peer_and_only_once(rig: Rig) -> None:
    sent = rig.messaging.send_message(BOB, "hi")
    receipt = (
        f'<message {C} from="{{}}" to="{OWN}/laptop">'
        f'<received xmlns="urn:xmpp:receipts" id="{sent.id}"/></message>'
    )
    rig.deliver(receipt.format("mallory@example.org/x"))
    assert rig.of(ev.MessageStateChanged) == []
    rig.deliver(receipt.format(f"{BOB}/phone"))
    rig.deliver(receipt.format(f"{BOB}/phone"))
    assert rig.of(ev.MessageStateChanged) == [
        ev.MessageStateChanged(BOB, sent.id, Delivery.DELIVERED)
    ]


def test_server_ack_makes_it_sent_but_never_undoes_delivered(rig: Rig) -> None:
    first = rig.messaging.send_message(BOB, "one")
    second = rig.messaging.send_message(BOB, "two")
    stanzas = [s for s in rig.wire if not isinstance(s, str)]
    rig.messaging._on_acked(stanzas[0])
    rig.deliver(
        f'<message {C} from="{BOB}/p">'
        f'<received xmlns="urn:xmpp:receipts" id="{second.id}"/></message>'
    )
    rig.messaging._on_acked(stanzas[1])  # late ack after the receipt
    assert [(e.id, e.state) for e in rig.of(ev.MessageStateChanged)] == [
        (first.id, Delivery.SENT),
        (second.id, Delivery.DELIVERED),
    ]


def test_only_the_latest_sent_ids_are_remembered(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xmpptui.xmpp.messaging.SENT_KEPT", 3)
    sent = [rig.messaging.send_message(BOB, f"m{n}") for n in range(5)]
    assert list(rig.messaging._sent) == [m.id for m in sent[2:]]
    for message in sent[:3]:
        rig.deliver(
            f'<message {C} from="{BOB}/p">'
            f'<received xmlns="urn:xmpp:receipts" id="{message.id}"/></message>'
        )
    # the forgotten ones change nothing; the remembered one is delivered
    assert [(e.id, e.state) for e in rig.of(ev.MessageStateChanged)] == [
        (sent[2].id, Delivery.DELIVERED)
    ]


def request(sender: str, mid: str = "m1") -> str:
    return (
        f'<message {C} from="{sender}" to="{OWN}/laptop" type="chat" id="{mid}">'
        '<body>hi</body><request xmlns="urn:xmpp:receipts"/></message>'
    )


def test_receipts_answered_to_contacts_who_see_our_presence(rig: Rig) -> None:
    rig.deliver(request(f"{BOB}/phone"))
    (reply,) = rig.stanzas()
    assert reply.get("to") == f"{BOB}/phone"
    assert reply.find(f"{RECEIPTS}received").get("id") == "m1"  # type: ignore[union-attr]
    assert reply.find("{jabber:client}body") is None
    assert rig.of(ev.MessageReceived)[0].message.body == "hi"


def test_no_receipt_for_strangers(rig: Rig) -> None:
    rig.deliver(request("stranger@example.net/x"))
    assert rig.stanzas() == [] and len(rig.of(ev.MessageReceived)) == 1


def test_no_receipt_for_a_carbon(rig: Rig) -> None:
    inner = request(f"{BOB}/phone").replace(f'to="{OWN}/laptop"', f'to="{OWN}/phone"')
    rig.deliver(
        f'<message {C} from="{OWN}" to="{OWN}/laptop" type="chat"><received '
        'xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">'
        f"{inner}</forwarded></received></message>"
    )
    assert rig.stanzas() == []
    assert rig.of(ev.MessageReceived)[0].message.peer == BOB


def test_forged_carbon_is_dropped(rig: Rig) -> None:
    inner = (
        f'<message {C} from="{OWN}/phone" to="{BOB}" type="chat" id="f">'
        "<body>forged</body></message>"
    )
    rig.deliver(
        f'<message {C} from="mallory@example.org/x" to="{OWN}/laptop" type="chat"><sent '
        f'xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">{inner}'
        "</forwarded></sent></message>"
    )
    assert rig.events == []


def test_sent_carbon_is_our_message_and_its_receipt_counts(rig: Rig) -> None:
    inner = (
        f'<message {C} from="{OWN}/phone" to="{BOB}" type="chat" id="p1"><body>yo</body></message>'
    )
    rig.deliver(
        f'<message {C} from="{OWN}" to="{OWN}/laptop" type="chat"><sent '
        f'xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">{inner}'
        "</forwarded></sent></message>"
    )
    (sent,) = rig.of(ev.MessageSent)
    assert (sent.message.id, sent.message.peer, sent.message.outgoing) == ("p1", BOB, True)
    assert sent.message.state is Delivery.SENT
    rig.deliver(
        f'<message {C} from="{BOB}/x"><received xmlns="urn:xmpp:receipts" id="p1"/></message>'
    )
    assert rig.of(ev.MessageStateChanged) == [ev.MessageStateChanged(BOB, "p1", Delivery.DELIVERED)]


def correction(sender: str, original: str, body: str = "fixed") -> str:
    return (
        f'<message {C} from="{sender}" to="{OWN}/laptop" type="chat" id="c-{original}">'
        f'<body>{body}</body><replace xmlns="urn:xmpp:message-correct:0" id="{original}"/>'
        "</message>"
    )


def test_contact_corrects_their_own_message(rig: Rig) -> None:
    rig.deliver(correction(f"{BOB}/phone", "b1"))
    assert rig.of(ev.MessageCorrected) == [ev.MessageCorrected(BOB, "b1", "fixed", BOB)]
    assert rig.of(ev.MessageReceived) == []


def test_contact_cannot_correct_our_message(rig: Rig) -> None:
    ours = rig.messaging.send_message(BOB, "we wrote this")
    rig.deliver(correction(f"{BOB}/phone", ours.id, "bob rewrote it"))
    assert rig.of(ev.MessageCorrected) == [] and rig.of(ev.MessageReceived) == []


def test_we_correct_a_message(rig: Rig) -> None:
    fixed = rig.messaging.correct_message(BOB, "orig", "better")
    (stanza,) = rig.stanzas()
    assert stanza.find("{urn:xmpp:message-correct:0}replace").get("id") == "orig"  # type: ignore[union-attr]
    assert stanza.get("id") == fixed.id != "orig" and fixed.edited
    assert rig.of(ev.MessageCorrected) == [ev.MessageCorrected(BOB, "orig", "better", OWN)]


def test_chat_states_in_and_out(rig: Rig) -> None:
    states = "http://jabber.org/protocol/chatstates"
    rig.deliver(f'<message {C} from="{BOB}/p" type="chat"><composing xmlns="{states}"/></message>')
    rig.deliver(f'<message {C} from="{OWN}/p" type="chat"><paused xmlns="{states}"/></message>')
    assert rig.of(ev.ChatStateChanged) == [ev.ChatStateChanged(BOB, ChatState.COMPOSING)]
    rig.messaging.send_chat_state(BOB, ChatState.PAUSED)
    (stanza,) = rig.stanzas()
    assert stanza.find(f"{{{states}}}paused") is not None
    assert stanza.find("{urn:xmpp:hints}no-store") is not None
    assert stanza.find("{jabber:client}body") is None and stanza.find(f"{RECEIPTS}request") is None


def test_chat_state_offline_is_dropped() -> None:
    rig = Rig(online=False)
    rig.messaging.send_chat_state(BOB, ChatState.COMPOSING)
    assert rig.wire == []


def test_bounce_fails_our_message(rig: Rig) -> None:
    sent = rig.messaging.send_message(BOB, "hi")
    error = (
        f'<message {C} from="{BOB}" type="error" id="{sent.id}"><error type="cancel">'
        '<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></message>'
    )
    rig.messaging._on_message_error(Message(rig.client, xml=ET.fromstring(error)))
    assert rig.of(ev.MessageStateChanged) == [ev.MessageStateChanged(BOB, sent.id, Delivery.FAILED)]
    assert "service unavailable" in rig.of(ev.ErrorOccurred)[0].text


def test_bounced_chat_state_is_quiet(rig: Rig) -> None:
    rig.messaging.send_chat_state(BOB, ChatState.COMPOSING)
    sid = rig.stanzas()[0].get("id")
    error = f'<message {C} from="{BOB}" type="error" id="{sid}"><error type="cancel"/></message>'
    rig.messaging._on_message_error(Message(rig.client, xml=ET.fromstring(error)))
    assert rig.events == []


# Direct messages: what is a chat line (moved from test_translate when the
# live path replaced translate.incoming_chat).


def received(rig: Rig) -> list[Any]:
    return [e.message for e in rig.of(ev.MessageReceived)]


def test_chat_message(rig: Rig) -> None:
    rig.deliver(
        f'<message {C} from="bob@example.org/phone" type="chat" id="x1">'
        "<body>[b]hi</body></message>"
    )
    (chat,) = received(rig)
    assert (chat.id, chat.peer, chat.sender, chat.body, chat.outgoing) == (
        "x1",
        "bob@example.org",
        "bob@example.org",
        "[b]hi",
        False,
    )


def test_delayed_message_keeps_its_original_time(rig: Rig) -> None:
    from datetime import UTC, datetime

    rig.deliver(
        f'<message {C} from="bob@example.org/a" type="chat" id="d1"><body>old</body>'
        '<delay xmlns="urn:xmpp:delay" stamp="2024-01-02T03:04:05Z"/></message>'
    )
    (chat,) = received(rig)
    assert chat.timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "xml",
    [
        f'<message {C} from="bob@example.org" type="chat">'
        '<active xmlns="http://jabber.org/protocol/chatstates"/></message>',
        f'<message {C} from="bob@example.org" type="groupchat"><body>x</body></message>',
        f'<message {C} from="bob@example.org" type="headline"><body>x</body></message>',
        f'<message {C} from="{OWN}/other" type="chat"><body>spoofed carbon</body></message>',
        f'<message {C} type="chat"><body>no sender</body></message>',
    ],
)
def test_messages_that_are_not_chat_lines(rig: Rig, xml: str) -> None:
    rig.deliver(xml)
    assert received(rig) == []


def test_message_without_id_gets_one(rig: Rig) -> None:
    rig.deliver(f'<message {C} from="bob@example.org" type="chat"><body>x</body></message>')
    (chat,) = received(rig)
    assert len(chat.id) == 32
