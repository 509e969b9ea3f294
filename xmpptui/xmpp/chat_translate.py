"""Pure functions from ``<message>`` elements to what they say (XEP-0359 ids,
carbons, receipts, chat states, corrections, archive results).

They work on the raw ``ElementTree`` element (``stanza.xml``), so a message
wrapped in a carbon or an archive result is read exactly like a direct one.
No I/O and no state: the session (``messaging``, ``archive``) decides what to
do with the facts; the trust checks that need only the element and our own
JID live here, where unit tests feed them XML strings.

Trust rules:

- ``stanza_id`` is taken only from a ``<stanza-id>`` ``by`` our own bare JID
  (any other, or one a contact sends along, could be forged).
- A carbon (XEP-0280) counts only when the wrapper is from our bare JID
  exactly, and the copy is of a message from us (sent) or to us (received).
- An archive result (XEP-0313) counts only when the wrapper is from our bare
  JID or has no ``from``, and carries a ``queryid`` we issued.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.jid import InvalidJID

from xmpptui.models import ChatMessage, ChatState, Delivery

NS_CLIENT = "jabber:client"
NS_SID = "urn:xmpp:sid:0"  # XEP-0359
NS_CARBONS = "urn:xmpp:carbons:2"  # XEP-0280
NS_FORWARD = "urn:xmpp:forward:0"  # XEP-0297
NS_DELAY = "urn:xmpp:delay"  # XEP-0203
NS_RECEIPTS = "urn:xmpp:receipts"  # XEP-0184
NS_CHATSTATES = "http://jabber.org/protocol/chatstates"  # XEP-0085
NS_CORRECT = "urn:xmpp:message-correct:0"  # XEP-0308
NS_MAM = "urn:xmpp:mam:2"  # XEP-0313
NS_RSM = "http://jabber.org/protocol/rsm"  # XEP-0059
NS_HINTS = "urn:xmpp:hints"  # XEP-0334
NS_DATA = "jabber:x:data"  # XEP-0004

#: Message types that are one-to-one chat (``groupchat``/``headline``/``error`` are not).
CHAT_TYPES = frozenset({"chat", "normal"})
_MAX_ID = 256  # longer ids are not ids but an attack on the store
#: Characters of a body kept (64 Ki: pages of text); the rest is cut, visibly.
MAX_BODY = 64 * 1024
TRUNCATED = f"\n[… cut by xmpptui: the message was longer than {MAX_BODY:,} characters]"
_STATES = {state.value: state for state in ChatState}
#: JIDs remembered parsed (senders and recipients seen lately), if not longer than
#: ``CACHED_JID_LEN``: a server sending long unique JIDs cannot make it big.
JID_CACHE = 512
CACHED_JID_LEN = 128


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What one ``<message>`` element claims, before anyone checked who sent it.

    ``id`` follows XEP-0359: the origin-id, else the stanza's ``id``, else a
    hash of sender, time and body. ``id_attr`` is the plain ``id`` attribute
    (what a receipt names). ``stanza_id`` is the id our own server gave it.
    """

    sender: str  # full JID, "" when absent or invalid
    sender_bare: str
    to: str
    to_bare: str
    kind: str  # the type attribute; "normal" when absent
    id: str
    id_attr: str
    body: str
    timestamp: datetime
    stanza_id: str = ""
    chat_state: ChatState | None = None
    wants_receipt: bool = False
    receipt_for: str = ""  # <received id=…/>: the message this confirms
    replaces: str = ""  # <replace id=…/>: the message this corrects


@dataclass(frozen=True, slots=True)
class Carbon:
    """A carbon copy (XEP-0280). ``message`` is ``None`` when it must not be
    believed (forged, or not about our account)."""

    sent: bool
    message: ET.Element | None
    stamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """One result of one of our archive queries (XEP-0313).

    ``message`` is ``None`` when the archived stanza is not a chat line
    (a receipt, a chat state, an error...).
    """

    query_id: str
    archive_id: str
    message: ChatMessage | None


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def bare_jid(value: str | None) -> str:
    """The normalised bare JID of ``value``; "" when empty or invalid.

    Usual-length JIDs are answered from a cache: a conversation's messages then
    share one string per sender (a burst's 2,000 messages kept 2,000 copies of it)
    and skip parsing it again."""
    if value and len(value) <= CACHED_JID_LEN:
        return _cached_bare(value)
    return _bare(value)


def full_jid(value: str | None) -> str:
    """The normalised full JID of ``value``; "" when empty or invalid (cached too)."""
    if value and len(value) <= CACHED_JID_LEN:
        return _cached_full(value)
    return _full(value)


