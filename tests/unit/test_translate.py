"""Stanza -> model translation, from XML strings (no network)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from slixmpp import ClientXMPP
from slixmpp.stanza import Iq, Message, Presence

from xmpptui.models import Show
from xmpptui.xmpp import translate
from xmpptui.xmpp.events import ClientInfoReceived, SubscriptionChanged, SubscriptionRequested

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
    items = translate.roster_items(Iq(stream, xml=ET.fromstring(xml))["roster"].xml)
    updated, removed = translate.roster_changes(items)
    by_jid = {c.jid: c for c in updated}
    assert by_jid["bob@example.org"].groups == ("Friends", "Work")
    assert by_jid["bob@example.org"].name == "Bob"
    assert by_jid["carol@example.org"].ask is True
    assert by_jid["eve@example.org"].subscription == "none"
    assert removed == ["dave@example.org"]


@pytest.mark.parametrize(
    "items",
    [
        '<item jid="bob@example.org" name="Bob" subscription="both"><group>Friends</group>'
        "<group/><group>Work</group><group>Friends</group></item>"
        '<item jid="carol@example.org" subscription="none" ask="subscribe"/>'
        '<item jid="dave@example.org" subscription="remove"/>'
        '<item jid="eve@example.org" subscription="weird" approved="true"/>'
        '<item jid="Frank@EXAMPLE.org/desk" name="F"/>',  # normalised, resource dropped
        '<item jid="a@b" name="first"/><item jid="x@y"/><item jid="A@B" name="again"/>',
        '<item jid="bad@@jid"/><item jid="ok@example.org"/><item name="no jid"/>',
        '<item jid="g@example.org"><other xmlns="urn:x"><group>not mine</group></other></item>'
        '<foo xmlns="urn:x" jid="h@example.org"/>',
        "",
    ],
)
def test_roster_items_read_what_slixmpp_reads(stream: ClientXMPP, items: str) -> None:
    """The fast reader gives what slixmpp's own ``get_items()`` gives."""
    xml = f'<iq {C} type="result" id="r1"><query xmlns="jabber:iq:roster">{items}</query></iq>'
    query = Iq(stream, xml=ET.fromstring(xml))["roster"]
    expected = [
        translate.RosterItem(
            str(jid.bare),
            values["name"],
            values["subscription"],
            values["ask"],
            tuple(values["groups"]),
        )
        for jid, values in query["items"].items()
    ]
    assert translate.roster_items(query.xml) == expected


def iq(stream: ClientXMPP, xml: str) -> Iq:
    return Iq(stream, xml=ET.fromstring(xml))


def test_caps_node_names_the_client(stream: ClientXMPP) -> None:
    xml = (
        f'<presence {C} from="bob@example.org/laptop"><c xmlns="http://jabber.org/protocol/caps"'
        ' hash="sha-1" node="https://gajim.org" ver="abc="/></presence>'
    )
    change = translate.presence_change(presence(stream, xml), OWN)
    assert change is not None and change.client == "https://gajim.org"


def test_presence_without_caps_has_no_client(stream: ClientXMPP) -> None:
    xml = f'<presence {C} from="bob@example.org/laptop"/>'
    change = translate.presence_change(presence(stream, xml), OWN)
    assert change is not None and change.client == ""


def test_subscribe_is_a_friend_request_with_nick_and_status(stream: ClientXMPP) -> None:
    xml = (
        f'<presence {C} from="bob@example.org" type="subscribe"><status>it is me</status>'
        '<nick xmlns="http://jabber.org/protocol/nick">Bobby\n[b]B[/b]</nick></presence>'
    )
    event = translate.subscription_event(presence(stream, xml), OWN)
    assert event == SubscriptionRequested("bob@example.org", "Bobby [b]B[/b]", "it is me")


def test_subscribe_from_a_full_jid_names_the_account(stream: ClientXMPP) -> None:
    xml = f'<presence {C} from="bob@example.org/phone" type="subscribe"/>'
    event = translate.subscription_event(presence(stream, xml), OWN)
    assert event == SubscriptionRequested("bob@example.org")


@pytest.mark.parametrize("kind", ["subscribed", "unsubscribed", "unsubscribe"])
def test_subscription_changes(stream: ClientXMPP, kind: str) -> None:
    xml = f'<presence {C} from="bob@example.org" type="{kind}"/>'
    event = translate.subscription_event(presence(stream, xml), OWN)
    assert event == SubscriptionChanged("bob@example.org", kind)


@pytest.mark.parametrize(
    "xml",
    [
        f'<presence {C} from="{OWN}" type="subscribe"/>',  # our own account
        f'<presence {C} from="{OWN}/phone" type="subscribed"/>',
        f'<presence {C} type="subscribe"/>',  # no sender
        f'<presence {C} from="bob@example.org"/>',  # availability, not subscription
        f'<presence {C} from="bob@example.org" type="unavailable"/>',
        f'<presence {C} from="bob@example.org" type="probe"/>',
        f'<presence {C} from="bob@example.org" type="error"/>',
    ],
)
def test_presences_that_are_not_subscription_events(stream: ClientXMPP, xml: str) -> None:
    assert translate.subscription_event(presence(stream, xml), OWN) is None


