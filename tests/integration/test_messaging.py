"""Messaging against the real Prosody: ids, receipts, chat states, stream
management acks, carbons, offline messages, the archive, corrections, and a
message sent while the server is down.

Our side is an ``XmppSession`` (events recorded); the others are plain
slixmpp clients from the rig, including a second resource of our own account
("phone") for carbons and archive catch-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.integration import test_session
from tests.integration.test_session import FAST, Recorder
from tests.rig import befriend, record, wait_until
from xmpptui.devtools.prosody import Account, ProsodyServer
from xmpptui.models import ChatState, Delivery
from xmpptui.xmpp import events as ev

SID = "{urn:xmpp:sid:0}"
STATES = "http://jabber.org/protocol/chatstates"
CORRECT = "urn:xmpp:message-correct:0"
OUR_RESOURCE = "xmpptui-test"

run_session = test_session.run_session  # the fixture: started sessions, closed at teardown


def raw_messages(client: ClientXMPP) -> list[Any]:
    """Every ``<message>`` ``client`` receives from now on (also those without a body)."""
    seen: list[Any] = []
    client.register_handler(
        Callback(f"raw-{id(seen)}", MatchXPath("{jabber:client}message"), seen.append)
    )
    return seen


def origin_id(stanza: Any) -> str:
    element = stanza.xml.find(f"{SID}origin-id")
    return "" if element is None else str(element.get("id"))


def bodies(stanzas: list[Any]) -> list[str]:
    return [str(s["body"]) for s in stanzas if s["body"]]


async def online(run: Callable[..., Any], account: Account, **overrides: Any) -> Recorder:
    rec: Recorder = await run(account, **overrides)
    await rec.wait_for(ev.SessionStarted)
    return rec


async def phone_of(xmpp_client: Callable[..., Any], alice: Account) -> ClientXMPP:
    """A second resource of alice that has seen our session come online.

    Our session asks for carbons before it sends its presence, and Prosody
    handles one stream's stanzas in order: once the phone sees our presence,
    carbons are on for our session.
    """
    presences: list[Any] = []
    phone: ClientXMPP = await xmpp_client(
        alice,
        resource="phone",
        plugins=("xep_0280",),
        before_connect=lambda c: c.add_event_handler("presence", presences.append),
    )
    ours = f"{alice.jid}/{OUR_RESOURCE}"
    await wait_until(lambda: any(str(p["from"]) == ours for p in presences))
    return phone


async def stored(client: ClientXMPP, prosody: ProsodyServer) -> None:
    """Return once the server has handled everything ``client`` sent so far."""
    await client.plugin["xep_0199"].ping(jid=prosody.domain, timeout=10)


# ----------------------------------------------------------------- live chat
async def test_chat_with_receipts_and_typing(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    rec = await online(run_session, alice)
    bob_client = await xmpp_client(bob, plugins=("xep_0184", "xep_0085"))  # auto-acks receipts
    inbox = raw_messages(bob_client)

    sent = rec.session.send_message(bob.jid, "hello bob")
    assert sent.state is Delivery.PENDING and sent.outgoing
    await rec.wait_for(ev.MessageSent, lambda e: e.message.id == sent.id)
    await wait_until(lambda: "hello bob" in bodies(inbox))
    stanza = next(s for s in inbox if s["body"] == "hello bob")
    assert stanza["id"] == sent.id and origin_id(stanza) == sent.id
    assert stanza.xml.find("{urn:xmpp:receipts}request") is not None
    assert stanza.xml.find(f"{{{STATES}}}active") is not None
    delivered = await rec.wait_for(
        ev.MessageStateChanged, lambda e: e.id == sent.id and e.state is Delivery.DELIVERED
    )
    assert delivered.peer == bob.jid

    # Bob types, then writes with a receipt request: we answer it (he sees our presence).
    typing = bob_client.make_message(mto=alice.jid, mtype="chat")
    typing["chat_state"] = "composing"
    typing.send()
    state = await rec.wait_for(ev.ChatStateChanged)
    assert (state.jid, state.state) == (bob.jid, ChatState.COMPOSING)
    receipts = record(bob_client, "receipt_received")
    hello = bob_client.make_message(mto=alice.jid, mbody="hi alice", mtype="chat")
    hello["request_receipt"] = True
    hello.send()
    got = await rec.wait_for(ev.MessageReceived)
    assert (got.message.id, got.message.peer, got.message.body) == (
        hello["id"],
        bob.jid,
        "hi alice",
    )
    await wait_until(lambda: [r["receipt"] for r in receipts] == [hello["id"]])
    assert receipts[0]["from"].bare == alice.jid

    # We type: bob's client sees it.
    rec.session.send_chat_state(bob.jid, ChatState.COMPOSING)
    await wait_until(
        lambda: any(
            s["from"].bare == alice.jid and s.xml.find(f"{{{STATES}}}composing") is not None
            for s in inbox
        )
    )
    assert not any(
        s.xml.find("{urn:xmpp:receipts}request") is not None for s in inbox if not s["body"]
    )

    rec.session.fetch_archive(bob.jid)  # the newest page
    page = await rec.wait_for(ev.ArchiveFetched)
    assert [m.body for m in page.messages] == ["hello bob", "hi alice"] and page.complete
    # Prosody archives receipts too: the page goes on past its last chat line.
    assert page.first_id == page.messages[0].stanza_id
    assert page.last_id and page.last_id != page.messages[-1].stanza_id


async def test_server_ack_marks_a_message_sent(new_account, run_session) -> None:
    alice, bob = new_account("alice"), new_account("bob")  # bob stays offline: no receipt
    rec = await online(run_session, alice)
    sent = rec.session.send_message(bob.jid, "are you there?")
    acked = await rec.wait_for(
        ev.MessageStateChanged, lambda e: e.id == sent.id and e.state is Delivery.SENT
    )
    assert acked.peer == bob.jid
    assert [e.state for e in rec.of(ev.MessageStateChanged)] == [Delivery.SENT]


async def test_disco_announces_what_we_handle(
    prosody, new_account, run_session, xmpp_client
) -> None:
    """Peers learn from disco#info what we speak (we handle these stanzas ourselves,
    without slixmpp's plugins for them) and that we are a text-mode client."""
    alice, bob = new_account("alice"), new_account("bob")
    await befriend(prosody, alice, bob)
    await online(run_session, alice)
    bob_client = await xmpp_client(bob)
    info = await bob_client.plugin["xep_0030"].get_info(
        jid=f"{alice.jid}/{OUR_RESOURCE}", timeout=10
    )
    features = set(info["disco_info"]["features"])
    assert {
        "urn:xmpp:carbons:2",
        "urn:xmpp:forward:0",
        STATES,
        "urn:xmpp:receipts",
        CORRECT,
        "urn:xmpp:ping",
        "jabber:iq:version",
    } <= features
    identities = {(c, t, n) for c, t, _lang, n in info["disco_info"]["identities"]}
    assert identities == {("client", "console", "xmpptui")}


