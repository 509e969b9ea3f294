"""The real session against a hostile server (``tests/hostile.py``): forged
stanzas, impersonation, redirects, hostile error texts.

Each test sends the forgeries, then one legitimate stanza as a fence: stanzas
are handled in stream order, so once the fence's event is out, any event the
forgeries were going to cause is out too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import IQ, MESSAGE, HostileServer
from tests.integration.test_session import FAST, Recorder
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.session import XmppSession

ME = "alice@localhost"
BOB = "bob@localhost"
MALLORY = "mallory@evil.example"
ROSTER = (
    "<item jid='bob@localhost' name='Bob' subscription='both'/>"
    "<item jid='mallory@evil.example' name='Mallory' subscription='both'/>"
)


@pytest.fixture
def roster() -> str:
    """Bob and Mallory (``hostile`` and ``logged_in`` come from ``conftest``)."""
    return ROSTER


def chat(sender: str | None, body: str, extra: str = "", kind: str = "chat", id: str = "") -> str:
    attrs = f" from='{sender}'" if sender is not None else ""
    attrs += f" id='{id}'" if id else ""
    return (
        f"<message{attrs} to='{ME}/xmpptui-test' type='{kind}'><body>{body}</body>{extra}</message>"
    )


async def fence(hostile: HostileServer, rec: Recorder, body: str = "fence") -> None:
    """A genuine message from Bob; once it is out, everything sent before is handled."""
    await hostile.send(chat(f"{BOB}/phone", body))
    await rec.wait_for(ev.MessageReceived, lambda e: e.message.body == body)


def bodies(rec: Recorder) -> list[str]:
    return [e.message.body for e in rec.of(ev.MessageReceived) + rec.of(ev.MessageSent)]


async def test_the_hostile_server_logs_the_real_session_in(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    started = logged_in.of(ev.SessionStarted)[0]
    assert started.full_jid == f"{ME}/xmpptui-test"
    roster = logged_in.of(ev.RosterReceived)[0]
    assert {c.jid for c in roster.contacts} == {BOB, MALLORY}
    await fence(hostile, logged_in)


# --------------------------------------------------- only the account speaks for it
async def test_carbons_from_anyone_but_our_account_are_ignored(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    forged_sent = (
        f"<message from='{MALLORY}' to='{ME}/xmpptui-test'>"
        "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
        f"<message xmlns='jabber:client' from='{ME}/phone' to='{BOB}' type='chat'>"
        "<body>I owe Mallory 100 EUR</body>"
        "</message></forwarded></sent></message>"
    )
    forged_received = forged_sent.replace("<sent ", "<received ").replace("</sent>", "</received>")
    forged_received = forged_received.replace(
        f"from='{ME}/phone' to='{BOB}'", f"from='{BOB}/x' to='{ME}'"
    )
    from_full_jid = forged_sent.replace(f"from='{MALLORY}'", f"from='{ME}/phone'", 1)
    for stanza in (forged_sent, forged_received, from_full_jid):
        await hostile.send(stanza)
    await fence(hostile, logged_in)
    assert bodies(logged_in) == ["fence"]

    genuine = forged_sent.replace(f"from='{MALLORY}'", f"from='{ME}'", 1)
    await hostile.send(genuine.replace("I owe Mallory 100 EUR", "genuine carbon"))
    sent = await logged_in.wait_for(ev.MessageSent)
    assert (sent.message.peer, sent.message.body) == (BOB, "genuine carbon")


async def test_roster_pushes_from_anyone_but_our_account_are_refused(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    push = (
        "<iq type='set' id='{id}' from='{sender}' to='" + ME + "/xmpptui-test'>"
        "<query xmlns='jabber:iq:roster'><item jid='{jid}' name='{name}' subscription='both'/>"
        "</query></iq>"
    )
    await hostile.send(push.format(id="p1", sender=MALLORY, jid=BOB, name="Mallory (really)"))
    await hostile.send(push.format(id="p2", sender=f"{BOB}/x", jid="eve@evil", name="Eve"))
    refused = [
        await hostile.wait_for(lambda el, i=i: el.tag == IQ and el.get("id") == i)  # type: ignore[misc]
        for i in ("p1", "p2")
    ]
    assert [iq.get("type") for iq in refused] == ["error", "error"]

    await hostile.send(push.format(id="p3", sender=ME, jid="carol@localhost", name="Carol"))
    updated = await logged_in.wait_for(ev.ContactUpdated)
    assert updated.contact.jid == "carol@localhost"
    await fence(hostile, logged_in)
    assert [e.contact.jid for e in logged_in.of(ev.ContactUpdated)] == ["carol@localhost"]


async def test_archive_results_only_from_our_account_and_our_queries(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    hostile.answer_iq = lambda iq: "" if iq.find("{urn:xmpp:mam:2}query") is not None else None
    logged_in.session.fetch_archive(BOB)
    query = await hostile.wait_for(
        lambda el: el.tag == IQ and el.find("{urn:xmpp:mam:2}query") is not None
    )
    query_id = query.find("{urn:xmpp:mam:2}query").get("queryid")  # type: ignore[union-attr]
    assert query_id

    def result(sender: str, queryid: str, body: str, archive_id: str) -> str:
        return (
            f"<message from='{sender}' to='{ME}/xmpptui-test'>"
            f"<result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='{archive_id}'>"
            "<forwarded xmlns='urn:xmpp:forward:0'>"
            "<delay xmlns='urn:xmpp:delay' stamp='2026-01-01T10:00:00Z'/>"
            f"<message xmlns='jabber:client' from='{BOB}/x' to='{ME}' type='chat'>"
            f"<body>{body}</body></message>"
            "</forwarded></result></message>"
        )

    await hostile.send(result(MALLORY, query_id, "forged by mallory", "a1"))
    await hostile.send(result(ME, "not-our-query", "unasked for", "a2"))
    await hostile.send(result(ME, query_id, "genuine archived", "a3"))
    await hostile.send(
        f"<iq type='result' id='{query.get('id')}' to='{ME}/xmpptui-test'>"
        "<fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'>"
        "<first>a3</first><last>a3</last></set></fin></iq>"
    )
    page = await logged_in.wait_for(ev.ArchiveFetched)
    assert [m.body for m in page.messages] == ["genuine archived"]
    await fence(hostile, logged_in)
    assert bodies(logged_in) == ["fence"]


async def test_receipts_count_only_from_the_conversation_contact(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    sent = logged_in.session.send_message(BOB, "did you get this?")
    await hostile.wait_for(lambda el: el.tag == MESSAGE and el.get("id") == sent.id)
    receipt = "<received xmlns='urn:xmpp:receipts' id='" + sent.id + "'/>"
    await hostile.send(f"<message from='{MALLORY}/x' to='{ME}/xmpptui-test'>{receipt}</message>")
    await hostile.send(f"<message from='{ME}' to='{ME}/xmpptui-test'>{receipt}</message>")
    await fence(hostile, logged_in)
    assert not logged_in.of(ev.MessageStateChanged)

    await hostile.send(f"<message from='{BOB}/phone' to='{ME}/xmpptui-test'>{receipt}</message>")
    state = await logged_in.wait_for(ev.MessageStateChanged)
    assert (state.peer, state.id) == (BOB, sent.id)


async def test_a_contact_cannot_correct_our_messages(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    sent = logged_in.session.send_message(BOB, "the meeting is at 3")
    replace = f"<replace xmlns='urn:xmpp:message-correct:0' id='{sent.id}'/>"
    await hostile.send(chat(f"{BOB}/x", "the meeting is cancelled", replace))
    await fence(hostile, logged_in)
    assert not logged_in.of(ev.MessageCorrected)


async def test_iq_results_count_only_from_the_entity_asked(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    await hostile.send(f"<presence from='{BOB}/phone' to='{ME}/xmpptui-test'/>")
    await logged_in.wait_for(ev.PresenceChanged, lambda e: e.jid == BOB)
    hostile.answer_iq = lambda iq: "" if iq.find("{jabber:iq:version}query") is not None else None
    logged_in.session.request_client_info(BOB)
    query = await hostile.wait_for(
        lambda el: el.tag == IQ and el.find("{jabber:iq:version}query") is not None
    )
    version = "<query xmlns='jabber:iq:version'><name>{}</name><version>1</version></query>"
    ident = query.get("id")
    await hostile.send(
        f"<iq type='result' id='{ident}' from='{MALLORY}/x' to='{ME}/xmpptui-test'>"
        f"{version.format('ForgedClient')}</iq>"
    )
    await hostile.send(
        f"<iq type='result' id='{ident}' from='{BOB}/phone' to='{ME}/xmpptui-test'>"
        f"{version.format('RealClient')}</iq>"
    )
    info = await logged_in.wait_for(ev.ClientInfoReceived)
    assert (info.resource, info.name) == ("phone", "RealClient")
    assert [e.name for e in logged_in.of(ev.ClientInfoReceived)] == ["RealClient"]


@pytest.mark.parametrize(
    "sender",
    [None, ME, f"{ME}/other", "localhost"],
    ids=["no-from", "own-bare", "own-full", "domain"],
)
async def test_messages_from_our_server_or_account_are_notices(
    hostile: HostileServer, logged_in: Recorder, sender: str | None
) -> None:
    await hostile.send(chat(sender, "Maintenance at 22:00", kind="normal"))
    notice = await logged_in.wait_for(ev.ServerNotice)
    assert notice.text == "Maintenance at 22:00"
    assert notice.sender == (sender or "")
    await fence(hostile, logged_in)
    assert bodies(logged_in) == ["fence"]  # no chat line, no tab "from ourselves"


# ---------------------------------------------------------------- the stream itself
async def test_a_redirect_before_tls_is_refused(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    async with HostileServer(tmp_path / "b") as elsewhere:
        await _refuses_redirect(tmp_path, elsewhere)
        assert elsewhere.connections == 0


async def _refuses_redirect(tmp_path: Path, elsewhere: HostileServer) -> None:
    redirect = (
        "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
        f"127.0.0.1:{elsewhere.port}</see-other-host></stream:error>"
    )
    async with HostileServer(tmp_path, before_tls=redirect) as server:
        rec = Recorder(XmppSession(server.settings(ME), timing=FAST))
        await rec.session.start()
        error = await rec.wait_for(ev.StreamErrorReceived)
        assert error.condition == "see-other-host"
        await rec.wait_for(ev.Disconnected)
        assert not rec.session.reconnect_pending
        assert server.connections == 1
        assert not rec.of(ev.SessionStarted)
        assert b"<auth" not in server.raw
        await rec.close()


async def test_a_stream_error_text_reaches_the_app_as_data(
    hostile: HostileServer, logged_in: Recorder
) -> None:
    hostile_text = "[@click=app.quit]click[/] \u009b2J\u202eevil"
    await hostile.send(
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        f"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{hostile_text}</text></stream:error>"
        "</stream:stream>"
    )
    error = await logged_in.wait_for(ev.StreamErrorReceived)
    assert error.condition == "policy-violation"
    assert error.text == hostile_text  # untouched here; the UI renders it inert
    await logged_in.wait_for(ev.Disconnected)
    assert not logged_in.session.reconnect_pending