def test_subscription_presence_is_not_availability(stream: ClientXMPP) -> None:
    for kind in ("subscribe", "subscribed", "unsubscribed", "unsubscribe"):
        xml = f'<presence {C} from="bob@example.org" type="{kind}"/>'
        assert translate.presence_change(presence(stream, xml), OWN) is None


BLOCKING = 'xmlns="urn:xmpp:blocking"'


@pytest.mark.parametrize("sender", ["", f' from="{OWN}"', ' from="example.org"'])
def test_block_push_from_our_account_or_server(stream: ClientXMPP, sender: str) -> None:
    xml = (
        f'<iq {C} type="set" id="p1"{sender}><block {BLOCKING}>'
        '<item jid="spam@evil.example"/><item jid="evil.example"/>'
        '<item jid="spam@evil.example"/></block></iq>'
    )
    push = translate.blocking_push(iq(stream, xml), OWN)
    assert push == ("block", ("evil.example", "spam@evil.example"))


def test_unblock_push_and_unblock_all(stream: ClientXMPP) -> None:
    one = f'<iq {C} type="set" id="p2"><unblock {BLOCKING}><item jid="a@b.example"/></unblock></iq>'
    assert translate.blocking_push(iq(stream, one), OWN) == ("unblock", ("a@b.example",))
    everything = f'<iq {C} type="set" id="p3"><unblock {BLOCKING}/></iq>'
    assert translate.blocking_push(iq(stream, everything), OWN) == ("unblock", ())


@pytest.mark.parametrize(
    "sender",
    [
        "mallory@example.org",  # another account on our server
        f"{OWN}/other",  # one of our resources is not the server
        "evil.example",  # another server
    ],
)
def test_forged_block_push_is_ignored(stream: ClientXMPP, sender: str) -> None:
    xml = (
        f'<iq {C} type="set" id="f1" from="{sender}"><block {BLOCKING}>'
        '<item jid="friend@example.org"/></block></iq>'
    )
    assert translate.blocking_push(iq(stream, xml), OWN) is None


def test_block_result_is_not_a_push(stream: ClientXMPP) -> None:
    xml = f'<iq {C} type="result" id="r1"><block {BLOCKING}><item jid="a@b.example"/></block></iq>'
    assert translate.blocking_push(iq(stream, xml), OWN) is None


def test_blocklist_result(stream: ClientXMPP) -> None:
    xml = (
        f'<iq {C} type="result" id="b1"><blocklist {BLOCKING}>'
        '<item jid="z@example.net"/><item jid="a@example.net/phone"/><item jid=""/>'
        "</blocklist></iq>"
    )
    assert translate.blocklist_jids(iq(stream, xml)) == ("a@example.net/phone", "z@example.net")
    empty = f'<iq {C} type="result" id="b2"><blocklist {BLOCKING}/></iq>'
    assert translate.blocklist_jids(iq(stream, empty)) == ()


def test_disco_features(stream: ClientXMPP) -> None:
    xml = (
        f'<iq {C} type="result" id="d1" from="example.org">'
        '<query xmlns="http://jabber.org/protocol/disco#info">'
        '<identity category="server" type="im"/><feature var="urn:xmpp:blocking"/>'
        '<feature var="jabber:iq:version"/></query></iq>'
    )
    assert translate.disco_features(iq(stream, xml)) == {"urn:xmpp:blocking", "jabber:iq:version"}


def test_software_version_answer(stream: ClientXMPP) -> None:
    xml = (
        f'<iq {C} type="result" id="v1" from="bob@example.org/laptop">'
        '<query xmlns="jabber:iq:version"><name>Gajim</name><version>1.9.0</version>'
        "<os>Debian</os></query></iq>"
    )
    info = translate.client_info(iq(stream, xml))
    assert info == ClientInfoReceived("bob@example.org", "laptop", "Gajim", "1.9.0", "Debian")


@pytest.mark.parametrize(
    "xml",
    [
        f'<iq {C} type="result" id="v2" from="bob@example.org/a">'
        '<query xmlns="jabber:iq:version"/></iq>',  # no name
        f'<iq {C} type="error" id="v3" from="bob@example.org/a">'
        '<query xmlns="jabber:iq:version"><name>X</name></query></iq>',
        f'<iq {C} type="result" id="v4" from="bob@example.org/a"/>',  # no query
    ],
)
def test_software_version_non_answers(stream: ClientXMPP, xml: str) -> None:
    assert translate.client_info(iq(stream, xml)) is None


@pytest.mark.parametrize(
    ("condition", "text", "expected"),
    [
        ("item-not-found", "", "item not found"),
        ("not-acceptable", "Bad name", "not acceptable: Bad name"),
        ("policy-violation", "", "policy violation"),  # unknown to slixmpp 1.17
    ],
)
def test_error_text_of_an_iq(stream: ClientXMPP, condition: str, text: str, expected: str) -> None:
    ns = 'xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"'
    extra = f"<text {ns}>{text}</text>" if text else ""
    xml = (
        f'<iq {C} type="error" id="e1"><error type="cancel"><{condition} {ns}/>{extra}</error></iq>'
    )
    assert translate.error_text(iq(stream, xml)) == expected
    assert translate.error_condition(iq(stream, xml)) == condition
