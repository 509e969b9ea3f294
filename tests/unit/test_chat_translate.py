"""Message translation (ids, carbons, archive results, receipts, chat states,
corrections) from XML strings: ``chat_translate`` and ``archive.archive_query``."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from xmpptui.models import ChatState, Delivery
from xmpptui.xmpp import chat_translate as ct
from xmpptui.xmpp.archive import archive_query

OWN = "alice@example.org"
BOB = "bob@example.org"
C = 'xmlns="jabber:client"'
SID = 'xmlns="urn:xmpp:sid:0"'
NOW = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)


def el(xml: str) -> ET.Element:
    return ET.fromstring(xml)


def chat(inner: str = "", attrs: str = f'from="{BOB}/phone" to="{OWN}" type="chat" id="s1"') -> str:
    return f"<message {C} {attrs}>{inner}</message>"


# ---------------------------------------------------------------- JIDs
def test_messages_of_one_sender_share_its_jid_string() -> None:
    first = ct.incoming_message(ct.read_message(el(chat("<body>one</body>")), OWN))
    second = ct.incoming_message(ct.read_message(el(chat("<body>two</body>")), OWN))
    assert first.peer == BOB
    assert first.peer is second.peer  # one string kept, not one per message


def test_jids_are_normalised_and_invalid_ones_are_empty() -> None:
    assert ct.bare_jid("Bob@Example.ORG/Phone") == BOB
    assert ct.full_jid("Bob@Example.ORG/Phone") == f"{BOB}/Phone"
    assert ct.bare_jid("bob@exa mple.org") == ct.full_jid("@@") == ct.bare_jid(None) == ""


def test_long_jids_are_not_remembered() -> None:
    long = f"{'b' * 200}@example.org"
    remembered = ct._cached_bare.cache_info().currsize
    assert ct.bare_jid(long) == long
    assert ct._cached_bare.cache_info().currsize == remembered


# ---------------------------------------------------------------- ids (0359)
def test_origin_id_wins_over_the_stanza_id() -> None:
    facts = ct.read_message(el(chat(f'<body>hi</body><origin-id {SID} id="o1"/>')), OWN)
    assert (facts.id, facts.id_attr) == ("o1", "s1")


def test_stanza_id_attribute_without_origin_id() -> None:
    assert ct.read_message(el(chat("<body>hi</body>")), OWN).id == "s1"


def test_message_without_ids_gets_a_stable_synthetic_one() -> None:
    xml = chat(
        '<body>hi</body><delay xmlns="urn:xmpp:delay" stamp="2024-01-02T03:04:05Z"/>',
        f'from="{BOB}/phone" type="chat"',
    )
    first = ct.read_message(el(xml), OWN)
    again = ct.read_message(el(xml.replace("/phone", "/laptop")), OWN)
    other = ct.read_message(el(xml.replace(">hi<", ">ho<")), OWN)
    assert len(first.id) == 32 and first.id_attr == ""
    assert first.id == again.id  # sender (bare), time and body decide
    assert first.id != other.id


def test_overlong_origin_id_is_not_used() -> None:
    facts = ct.read_message(el(chat(f'<body>hi</body><origin-id {SID} id="{"x" * 300}"/>')), OWN)
    assert facts.id == "s1"


def test_stanza_id_only_by_our_own_account() -> None:
    xml = chat(
        f'<body>hi</body><stanza-id {SID} by="{BOB}" id="forged-by-bob"/>'
        f'<stanza-id {SID} by="example.org" id="by-the-server"/>'
        f'<stanza-id {SID} by="{OWN}/other" id="by-a-resource"/>'
        f'<stanza-id {SID} by="{OWN}" id="ours"/>'
    )
    assert ct.read_message(el(xml), OWN).stanza_id == "ours"


def test_stanza_id_forged_by_a_contact_is_ignored() -> None:
    xml = chat(f'<body>hi</body><stanza-id {SID} by="{BOB}" id="mine-honest"/>')
    assert ct.read_message(el(xml), OWN).stanza_id == ""


def test_offline_message_keeps_its_delay_and_stanza_id() -> None:
    xml = chat(
        '<body>old</body><delay xmlns="urn:xmpp:delay" from="example.org"'
        ' stamp="2024-01-02T03:04:05Z"/>'
        f'<stanza-id {SID} by="{OWN}" id="arch-1"/>'
    )
    message = ct.direct_chat(el(xml), OWN)
    assert message is not None
    assert message.timestamp == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (message.stanza_id, message.id, message.peer) == ("arch-1", "s1", BOB)
    assert message.state is Delivery.RECEIVED and not message.outgoing


# ------------------------------------------------------- receipts, states, 0308
def test_receipt_request_and_receipt() -> None:
    request = ct.read_message(el(chat('<body>x</body><request xmlns="urn:xmpp:receipts"/>')), OWN)
    assert request.wants_receipt and request.receipt_for == ""
    receipt = ct.read_message(el(chat('<received xmlns="urn:xmpp:receipts" id="m7"/>')), OWN)
    assert receipt.receipt_for == "m7" and not receipt.wants_receipt and receipt.body == ""


@pytest.mark.parametrize("state", list(ChatState))
def test_chat_states(state: ChatState) -> None:
    xml = chat(f'<{state.value} xmlns="http://jabber.org/protocol/chatstates"/>')
    assert ct.read_message(el(xml), OWN).chat_state is state


def test_unknown_chat_state_is_none() -> None:
    xml = chat('<shouting xmlns="http://jabber.org/protocol/chatstates"/><composing/>')
    assert ct.read_message(el(xml), OWN).chat_state is None


def test_correction_names_the_original() -> None:
    xml = chat('<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="orig"/>')
    facts = ct.read_message(el(xml), OWN)
    assert (facts.replaces, facts.body) == ("orig", "fixed")
    assert ct.direct_chat(el(xml), OWN) is None  # a correction is no new chat line


# ------------------------------------------------------------- carbons (0280)
def carbon(direction: str, inner: str, sender: str = OWN) -> str:
    return (
        f'<message {C} from="{sender}" to="{OWN}/laptop" type="chat">'
        f'<{direction} xmlns="urn:xmpp:carbons:2"><forwarded xmlns="urn:xmpp:forward:0">'
        f"{inner}</forwarded></{direction}></message>"
    )


SENT_INNER = chat(
    "<body>from my phone</body>", f'from="{OWN}/phone" to="{BOB}" type="chat" id="p1"'
)
RECEIVED_INNER = chat("<body>to your phone</body>", f'from="{BOB}/x" to="{OWN}/phone" id="b1"')


def test_sent_carbon_from_our_account() -> None:
    found = ct.find_carbon(el(carbon("sent", SENT_INNER)), OWN)
    assert found is not None and found.sent and found.message is not None
    facts = ct.read_message(found.message, OWN)
    message = ct.outgoing_message(facts, OWN)
    assert (message.id, message.peer, message.sender, message.outgoing) == ("p1", BOB, OWN, True)
    assert message.state is Delivery.SENT


def test_received_carbon_from_our_account() -> None:
    found = ct.find_carbon(el(carbon("received", RECEIVED_INNER)), OWN)
    assert found is not None and not found.sent and found.message is not None
    message = ct.incoming_message(ct.read_message(found.message, OWN))
    assert (message.id, message.peer, message.body) == ("b1", BOB, "to your phone")


@pytest.mark.parametrize(
    ("direction", "inner", "sender"),
    [
        ("sent", SENT_INNER, "mallory@evil.example"),  # CVE-2017-5589
        ("sent", SENT_INNER, BOB),  # the contact itself
        ("received", RECEIVED_INNER, "mallory@evil.example"),
        ("sent", SENT_INNER, f"{OWN}/phone"),  # only the bare JID sends carbons
        ("sent", SENT_INNER, "example.org"),
        # about someone else's messages, though wrapped by our account:
        ("sent", SENT_INNER.replace(f'from="{OWN}/phone"', 'from="eve@example.org/x"'), OWN),
        ("received", RECEIVED_INNER.replace(f'to="{OWN}/phone"', 'to="eve@example.org"'), OWN),
        ("sent", "", OWN),  # nothing forwarded
    ],
)
def test_untrustworthy_carbons_carry_no_message(direction: str, inner: str, sender: str) -> None:
    found = ct.find_carbon(el(carbon(direction, inner, sender)), OWN)
    assert found is not None and found.message is None


def test_carbon_without_a_from_is_not_believed() -> None:
    xml = carbon("sent", SENT_INNER).replace(f'from="{OWN}" ', "")
    found = ct.find_carbon(el(xml), OWN)
    assert found is not None and found.message is None


def test_a_plain_message_is_no_carbon() -> None:
    assert ct.find_carbon(el(chat("<body>x</body>")), OWN) is None


# ------------------------------------------------------------- archive (0313)
def result(
    inner: str,
    sender: str | None = OWN,
    queryid: str = "q1",
    archive_id: str = "a1",
    stamp: str = "2024-03-04T05:06:07.5Z",
) -> str:
    frm = f' from="{sender}"' if sender is not None else ""
    return (
        f'<message {C}{frm} to="{OWN}/laptop"><result xmlns="urn:xmpp:mam:2" '
        f'queryid="{queryid}" id="{archive_id}"><forwarded xmlns="urn:xmpp:forward:0">'
        f'<delay xmlns="urn:xmpp:delay" stamp="{stamp}"/>{inner}</forwarded></result></message>'
    )


def test_archived_incoming_message() -> None:
    item = ct.archive_item(el(result(RECEIVED_INNER)), OWN, {"q1"})
    assert item is not None and item.message is not None
    message = item.message
    assert (item.query_id, item.archive_id) == ("q1", "a1")
    assert (message.id, message.peer, message.sender, message.outgoing) == ("b1", BOB, BOB, False)
    assert message.stanza_id == "a1"
    assert message.timestamp == datetime(2024, 3, 4, 5, 6, 7, 500000, tzinfo=UTC)


def test_archived_outgoing_message_without_from_on_the_wrapper() -> None:
    item = ct.archive_item(el(result(SENT_INNER, sender=None)), OWN, {"q1"})
    assert item is not None and item.message is not None
    assert (item.message.peer, item.message.sender, item.message.outgoing) == (BOB, OWN, True)
    assert item.message.id == "p1"


def test_archived_correction_is_an_edited_original() -> None:
    inner = chat(
        '<body>fixed</body><replace xmlns="urn:xmpp:message-correct:0" id="b0"/>',
        f'from="{BOB}/x" to="{OWN}" type="chat" id="b2"',
    )
    item = ct.archive_item(el(result(inner)), OWN, {"q1"})
    assert item is not None and item.message is not None
    assert (item.message.id, item.message.body, item.message.edited) == ("b0", "fixed", True)


def test_archived_receipt_is_no_chat_line() -> None:
    inner = chat('<received xmlns="urn:xmpp:receipts" id="m1"/>')
    item = ct.archive_item(el(result(inner)), OWN, {"q1"})
    assert item is not None and item.message is None


@pytest.mark.parametrize(
    ("sender", "queryid"),
    [
        ("mallory@evil.example", "q1"),  # another account, even with our query id
        (BOB, "q1"),
        (f"{OWN}/phone", "q1"),  # a resource is not the archive
        (OWN, "q-unknown"),  # not a query we issued
        (OWN, ""),
    ],
)
def test_forged_archive_results_are_ignored(sender: str, queryid: str) -> None:
    assert ct.archive_item(el(result(RECEIVED_INNER, sender, queryid)), OWN, {"q1"}) is None


def test_archive_fin() -> None:
    fin = f'<iq {C} type="result" id="i1"><fin xmlns="urn:xmpp:mam:2" complete="true"/></iq>'
    assert ct.archive_complete(el(fin))
    assert not ct.archive_complete(el(fin.replace(' complete="true"', "")))
    assert ct.archive_bounds(el(fin)) == ("", "")
    paged = fin.replace(
        "/></iq>",
        '><set xmlns="http://jabber.org/protocol/rsm"><first index="0">a1</first>'
        "<last>a9</last><count>20</count></set></fin></iq>",
    )
    assert ct.archive_bounds(el(paged)) == ("a1", "a9")


def _fields(query: ET.Element) -> dict[str, str]:
    return {
        f.get("var", ""): f.findtext("{jabber:x:data}value") or ""
        for f in query.iter("{jabber:x:data}field")
    }


def test_archive_query_after_an_id_with_a_peer() -> None:
    query = archive_query("q9", BOB, after_id="a5", limit=10)
    assert query.get("queryid") == "q9"
    assert _fields(query) == {"FORM_TYPE": "urn:xmpp:mam:2", "with": BOB}
    rsm = "{http://jabber.org/protocol/rsm}"
    assert query.findtext(f"{rsm}set/{rsm}max") == "10"
    assert query.findtext(f"{rsm}set/{rsm}after") == "a5"
    assert query.find(f"{rsm}set/{rsm}before") is None


def test_archive_query_from_a_time_and_the_newest_page() -> None:
    rsm = "{http://jabber.org/protocol/rsm}"
    since = archive_query("q1", None, start=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert _fields(since)["start"] == "2024-01-02T03:04:05.000000Z"
    assert "with" not in _fields(since) and since.find(f"{rsm}set/{rsm}before") is None
    newest = archive_query("q2", BOB)
    before = newest.find(f"{rsm}set/{rsm}before")
    assert before is not None and not before.text
    back = archive_query("q3", BOB, before_id="a1")
    assert back.findtext(f"{rsm}set/{rsm}before") == "a1"
