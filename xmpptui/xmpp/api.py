"""The interface the app talks to. The real ``XmppSession`` and the scripted
fake session used by UI tests both satisfy it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from xmpptui.models import ChatMessage, ChatState, Show
from xmpptui.xmpp.events import SessionEvent


class Session(Protocol):
    """One XMPP account connection, seen from the app."""

    @property
    def bare_jid(self) -> str:
        """The account's bare JID (``local@domain``)."""
        ...

    @property
    def resource(self) -> str:
        """The resource this session binds (or tries to)."""
        ...

    def events(self) -> AsyncIterator[SessionEvent]:
        """Yield events until the session is closed."""
        ...

    async def start(self) -> None:
        """Begin connecting; progress arrives as events."""
        ...

    @property
    def online(self) -> bool:
        """The stream is up and the session started: messages go out now."""
        ...

    # Messages. Ids follow XEP-0359: ``ChatMessage.id`` is the stanza id and
    # the origin-id, so the same message seen live, as a carbon, from the
    # archive or re-sent is one message (de-duplicate on (peer, id)).

    def send_message(self, to: str, body: str, *, id: str | None = None) -> ChatMessage:
        """Send a chat message to the bare JID ``to``; return it, state PENDING.

        Online, it goes out with a receipt request and ``MessageSent`` follows;
        then ``MessageStateChanged`` SENT (the server's stream-management ack),
        DELIVERED (the contact's receipt) or FAILED (a bounce). Offline, nothing
        is sent and no ``MessageSent`` comes: keep the message and call again
        with the same ``id`` once online (``SessionStarted``). After a
        *resumed* session, stanzas the old stream had taken are re-sent by
        the session itself; after a fresh one, re-send every message still
        PENDING (same id: receivers de-duplicate). An invalid ``to`` gives
        state FAILED and an ``ErrorOccurred``.
        """
        ...

    def correct_message(self, to: str, original_id: str, body: str) -> ChatMessage:
        """Replace the body of our earlier message ``original_id`` to ``to`` (XEP-0308).

        Returns the correction (a new id, ``edited``); online, a
        ``MessageCorrected`` for ``original_id`` with us as sender follows.
        Offline nothing is sent (state PENDING, no event).
        """
        ...

    def send_chat_state(self, to: str, state: ChatState) -> None:
        """Tell ``to`` we are composing, paused... (XEP-0085). Dropped when offline."""
        ...

    def fetch_archive(
        self,
        peer: str | None,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        start: datetime | None = None,
        limit: int = 100,
    ) -> None:
        """Ask our server's archive (XEP-0313) for one page; one ``ArchiveFetched`` answers.

        ``peer`` None: all conversations. ``after_id`` (a ``stanza_id``) or
        ``start``: the messages after it, oldest first (login catch-up);
        ``before_id``: the page before it (scrolling back); none: the newest
        page. ``complete`` says nothing more is there in that direction.
        The server may cap ``limit`` (Prosody: 50). Archived corrections come
        as ``edited`` messages whose ``id`` is the corrected message's.
        Problems arrive as ``ErrorOccurred``.
        """
        ...

    def set_presence(self, show: Show, status: str = "") -> None:
        """Broadcast our presence (priority from the settings goes along).

        ``Show.OFFLINE`` goes offline without quitting: unavailable presence,
        stream closed, no automatic reconnect. A later online show (or
        ``reconnect_now``) connects again and sends that presence.
        """
        ...

    # Contacts. Fire-and-forget: these never raise; a problem (offline, an
    # invalid address, an error reply) arrives as ErrorOccurred, the outcome
    # as the usual events (ContactUpdated/ContactRemoved, BlocklistChanged...).

    def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = ()) -> None:
        """Add ``jid`` to the roster and ask to see its presence (``subscribe``).

        Where the server supports pre-approval, their request back (or one they
        already sent) is approved by that: adding someone means sharing presence.
        """
        ...

    def remove_contact(self, jid: str) -> None:
        """Remove ``jid`` from the roster, cancelling both subscriptions."""
        ...

    def update_contact(self, jid: str, name: str, groups: tuple[str, ...]) -> None:
        """Rename a contact or move it to other groups (subscription kept)."""
        ...

    def accept_subscription(self, jid: str) -> None:
        """Approve a friend request (``subscribed``); ask for theirs if we do not have it."""
        ...

    def deny_subscription(self, jid: str) -> None:
        """Refuse a friend request, or stop sharing our presence (``unsubscribed``)."""
        ...

    def block(self, jid: str) -> None:
        """Block all communication with ``jid`` (XEP-0191)."""
        ...

    def unblock(self, jid: str) -> None:
        """Lift a block (XEP-0191)."""
        ...

    def request_client_info(self, jid: str) -> None:
        """Ask each online resource of ``jid`` which software it runs (XEP-0092).

        Answers arrive as ``ClientInfoReceived``; silence and errors are ignored.
        """
        ...

    def reconnect_now(self, resource: str | None = None) -> None:
        """Connect again at once, optionally with another resource (after a conflict)."""
        ...

    async def change_password(self, new_password: str) -> None:
        """Change the password on the server; raises an exception with a sentence."""
        ...

    def watch_xml(self, on: bool) -> None:
        """Report the raw XML stream as ``XmlTraffic`` events while ``on`` (the XML
        console is open), also across reconnects; nothing at all while off.

        Secrets (SASL payloads, passwords, private form fields) are redacted
        and each text is capped before the event is emitted.
        """
        ...

    def trust_keys(self, pins: tuple[str, ...]) -> None:
        """Connect again trusting exactly these SPKI pins (``sha256/<base64>``)."""
        ...

    async def close(self) -> None:
        """Send unavailable presence, close the stream and stop emitting events."""
        ...