# ------------------------------------------------------------------ carbons
async def test_carbons_from_a_second_resource(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    rec = await online(run_session, alice)
    phone = await phone_of(xmpp_client, alice)
    bob_client = await xmpp_client(bob)

    phone.send_message(mto=bob.jid, mbody="from my phone", mtype="chat")
    sent = await rec.wait_for(ev.MessageSent, lambda e: e.message.body == "from my phone")
    assert (sent.message.peer, sent.message.sender) == (bob.jid, alice.jid)
    assert sent.message.outgoing and sent.message.state is Delivery.SENT
    assert sent.message.stanza_id  # Prosody's archive id, by our account

    to_phone = bob_client.make_message(
        mto=f"{alice.jid}/phone", mbody="to your phone", mtype="chat"
    )
    to_phone.send()
    got = await rec.wait_for(ev.MessageReceived, lambda e: e.message.body == "to your phone")
    assert (got.message.peer, got.message.sender, got.message.id) == (
        bob.jid,
        bob.jid,
        to_phone["id"],
    )
    assert not got.message.outgoing and got.message.stanza_id

    # Bob types to the phone; the phone corrects its message: both reach us as carbons.
    typing = bob_client.make_message(mto=f"{alice.jid}/phone", mtype="chat")
    typing.xml.append(ET.Element(f"{{{STATES}}}composing"))
    typing.send()
    await rec.wait_for(
        ev.ChatStateChanged, lambda e: (e.jid, e.state) == (bob.jid, ChatState.COMPOSING)
    )
    fix = phone.make_message(mto=bob.jid, mbody="from my phone!", mtype="chat")
    fix.xml.append(ET.Element(f"{{{CORRECT}}}replace", id=sent.message.id))
    fix.send()
    corrected = await rec.wait_for(ev.MessageCorrected)
    assert corrected == ev.MessageCorrected(bob.jid, sent.message.id, "from my phone!", alice.jid)


async def test_forged_carbons_are_ignored(prosody, new_account, run_session, xmpp_client) -> None:
    alice, bob, mallory = new_account("alice"), new_account("bob"), new_account("mallory")
    rec = await online(run_session, alice)
    evil = await xmpp_client(mallory)
    ours = f"{alice.jid}/{OUR_RESOURCE}"
    for direction, inner_from, inner_to in (
        ("sent", f"{alice.jid}/phone", bob.jid),
        ("received", f"{bob.jid}/x", alice.jid),
    ):
        forged = evil.make_message(mto=ours, mtype="chat")
        wrapper = ET.SubElement(forged.xml, f"{{urn:xmpp:carbons:2}}{direction}")
        forwarded = ET.SubElement(wrapper, "{urn:xmpp:forward:0}forwarded")
        inner = ET.SubElement(
            forwarded,
            "{jabber:client}message",
            {"from": inner_from, "to": inner_to, "type": "chat"},
        )
        ET.SubElement(inner, "{jabber:client}body").text = f"forged {direction}"
        forged.send()
    evil.send_message(mto=ours, mbody="after the forgeries", mtype="chat")  # same stream: later

    await rec.wait_for(ev.MessageReceived, lambda e: e.message.body == "after the forgeries")
    assert not rec.of(ev.MessageSent)
    assert [e.message.body for e in rec.of(ev.MessageReceived)] == ["after the forgeries"]
    assert rec.of(ev.MessageReceived)[0].message.peer == mallory.jid


# --------------------------------------------------------- offline and archive
async def test_offline_messages_arrive_in_order_with_their_time(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    bob_client = await xmpp_client(bob)
    sent = []
    for body in ("one", "two", "three"):
        message = bob_client.make_message(mto=alice.jid, mbody=body, mtype="chat")
        message.send()
        sent.append(message["id"])
    await stored(bob_client, prosody)
    before_login = datetime.now(UTC)

    rec = await online(run_session, alice)
    await wait_until(lambda: len(rec.of(ev.MessageReceived)) == 3, message=lambda: str(rec.events))
    messages = [e.message for e in rec.of(ev.MessageReceived)]
    assert [m.body for m in messages] == ["one", "two", "three"]
    assert [m.id for m in messages] == sent
    # The time is the stored one (whole seconds, from <delay>), not the login time.
    assert all(m.timestamp <= before_login for m in messages)
    assert all(m.stanza_id for m in messages) and len({m.stanza_id for m in messages}) == 3


async def test_archive_catch_up_after_being_away(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    bob_client = await xmpp_client(bob)
    bob_inbox = raw_messages(bob_client)
    first = await online(run_session, alice)
    bob_client.send_message(mto=alice.jid, mbody="before", mtype="chat")
    anchor = (await first.wait_for(ev.MessageReceived)).message
    assert anchor.stanza_id
    await first.close()

    since = datetime.now(UTC)
    phone = await xmpp_client(alice, resource="phone")
    phone_inbox = raw_messages(phone)
    phone.send_message(mto=bob.jid, mbody="p1", mtype="chat")
    await wait_until(lambda: "p1" in bodies(bob_inbox))
    bob_client.send_message(mto=alice.jid, mbody="b1", mtype="chat")
    await wait_until(lambda: "b1" in bodies(phone_inbox))
    p1 = next(s for s in bob_inbox if s["body"] == "p1")
    b1 = next(s for s in phone_inbox if s["body"] == "b1")

    rec = await online(run_session, alice)
    rec.session.fetch_archive(None, after_id=anchor.stanza_id)
    page = await rec.wait_for(ev.ArchiveFetched)
    assert page.peer is None and page.complete
    assert [(m.body, m.outgoing, m.peer, m.id) for m in page.messages] == [
        ("p1", True, bob.jid, p1["id"]),
        ("b1", False, bob.jid, b1["id"]),
    ]
    assert all(m.stanza_id and m.stanza_id != anchor.stanza_id for m in page.messages)
    assert (page.first_id, page.last_id) == tuple(m.stanza_id for m in page.messages)
    assert page.messages[0].timestamp <= page.messages[1].timestamp

    rec.session.fetch_archive(None, start=since)
    by_time = await rec.wait_for(ev.ArchiveFetched, lambda e: e is not page)
    # Prosody keeps whole seconds and "start" is inclusive: "before" may share that second.
    assert [m for m in by_time.messages if m.id != anchor.id] == list(page.messages)

    # Paging: one at a time after the anchor, then scrolling back before p1.
    rec.session.fetch_archive(bob.jid, after_id=anchor.stanza_id, limit=1)
    one = await rec.wait_for(ev.ArchiveFetched, lambda e: e.peer == bob.jid)
    assert [m.body for m in one.messages] == ["p1"] and not one.complete
    rec.session.fetch_archive(bob.jid, before_id=page.messages[0].stanza_id)
    back = await rec.wait_for(ev.ArchiveFetched, lambda e: e.peer == bob.jid and e is not one)
    assert [(m.body, m.id, m.stanza_id) for m in back.messages] == [
        ("before", anchor.id, anchor.stanza_id)
    ]
    assert back.complete


async def test_same_message_same_id_live_carbon_and_archive(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    since = datetime.now(UTC)
    rec = await online(run_session, alice)
    phone = await phone_of(xmpp_client, alice)
    bob_client = await xmpp_client(bob)

    bob_client.send_message(mto=f"{alice.jid}/phone", mbody="carbon in", mtype="chat")
    bob_client.send_message(mto=alice.jid, mbody="live in", mtype="chat")
    phone.send_message(mto=bob.jid, mbody="carbon out", mtype="chat")
    ours = rec.session.send_message(bob.jid, "live out")
    live: dict[str, Any] = {}
    for kind, body in (
        (ev.MessageReceived, "carbon in"),
        (ev.MessageReceived, "live in"),
        (ev.MessageSent, "carbon out"),
        (ev.MessageSent, "live out"),
    ):
        seen = await rec.wait_for(kind, lambda e, body=body: e.message.body == body)
        live[body] = seen.message
    assert live["live out"].id == ours.id

    rec.session.fetch_archive(bob.jid, start=since)
    page = await rec.wait_for(ev.ArchiveFetched)
    archived = {m.body: m for m in page.messages}
    assert set(archived) == set(live)
    for body, message in live.items():
        assert archived[body].id == message.id, body
        assert archived[body].outgoing == message.outgoing
        if message.stanza_id:  # what we sent ourselves has none until the archive says
            assert archived[body].stanza_id == message.stanza_id, body
    assert all(live[b].stanza_id for b in ("carbon in", "live in", "carbon out"))


async def test_forged_archive_result_is_ignored(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob, mallory = new_account("alice"), new_account("bob"), new_account("mallory")
    rec = await online(run_session, alice)
    bob_client = await xmpp_client(bob)
    bob_client.send_message(mto=alice.jid, mbody="real", mtype="chat")
    await rec.wait_for(ev.MessageReceived)
    evil = await xmpp_client(mallory)
    client = rec.session.client
    assert client is not None
    arrived = raw_messages(client)

    # Hold our query back until mallory's forgery (with our real queryid) is in.
    held: list[Any] = []

    def hold(stanza: Any) -> Any:
        if not held and stanza.xml.find("{urn:xmpp:mam:2}query") is not None:
            held.append(stanza)
            return None
        return stanza

    client.add_filter("out", hold)
    rec.session.fetch_archive(bob.jid, start=datetime(2000, 1, 1, tzinfo=UTC))
    await wait_until(lambda: bool(held))
    query_id = held[0].xml.find("{urn:xmpp:mam:2}query").get("queryid")
    forged = evil.make_message(mto=f"{alice.jid}/{OUR_RESOURCE}")
    result = ET.SubElement(forged.xml, "{urn:xmpp:mam:2}result", queryid=query_id, id="forged1")
    forwarded = ET.SubElement(result, "{urn:xmpp:forward:0}forwarded")
    inner = ET.SubElement(
        forwarded, "{jabber:client}message", {"from": f"{bob.jid}/x", "to": alice.jid}
    )
    ET.SubElement(inner, "{jabber:client}body").text = "forged history"
    forged.send()
    await wait_until(lambda: any(m["from"].bare == mallory.jid for m in arrived))
    client.del_filter("out", hold)
    client.send(held[0])

    page = await rec.wait_for(ev.ArchiveFetched)
    assert [m.body for m in page.messages] == ["real"]


# -------------------------------------------------------------- corrections
async def test_corrections_both_ways(prosody, new_account, run_session, xmpp_client) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    rec = await online(run_session, alice)
    bob_client = await xmpp_client(bob)
    inbox = raw_messages(bob_client)

    typo = bob_client.make_message(mto=alice.jid, mbody="helo", mtype="chat")
    typo.send()
    original = (await rec.wait_for(ev.MessageReceived)).message
    fix = bob_client.make_message(mto=alice.jid, mbody="hello", mtype="chat")
    fix.xml.append(ET.Element(f"{{{CORRECT}}}replace", id=original.id))
    fix.send()
    corrected = await rec.wait_for(ev.MessageCorrected)
    assert corrected == ev.MessageCorrected(bob.jid, original.id, "hello", bob.jid)
    assert [e.message.body for e in rec.of(ev.MessageReceived)] == ["helo"]

    ours = rec.session.send_message(bob.jid, "teh")
    mine = rec.session.correct_message(bob.jid, ours.id, "the")
    assert mine.id != ours.id and mine.edited
    await wait_until(lambda: "the" in bodies(inbox))
    stanza = next(s for s in inbox if s["body"] == "the")
    assert stanza.xml.find(f"{{{CORRECT}}}replace").get("id") == ours.id
    assert origin_id(stanza) == mine.id == stanza["id"]
    await rec.wait_for(ev.MessageCorrected, lambda e: e.sender == alice.jid and e.id == ours.id)

    # Bob cannot rewrite what we wrote.
    hijack = bob_client.make_message(mto=alice.jid, mbody="alice said something else", mtype="chat")
    hijack.xml.append(ET.Element(f"{{{CORRECT}}}replace", id=ours.id))
    hijack.send()
    bob_client.send_message(mto=alice.jid, mbody="after", mtype="chat")
    await rec.wait_for(ev.MessageReceived, lambda e: e.message.body == "after")
    assert [(e.id, e.sender) for e in rec.of(ev.MessageCorrected)] == [
        (original.id, bob.jid),
        (ours.id, alice.jid),
    ]


# ------------------------------------------------------------ server down
async def test_message_written_while_the_server_is_down_arrives_once(
    prosody, new_account, run_session, xmpp_client
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    rec = await online(run_session, alice, timing=FAST)

    prosody.stop()
    await rec.wait_for(ev.Disconnected)
    assert not rec.session.online
    pending = rec.session.send_message(bob.jid, "written offline")
    assert pending.state is Delivery.PENDING
    prosody.start()
    await rec.wait_for(ev.SessionStarted, lambda e: len(rec.of(ev.SessionStarted)) >= 2)
    assert not rec.of(ev.SessionStarted)[-1].resumed and rec.session.online
    assert not any(e.message.id == pending.id for e in rec.of(ev.MessageSent))

    bob_client = await xmpp_client(bob)
    inbox = raw_messages(bob_client)
    again = rec.session.send_message(bob.jid, pending.body, id=pending.id)  # what the app does
    assert again.id == pending.id
    await rec.wait_for(ev.MessageSent, lambda e: e.message.id == pending.id)
    await rec.wait_for(
        ev.MessageStateChanged, lambda e: e.id == pending.id and e.state is Delivery.SENT
    )
    rec.session.send_message(bob.jid, "sentinel")
    await wait_until(lambda: "sentinel" in bodies(inbox))
    assert [origin_id(s) for s in inbox if s["body"]].count(pending.id) == 1
    assert bodies(inbox) == ["written offline", "sentinel"]
