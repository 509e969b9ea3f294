"""Everything the session reports, as frozen past-tense dataclasses.

The session puts these on a queue; the app forwards them to the UI. Nothing
here references slixmpp or Textual, so the UI and tests may import it freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from xmpptui.models import CertificateInfo, ChatMessage, ChatState, Contact, Delivery, Show


@dataclass(frozen=True, slots=True)
class Connecting:
    """A connection attempt started (``host``/``port`` may be empty for DNS)."""

    host: str = ""
    port: int = 0


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """Authenticated, resource bound, roster requested: the account is online.

    ``resumed``: the previous session was resumed (XEP-0198): roster and
    presence are as they were, nothing is re-sent.
    """

    full_jid: str
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class ConnectionFailed:
    """The server could not be reached or the link was lost.

    ``retry_in`` seconds until the next automatic attempt, at ``retry_at``
    (UTC); both ``None`` when no attempt is scheduled.
    """

    reason: str
    retry_in: float | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignedOutElsewhere:
    """The server ended our stream with ``<conflict/>``: the same full JID
    signed in from another client. The session does not reconnect by itself."""

    full_jid: str


@dataclass(frozen=True, slots=True)
class CertificateRejected:
    """TLS failed because the server's certificate is not trusted. No auth was sent."""

    reason: str


@dataclass(frozen=True, slots=True)
class CertificateUntrusted:
    """The system does not trust the server's certificate; nothing was sent.

    ``info`` is what a probe connection (no authentication) found, so the user
    can decide: reject, trust once, or pin it.
    """

    info: CertificateInfo
    server_name: str
    reason: str


@dataclass(frozen=True, slots=True)
class CertificateChanged:
    """The server's key does not match the pinned one: login stopped, nothing sent.

    ``info`` is ``None`` when the certificate could not even be read.
    """

    info: CertificateInfo | None
    pinned: tuple[str, ...]
    server_name: str


@dataclass(frozen=True, slots=True)
class AuthenticationFailed:
    """The server refused the credentials. The session does not retry by itself."""

    reason: str


@dataclass(frozen=True, slots=True)
class StreamErrorReceived:
    """The server closed the stream with an error condition."""

    condition: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The stream is closed (by us, by the server or by the network)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class RosterReceived:
    """The whole roster, as received at login."""

    contacts: tuple[Contact, ...]


@dataclass(frozen=True, slots=True)
class ContactUpdated:
    """A roster push added or changed one contact."""

    contact: Contact


@dataclass(frozen=True, slots=True)
class ContactRemoved:
    """A roster push removed one contact."""

    jid: str


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """One resource of a contact changed presence (``show`` OFFLINE when it left).

    ``client`` is the entity capabilities node (XEP-0115) the presence
    announced, e.g. ``https://gajim.org``: a cheap hint of which client that
    resource runs (untrusted text, like ``status``).
    """

    jid: str
    resource: str
    show: Show
    status: str = ""
    priority: int = 0
    client: str = ""


@dataclass(frozen=True, slots=True)
class SubscriptionRequested:
    """Someone asks to see our presence (a friend request). Never approved by itself.

    ``nick`` is the nickname they sent along (XEP-0172), ``status`` their
    message: both untrusted text. Answer with ``accept_subscription`` or
    ``deny_subscription``. The server delivers a pending request again at
    every login until it is answered.
    """

    jid: str
    nick: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class SubscriptionChanged:
    """A contact answered or changed a subscription.

    ``change``: ``"subscribed"`` they approved our request; ``"unsubscribed"``
    they denied our request or revoked our subscription to them;
    ``"unsubscribe"`` they stopped following our presence.
    """

    jid: str
    change: str


@dataclass(frozen=True, slots=True)
class BlocklistReceived:
    """The JIDs we block (XEP-0191), as the server told us at login."""

    jids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BlocklistChanged:
    """The blocklist changed (from this or another of our clients)."""

    blocked: tuple[str, ...] = ()
    unblocked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientInfoReceived:
    """The software one resource of a contact runs (XEP-0092), as it told us."""

    jid: str
    resource: str
    name: str
    version: str = ""
    os: str = ""


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """A chat message arrived from a contact (live, offline storage, or a carbon
    of a message another of our clients received)."""

    message: ChatMessage


@dataclass(frozen=True, slots=True)
class MessageSent:
    """A chat message of ours went on the wire (from this client, or a carbon of
    one sent by another of our clients)."""

    message: ChatMessage


@dataclass(frozen=True, slots=True)
class MessageStateChanged:
    """An outgoing message moved on: sent (server ack), delivered (receipt), failed."""

    peer: str
    id: str
    state: Delivery


@dataclass(frozen=True, slots=True)
class MessageCorrected:
    """The sender replaced the body of message ``id`` (XEP-0308).

    Only the original's author may correct it: apply this only when the
    stored message (``peer``, ``id``) has ``sender`` as its sender. The
    session cannot know that for older messages; it only drops corrections
    of messages it sent itself in this session. Our own corrections (from
    this or another of our clients) come with our bare JID as ``sender``.
    """

    peer: str
    id: str
    body: str
    sender: str


@dataclass(frozen=True, slots=True)
class ChatStateChanged:
    """A contact is typing, paused, left... (XEP-0085)."""

    jid: str
    state: ChatState


@dataclass(frozen=True, slots=True)
class ArchiveFetched:
    """A page of messages from our server's archive (XEP-0313).

    ``peer`` is None for the login catch-up (all conversations); ``complete``
    says whether the archive has nothing more in the asked direction.
    ``messages`` are the chat lines only, oldest first; the page may also have
    held receipts and the like, so page on from ``first_id``/``last_id``, the
    archive ids of the page's first and last result ("" when empty):
    ``before_id=first_id`` for older, ``after_id=last_id`` for newer.
    """

    peer: str | None
    messages: tuple[ChatMessage, ...]
    complete: bool
    first_id: str = ""
    last_id: str = ""


@dataclass(frozen=True, slots=True)
class ServerNotice:
    """A message from our server or our own account (no ``from``, our bare JID or our
    domain): an announcement for the console, never a chat line."""

    text: str
    sender: str  # "" when the stanza had no ``from``


@dataclass(frozen=True, slots=True)
class ErrorOccurred:
    """Something went wrong that the user should read about (one sentence)."""

    text: str


@dataclass(frozen=True, slots=True)
class XmlTraffic:
    """Raw XML on the stream, only while the XML console watches (``Session.watch_xml``).

    ``incoming``: received (else sent). ``text``: one stanza, stream header or
    other top-level element, with secrets already redacted (``xmpptui.redact``)
    and cut to ``xmlconsole.MAX_TEXT`` bytes (``… (N bytes more)``). Untrusted:
    display it through ``render`` like any text from the network.
    """

    incoming: bool
    text: str


SessionEvent = (
    Connecting
    | SessionStarted
    | ConnectionFailed
    | SignedOutElsewhere
    | CertificateRejected
    | CertificateUntrusted
    | CertificateChanged
    | AuthenticationFailed
    | StreamErrorReceived
    | Disconnected
    | RosterReceived
    | ContactUpdated
    | ContactRemoved
    | PresenceChanged
    | SubscriptionRequested
    | SubscriptionChanged
    | BlocklistReceived
    | BlocklistChanged
    | ClientInfoReceived
    | MessageReceived
    | MessageSent
    | MessageStateChanged
    | MessageCorrected
    | ChatStateChanged
    | ArchiveFetched
    | ServerNotice
    | ErrorOccurred
    | XmlTraffic
)