def _bare(value: str | None) -> str:
    try:
        return str(JID(value or "").bare)
    except InvalidJID:
        return ""


def _full(value: str | None) -> str:
    try:
        return str(JID(value or "").full)
    except InvalidJID:
        return ""


_cached_bare = lru_cache(JID_CACHE)(_bare)
_cached_full = lru_cache(JID_CACHE)(_full)


def parse_stamp(value: str | None) -> datetime | None:
    """An XEP-0082 date-time as an aware UTC datetime; ``None`` if unreadable."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def delay_of(element: ET.Element) -> datetime | None:
    """The ``<delay stamp=…>`` (XEP-0203) directly inside ``element``."""
    delay = element.find(_q(NS_DELAY, "delay"))
    return parse_stamp(delay.get("stamp")) if delay is not None else None


def capped_body(body: str) -> str:
    """``body``, or its first ``MAX_BODY`` characters and the ``TRUNCATED`` mark."""
    return body if len(body) <= MAX_BODY else body[:MAX_BODY] + TRUNCATED


def _usable_id(value: str | None) -> str:
    value = (value or "").strip()
    return value if 0 < len(value) <= _MAX_ID else ""


def synthetic_id(sender_bare: str, timestamp: datetime, body: str) -> str:
    """A stable id for a message that carries none (32 hex digits)."""
    material = f"{sender_bare}\x00{timestamp.isoformat()}\x00{body}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def own_stanza_id(element: ET.Element, own_bare: str) -> str:
    """The ``<stanza-id>`` our own account's server added; "" if none.

    Stanza-ids ``by`` anyone else (a contact, their server, a room) are
    ignored: they can say anything.
    """
    for sid in element.findall(_q(NS_SID, "stanza-id")):
        if full_jid(sid.get("by")) == own_bare:
            return _usable_id(sid.get("id"))
    return ""


def _chat_state(element: ET.Element) -> ChatState | None:
    for child in element:
        namespace, _, name = child.tag[1:].partition("}")
        if namespace == NS_CHATSTATES and name in _STATES:
            return _STATES[name]
    return None


def _attr_of(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    return _usable_id(child.get("id")) if child is not None else ""


def read_message(
    element: ET.Element,
    own_bare: str,
    *,
    stamp: datetime | None = None,
    now: datetime | None = None,
) -> MessageFacts:
    """The facts of a ``<message>`` element (direct, or unwrapped from a carbon
    or an archive result).

    The time is ``stamp`` (a forwarding ``<delay>``), else the message's own
    ``<delay>`` (offline storage), else ``now``.
    """
    sender = full_jid(element.get("from"))
    sender_bare = bare_jid(sender)
    to = full_jid(element.get("to"))
    body = capped_body(element.findtext(_q(NS_CLIENT, "body")) or "")
    timestamp = stamp or delay_of(element) or now or datetime.now(UTC)
    id_attr = _usable_id(element.get("id"))
    message_id = (
        _attr_of(element, _q(NS_SID, "origin-id"))
        or id_attr
        or synthetic_id(sender_bare, timestamp, body)
    )
    return MessageFacts(
        sender=sender,
        sender_bare=sender_bare,
        to=to,
        to_bare=bare_jid(to),
        kind=element.get("type") or "normal",
        id=message_id,
        id_attr=id_attr,
        body=body,
        timestamp=timestamp,
        stanza_id=own_stanza_id(element, own_bare),
        chat_state=_chat_state(element),
        wants_receipt=element.find(_q(NS_RECEIPTS, "request")) is not None,
        receipt_for=_attr_of(element, _q(NS_RECEIPTS, "received")),
        replaces=_attr_of(element, _q(NS_CORRECT, "replace")),
    )


def incoming_message(facts: MessageFacts) -> ChatMessage:
    """A chat line a contact wrote (``facts.sender_bare`` is the peer)."""
    return ChatMessage(
        id=facts.replaces or facts.id,
        peer=facts.sender_bare,
        sender=facts.sender_bare,
        body=facts.body,
        timestamp=facts.timestamp,
        outgoing=False,
        state=Delivery.RECEIVED,
        stanza_id=facts.stanza_id,
        edited=bool(facts.replaces),
    )


def outgoing_message(facts: MessageFacts, own_bare: str) -> ChatMessage:
    """A chat line we wrote (from another client, or archived): already on the server."""
    return ChatMessage(
        id=facts.replaces or facts.id,
        peer=facts.to_bare,
        sender=own_bare,
        body=facts.body,
        timestamp=facts.timestamp,
        outgoing=True,
        state=Delivery.SENT,
        stanza_id=facts.stanza_id,
        edited=bool(facts.replaces),
    )


def direct_chat(element: ET.Element, own_bare: str) -> ChatMessage | None:
    """A chat line sent straight to us by a contact; ``None`` for anything else.

    Not chat lines: other types, no body, corrections (``MessageCorrected``),
    no sender, or a sender claiming to be our own account (carbons have
    their own checks).
    """
    facts = read_message(element, own_bare)
    if facts.kind not in CHAT_TYPES or not facts.body or facts.replaces:
        return None
    if not facts.sender_bare or facts.sender_bare == own_bare:
        return None
    return incoming_message(facts)


# ------------------------------------------------------------------ carbons
def find_carbon(element: ET.Element, own_bare: str) -> Carbon | None:
    """The carbon (XEP-0280) ``element`` wraps; ``None`` when it is no carbon.

    Believed (``message`` set) only when the wrapper comes from our bare JID
    exactly (CVE-2017-5589: anyone can send a message with a ``<sent/>``), it
    holds one forwarded message, and that message is from us (sent) or to us
    (received).
    """
    sent = element.findall(_q(NS_CARBONS, "sent"))
    received = element.findall(_q(NS_CARBONS, "received"))
    if not sent and not received:
        return None
    is_sent = bool(sent)
    wrappers = sent + received
    if len(wrappers) != 1 or full_jid(element.get("from")) != own_bare:
        return Carbon(is_sent, None)
    forwarded = wrappers[0].find(_q(NS_FORWARD, "forwarded"))
    inner = forwarded.find(_q(NS_CLIENT, "message")) if forwarded is not None else None
    if forwarded is None or inner is None:
        return Carbon(is_sent, None)
    party = inner.get("from") if is_sent else inner.get("to")
    if bare_jid(party) != own_bare:
        return Carbon(is_sent, None)
    return Carbon(is_sent, inner, delay_of(forwarded))


# ------------------------------------------------------------------ archive
def archive_result(element: ET.Element) -> ET.Element | None:
    """The ``<result xmlns='urn:xmpp:mam:2'>`` of an archive result message."""
    return element.find(_q(NS_MAM, "result"))


def archive_item(
    element: ET.Element, own_bare: str, query_ids: Container[str]
) -> ArchiveItem | None:
    """One archived message from one of our queries; ``None`` when not to be believed.

    The wrapper must come from our own bare JID (or carry no ``from``: our
    server answering for our account) and name a ``queryid`` we issued.
    The message's ``stanza_id`` is the archive's id, its time the
    forwarding ``<delay>``; it is outgoing when we sent it, and its peer is
    the other party.
    """
    result = archive_result(element)
    if result is None:
        return None
    if full_jid(element.get("from")) not in ("", own_bare):
        return None
    query_id = result.get("queryid") or ""
    archive_id = _usable_id(result.get("id"))
    if not query_id or query_id not in query_ids or not archive_id:
        return None
    forwarded = result.find(_q(NS_FORWARD, "forwarded"))
    inner = forwarded.find(_q(NS_CLIENT, "message")) if forwarded is not None else None
    if forwarded is None or inner is None:
        return ArchiveItem(query_id, archive_id, None)
    facts = read_message(inner, own_bare, stamp=delay_of(forwarded))
    return ArchiveItem(query_id, archive_id, _archived_chat(facts, own_bare, archive_id))


def _archived_chat(facts: MessageFacts, own_bare: str, archive_id: str) -> ChatMessage | None:
    if facts.kind not in CHAT_TYPES or not facts.body or not facts.sender_bare:
        return None
    if facts.sender_bare == own_bare:
        if not facts.to_bare or facts.to_bare == own_bare:
            return None
        message = outgoing_message(facts, own_bare)
    else:
        message = incoming_message(facts)
    return dataclasses.replace(message, stanza_id=archive_id)


def archive_complete(iq: ET.Element) -> bool:
    """Whether a query's ``<fin/>`` says there is nothing more in that direction."""
    fin = iq.find(_q(NS_MAM, "fin"))
    return fin is not None and fin.get("complete") in ("true", "1")


def archive_bounds(iq: ET.Element) -> tuple[str, str]:
    """The archive ids of a page's first and last result (RSM in ``<fin/>``)."""
    rsm = iq.find(f"{_q(NS_MAM, 'fin')}/{_q(NS_RSM, 'set')}")
    if rsm is None:
        return "", ""
    first = _usable_id(rsm.findtext(_q(NS_RSM, "first")))
    return first, _usable_id(rsm.findtext(_q(NS_RSM, "last")))
