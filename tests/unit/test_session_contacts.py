"""The session's contact operations without a network, and the Session interface.

Online behaviour is in ``tests/integration/test_roster_ops.py``; here: every
operation is safe to call offline or with nonsense, and the real and the
scripted session offer the same methods.
"""

from __future__ import annotations

import inspect
from xml.etree import ElementTree as ET

import pytest
from slixmpp import ClientXMPP
from slixmpp.stanza import Iq

from tests.rig import wait_until
from xmpptui.devtools.scripted import ScriptedSession
from xmpptui.models import Show
from xmpptui.xmpp import events as ev
from xmpptui.xmpp import roster_ops
from xmpptui.xmpp.api import Session
from xmpptui.xmpp.background import Background, RefusedError, failure_text
from xmpptui.xmpp.roster_ops import RosterOps
from xmpptui.xmpp.roster_state import RosterTracker
from xmpptui.xmpp.session import ConnectionSettings, XmppSession

OWN = "alice@example.org"


def session() -> XmppSession:
    return XmppSession(ConnectionSettings(jid=OWN, password="x", resource="test"))


def drained(s: XmppSession) -> list[ev.SessionEvent]:
    events: list[ev.SessionEvent] = []
    while not s._queue.empty():
        event = s._queue.get_nowait()
        assert event is not None
        events.append(event)
    return events


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda s: s.add_contact("bob@example.org", "Bob"), "Could not add bob@example.org"),
        (lambda s: s.remove_contact("bob@example.org"), "Could not remove bob@example.org"),
        (lambda s: s.update_contact("bob@example.org", "B", ()), "Could not change"),
        (lambda s: s.accept_subscription("bob@example.org"), "Could not accept"),
        (lambda s: s.deny_subscription("bob@example.org"), "Could not deny"),
        (lambda s: s.block("spam@evil.example"), "Could not block spam@evil.example"),
        (lambda s: s.unblock("spam@evil.example"), "Could not unblock"),
        (lambda s: s.request_client_info("bob@example.org"), "Could not ask"),
    ],
)
async def test_offline_operations_explain_instead_of_raising(call, expected: str) -> None:
    s = session()
    call(s)
    [event] = drained(s)
    assert isinstance(event, ev.ErrorOccurred)
    assert event.text.startswith(expected) and event.text.endswith(": not connected.")


@pytest.mark.parametrize("jid", ["", "   ", "a@b@c", "@example.org", "bob@exa mple.org"])
async def test_invalid_addresses_are_refused_with_a_sentence(jid: str) -> None:
    s = session()
    s.add_contact(jid)
    [event] = drained(s)
    assert isinstance(event, ev.ErrorOccurred)
    assert event.text == f'Could not add {jid}: "{jid}" is not a valid address.'


async def test_own_address_is_no_contact() -> None:
    s = session()
    s.add_contact(f"{OWN}/phone")
    s.block(OWN)
    texts = [e.text for e in drained(s) if isinstance(e, ev.ErrorOccurred)]
    assert texts == [
        f"Could not add {OWN}/phone: that is your own address.",
        f"Could not block {OWN}: that is your own address.",
    ]


async def test_chosen_offline_before_start_does_not_connect() -> None:
    s = session()
    s.set_presence(Show.OFFLINE)
    await s.start()
    assert s.client is None and drained(s) == []
    await s.close()


def test_priority_is_clamped() -> None:
    assert ConnectionSettings(OWN, "x", "r", priority=500).clamped_priority == 127
    assert ConnectionSettings(OWN, "x", "r", priority=-500).clamped_priority == -128
    assert ConnectionSettings(OWN, "x", "r").clamped_priority == 0
    assert "s3cret" not in repr(ConnectionSettings(OWN, "s3cret", "r"))


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(member)
    }


@pytest.mark.parametrize("implementation", [XmppSession, ScriptedSession])
def test_sessions_offer_the_whole_interface(implementation: type) -> None:
    wanted = _public_methods(Session)
    offered = _public_methods(implementation)
    assert set(wanted) <= set(offered)
    for name, signature in wanted.items():
        assert str(offered[name]) == str(signature), name


def test_scripted_session_records_contact_calls() -> None:
    s = ScriptedSession(OWN)
    s.add_contact("bob@example.org", "Bob", ("Friends",))
    s.update_contact("bob@example.org", "Robert", ("Work",))
    s.accept_subscription("carol@example.org")
    s.deny_subscription("mallory@example.org")
    s.remove_contact("bob@example.org")
    s.block("spam@evil.example")
    s.unblock("spam@evil.example")
    s.request_client_info("carol@example.org")
    assert s.added == [("bob@example.org", "Bob", ("Friends",))]
    assert s.updated == [("bob@example.org", "Robert", ("Work",))]
    assert (s.accepted, s.denied, s.removed) == (
        ["carol@example.org"],
        ["mallory@example.org"],
        ["bob@example.org"],
    )
    assert (s.blocked, s.unblocked) == (["spam@evil.example"], ["spam@evil.example"])
    assert s.info_requests == ["carol@example.org"]


def _ops_with(client: object, supported: bool | None) -> tuple[RosterOps, list[ev.SessionEvent]]:
    events: list[ev.SessionEvent] = []
    background = Background(events.append)
    tracker = RosterTracker(OWN, background)
    tracker.blocking_supported = supported
    return RosterOps(OWN, lambda: client, tracker, background), events  # type: ignore[arg-type,return-value]


async def test_block_on_a_server_known_without_blocking() -> None:
    ops, events = _ops_with(object(), supported=False)
    ops.block("spam@evil.example")
    assert events == [
        ev.ErrorOccurred("Could not block spam@evil.example: the server does not support blocking.")
    ]


async def test_block_refused_as_unimplemented_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    client = ClientXMPP(f"{OWN}/test", "unused")
    refusal = Iq(
        client,
        xml=ET.fromstring(
            '<iq xmlns="jabber:client" type="error" id="x"><error type="cancel">'
            '<feature-not-implemented xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
            "</error></iq>"
        ),
    )

    async def refuse(*_args: object) -> None:
        raise RefusedError(refusal)

    monkeypatch.setattr(roster_ops, "request", refuse)
    ops, events = _ops_with(client, supported=None)  # not known yet: ask the server
    ops.block("spam@evil.example")
    await wait_until(lambda: bool(events))
    assert events == [
        ev.ErrorOccurred("Could not block spam@evil.example: the server does not support blocking.")
    ]
    assert ops._tracker.blocking_supported is False


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError(), "Could not add b@x: the server did not answer."),
        (RuntimeError("boom"), "Could not add b@x: boom."),
        (RuntimeError(), "Could not add b@x: RuntimeError."),
    ],
)
def test_failure_sentences(error: BaseException, expected: str) -> None:
    assert failure_text("Could not add b@x", error) == expected
