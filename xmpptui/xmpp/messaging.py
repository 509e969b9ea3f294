"""One-to-one messaging: send and receive, carbons, receipts, chat states,
corrections (XEP-0359, 0280, 0184, 0085, 0308; archive results go to ``archive``).

One raw handler sees every ``<message>`` in stream order and dispatches it:
archive results to :class:`~xmpptui.xmpp.archive.Archive`, carbons (only
from our own bare JID) unwrapped, the rest as direct messages from contacts.
A direct message with no ``from``, from our own bare JID or from our domain is
the server or the account speaking: a ``ServerNotice``, never a chat line
(nobody can make a conversation tab appear "from ourselves").

Ids: every chat message we send has ``id`` = ``<origin-id id>`` = the
``ChatMessage.id``, so the same message seen live, as a carbon, from the
archive or re-sent after a reconnect is one message. We remember which peer
each id went to (the last ``SENT_KEPT`` of the session): a receipt counts
only from that peer, a server ack (XEP-0198 ``stanza_acked``) makes it SENT,
an error bounce from that peer FAILED.

Corrections: a contact's correction is reported with its sender; only the app
(with the stored history) can check that the original is theirs. The session
drops the ones that name a message we sent in this session.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.models import ChatMessage, ChatState, Delivery
from xmpptui.xmpp import chat_translate as ct
from xmpptui.xmpp import translate
from xmpptui.xmpp.archive import Archive
from xmpptui.xmpp.background import Background, guarded, issue
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.events import (
    ChatStateChanged,
    ErrorOccurred,
    MessageCorrected,
    MessageReceived,
    MessageSent,
    MessageStateChanged,
    ServerNotice,
    SessionEvent,
)

log = logging.getLogger(__name__)

#: Seconds to wait for the server to switch carbons on.
CARBONS_TIMEOUT = 10.0
_HANDLER = "xmpptui-messages"
_SM_ACK_REQUEST = "<r xmlns='urn:xmpp:sm:3'/>"
# Ids of stanzas whose bounces are not worth a sentence (typing, receipts).
_QUIET = ("cs-", "rcpt-")
#: Ids of our messages remembered (receipts, acks, bounces come soon; memory stays bounded).
SENT_KEPT = 10_000
#: What our server or account may tell us (announcements, MOTD, account notices).
_NOTICE_TYPES = ct.CHAT_TYPES | {"headline"}


@dataclass(slots=True)
class _Outgoing:
    peer: str
    state: Delivery


class Messaging:
    """The session's messages. ``connected()`` gives the client when online."""

    def __init__(
        self,
        own_jid: str,
        connected: Callable[[], XmppClient | None],
        background: Background,
        shares_presence: Callable[[str], bool],
    ) -> None:
        self._own = ct.bare_jid(own_jid) or own_jid
        self._domain = self._own.rpartition("@")[2]
        self._connected = connected
        self._background = background
        self._shares_presence = shares_presence  # may see our presence: gets receipts
        self._sent: dict[str, _Outgoing] = {}  # our message ids (this session) -> peer, state
        self.archive = Archive(self._own, connected, background)

    def _emit(self, event: SessionEvent) -> None:
        self._background.emit(event)

    def install(self, client: XmppClient) -> None:
        """Attach the handlers to a freshly built client."""
        client.register_handler(
            Callback(_HANDLER, MatchXPath(f"{{{ct.NS_CLIENT}}}message"), self._on_message)
        )
        client.add_event_handler("message_error", self._on_message_error)
        client.add_event_handler("stanza_acked", self._on_acked)

    def session_started(self, client: XmppClient) -> None:
        """A fresh session: switch carbons on (before our presence goes out)."""
        iq = client.make_iq_set()
        ET.SubElement(iq.xml, f"{{{ct.NS_CARBONS}}}enable")
        answer = issue(client, iq, CARBONS_TIMEOUT)
        self._background.spawn(answer, "Could not enable carbons", quiet=True)

    # ------------------------------------------------------------- sending
    def send_message(self, to: str, body: str, *, id: str | None = None) -> ChatMessage:
        """Send (or, offline, only build) a chat message; see ``Session.send_message``."""
        peer = ct.bare_jid(to)
        message = ChatMessage(
            id=id or uuid.uuid4().hex,
            peer=peer or to,
            sender=self._own,
            body=body,
            timestamp=datetime.now(UTC),
            outgoing=True,
            state=Delivery.PENDING,
        )
        if not peer:
            self._emit(ErrorOccurred(f'Could not send to "{to}": not a valid address.'))
            return _with_state(message, Delivery.FAILED)
        client = self._connected()
        if client is None:
            return message  # the app keeps it and sends it again once online
        self._remember(message.id, _Outgoing(peer, Delivery.PENDING))
        client.send(_chat(client, peer, message.id, body, receipt=True))
        _request_ack(client)
        self._emit(MessageSent(message))
        return message

    def correct_message(self, to: str, original_id: str, body: str) -> ChatMessage:
        """Replace the body of our message ``original_id`` (XEP-0308)."""
        peer = ct.bare_jid(to)
        message = ChatMessage(
            id=uuid.uuid4().hex,
            peer=peer or to,
            sender=self._own,
            body=body,
            timestamp=datetime.now(UTC),
            outgoing=True,
            state=Delivery.PENDING,
            edited=True,
        )
        if not peer or not original_id:
            self._emit(ErrorOccurred(f'Could not correct the message to "{to}".'))
            return _with_state(message, Delivery.FAILED)
        client = self._connected()
        if client is None:
            return message
        client.send(_chat(client, peer, message.id, body, replaces=original_id))
        self._emit(MessageCorrected(peer, original_id, body, self._own))
        return message

    def send_chat_state(self, to: str, state: ChatState) -> None:
        """Tell ``to`` we are typing, paused... (dropped when offline: it is ephemeral)."""
        peer = ct.bare_jid(to)
        client = self._connected()
        if not peer or client is None:
            return
        stanza = client.make_message(mto=peer, mtype="chat")
        stanza["id"] = f"cs-{uuid.uuid4().hex}"
        ET.SubElement(stanza.xml, f"{{{ct.NS_CHATSTATES}}}{state.value}")
        ET.SubElement(stanza.xml, f"{{{ct.NS_HINTS}}}no-store")
        client.send(stanza)

    # ------------------------------------------------------------ receiving
    @guarded
    def _on_message(self, msg: Any) -> None:
        element: ET.Element = msg.xml
        if element.get("type") == "error":
            return  # _on_message_error
        if ct.archive_result(element) is not None:
            self.archive.collect(element)
            return
        carbon = ct.find_carbon(element, self._own)
        if carbon is None:
            self._on_direct(ct.read_message(element, self._own), answer=True)
        elif carbon.message is None:
            log.warning("ignored a forged carbon from %r", element.get("from"))
        elif carbon.sent:
            self._on_sent_carbon(ct.read_message(carbon.message, self._own, stamp=carbon.stamp))
        else:
            facts = ct.read_message(carbon.message, self._own, stamp=carbon.stamp)
            self._on_direct(facts, answer=False)  # the receiving client answers

    def _on_direct(self, facts: ct.MessageFacts, *, answer: bool) -> None:
        """A message from a contact, straight to us or carbon-copied to us."""
        bare = facts.sender_bare
        if bare in ("", self._own, self._domain):
            if answer and facts.body and facts.kind in _NOTICE_TYPES and not facts.replaces:
                self._emit(ServerNotice(facts.body, facts.sender))
            return
        if facts.kind not in ct.CHAT_TYPES:
            return
        if facts.receipt_for:
            self._change_state(facts.receipt_for, bare, Delivery.DELIVERED)
        if facts.body:
            if not facts.replaces:
                self._emit(MessageReceived(ct.incoming_message(facts)))
            elif facts.replaces in self._sent:  # they cannot correct what we wrote
                log.warning("ignored a correction of our message from %s", bare)
            else:
                self._emit(MessageCorrected(bare, facts.replaces, facts.body, bare))
            if answer and facts.wants_receipt and facts.id_attr and self._shares_presence(bare):
                self._send_receipt(facts)
        if facts.chat_state is not None:
            self._emit(ChatStateChanged(bare, facts.chat_state))

    def _on_sent_carbon(self, facts: ct.MessageFacts) -> None:
        """A message another of our clients sent (its chat states and receipts are not news)."""
        peer = facts.to_bare
        if facts.kind not in ct.CHAT_TYPES or not facts.body or not peer or peer == self._own:
            return
        if facts.replaces:
            self._emit(MessageCorrected(peer, facts.replaces, facts.body, self._own))
            return
        message = ct.outgoing_message(facts, self._own)
        if message.id not in self._sent:
            self._remember(message.id, _Outgoing(peer, Delivery.SENT))
        self._emit(MessageSent(message))

    def _remember(self, message_id: str, outgoing: _Outgoing) -> None:
        sent = self._sent
        sent.pop(message_id, None)  # (re-sent: now the newest)
        sent[message_id] = outgoing
        if len(sent) > SENT_KEPT:
            del sent[next(iter(sent))]  # the oldest

    def _send_receipt(self, facts: ct.MessageFacts) -> None:
        client = self._connected()
        if client is None:
            return
        reply = client.make_message(
            mto=facts.sender, mtype="chat" if facts.kind == "chat" else "normal"
        )
        reply["id"] = f"rcpt-{uuid.uuid4().hex}"
        ET.SubElement(reply.xml, f"{{{ct.NS_RECEIPTS}}}received", id=facts.id_attr)
        client.send(reply)

    def _change_state(self, message_id: str, peer: str, state: Delivery) -> None:
        """Move our message on, if ``peer`` is who it went to; never back from DELIVERED."""
        outgoing = self._sent.get(message_id)
        if outgoing is None or outgoing.peer != peer or outgoing.state is Delivery.DELIVERED:
            return
        if state is Delivery.SENT and outgoing.state is not Delivery.PENDING:
            return
        outgoing.state = state
        self._emit(MessageStateChanged(peer, message_id, state))

    @guarded
    def _on_acked(self, stanza: Any) -> None:
        """Stream management: the server has our stanza."""
        element: ET.Element = stanza.xml
        if element.tag == f"{{{ct.NS_CLIENT}}}message":
            message_id = element.get("id") or ""
            outgoing = self._sent.get(message_id)
            if outgoing is not None:
                self._change_state(message_id, outgoing.peer, Delivery.SENT)

    @guarded
    def _on_message_error(self, msg: Any) -> None:
        sender = ct.bare_jid(msg["from"].bare) if msg["from"] else ""
        message_id = str(msg["id"] or "")
        if message_id.startswith(_QUIET):
            log.info("a chat state or receipt to %s bounced: %s", sender, translate.error_text(msg))
            return
        outgoing = self._sent.get(message_id)
        if outgoing is not None and outgoing.peer == sender:
            self._change_state(message_id, sender, Delivery.FAILED)
        peer = sender or "the server"
        self._emit(ErrorOccurred(f"Message to {peer} failed: {translate.error_text(msg)}"))


def _with_state(message: ChatMessage, state: Delivery) -> ChatMessage:
    return dataclasses.replace(message, state=state)


def _chat(
    client: XmppClient,
    to: str,
    message_id: str,
    body: str,
    *,
    receipt: bool = False,
    replaces: str = "",
) -> Any:
    """A chat message with ``id`` = origin-id, ``<active/>``, and a receipt request or a
    ``<replace/>``."""
    stanza = client.make_message(mto=to, mbody=body, mtype="chat")
    stanza["id"] = message_id
    xml = stanza.xml
    ET.SubElement(xml, f"{{{ct.NS_SID}}}origin-id", id=message_id)
    if receipt:
        ET.SubElement(xml, f"{{{ct.NS_RECEIPTS}}}request")
    if replaces:
        ET.SubElement(xml, f"{{{ct.NS_CORRECT}}}replace", id=replaces)
    ET.SubElement(xml, f"{{{ct.NS_CHATSTATES}}}active")
    return stanza


def _request_ack(client: XmppClient) -> None:
    """Ask the server to ack now (XEP-0198), queued after what we just sent."""
    if getattr(client.plugin["xep_0198"], "enabled_out", False):
        client.send(_SM_ACK_REQUEST)
