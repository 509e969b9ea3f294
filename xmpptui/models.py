"""Plain data shared by every layer: no Textual, no slixmpp, stdlib only.

These are the nouns of the product. The session layer produces them from
stanzas, the store persists them, the UI draws them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


class Show(enum.StrEnum):
    """A presence as the user thinks of it (RFC 6121 ``<show/>`` plus the two extremes)."""

    AVAILABLE = "available"
    CHAT = "chat"
    AWAY = "away"
    XA = "xa"
    DND = "dnd"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        """Human wording used in the presence selector and the roster."""
        return _SHOW_LABELS[self]

    @property
    def rank(self) -> int:
        """Sort key: most reachable first."""
        return _SHOW_RANK[self]


_SHOW_LABELS = {
    Show.AVAILABLE: "Available",
    Show.CHAT: "Free to chat",
    Show.AWAY: "Away",
    Show.XA: "Extended away",
    Show.DND: "Do not disturb",
    Show.OFFLINE: "Offline",
}
_SHOW_RANK = {
    Show.CHAT: 0,
    Show.AVAILABLE: 1,
    Show.AWAY: 2,
    Show.XA: 3,
    Show.DND: 4,
    Show.OFFLINE: 5,
}

#: The shows a user may pick while online, in selector order.
SELECTABLE_SHOWS: tuple[Show, ...] = (Show.AVAILABLE, Show.CHAT, Show.AWAY, Show.XA, Show.DND)


class ConnectionState(enum.StrEnum):
    """What the status line says about the link to the server."""

    OFFLINE = "offline"
    CONNECTING = "connecting"
    ONLINE = "online"


@dataclass(frozen=True, slots=True)
class Contact:
    """One roster item (RFC 6121 section 2.1)."""

    jid: str
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: str = "none"  # none | to | from | both
    ask: bool = False  # our subscription request is pending

    @property
    def display_name(self) -> str:
        return self.name or self.jid


@dataclass(frozen=True, slots=True)
class ResourcePresence:
    """The presence of one resource (one connected client) of a contact."""

    resource: str
    show: Show
    status: str = ""
    priority: int = 0


class Delivery(enum.StrEnum):
    """Where a message is on its way (outgoing) or that it arrived (incoming)."""

    PENDING = "pending"  # stored, not yet acknowledged by the server
    SENT = "sent"  # the server acknowledged it (stream management)
    DELIVERED = "delivered"  # the contact's client confirmed it (XEP-0184)
    FAILED = "failed"  # could not be sent: kept, shown, can be retried
    RECEIVED = "received"  # an incoming message


class ChatState(enum.StrEnum):
    """XEP-0085 chat states."""

    ACTIVE = "active"
    COMPOSING = "composing"
    PAUSED = "paused"
    INACTIVE = "inactive"
    GONE = "gone"


NO_EXTRA: Mapping[str, str] = MappingProxyType({})
"""The ``extra`` of almost every message: one shared, read-only empty mapping."""


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A one-to-one chat message, incoming or outgoing.

    ``peer`` is the bare JID of the conversation (the contact), whichever way
    the message went; ``sender`` is the bare JID of who wrote it.

    ``id`` is the de-duplication key: the sender's origin-id (XEP-0359) when
    present, else the stanza's id, so the same message arriving live, as a
    carbon, from the archive or from offline storage is one message.
    ``stanza_id`` is the id our own server gave it (XEP-0359 stanza-id "by" our
    account), used to page the archive (MAM), never trusted from anyone else.
    """

    id: str
    peer: str
    sender: str
    body: str
    timestamp: datetime
    outgoing: bool
    extra: Mapping[str, str] = field(default_factory=lambda: NO_EXTRA, compare=False, hash=False)
    state: Delivery = Delivery.RECEIVED
    stanza_id: str = ""
    edited: bool = False  # the body is a correction (XEP-0308) of the original


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What the trust screen shows about a server certificate.

    ``spki_sha256`` is the SHA-256 of the DER SubjectPublicKeyInfo, as
    ``sha256/<base64>`` (the HPKP/curl pin format): stable across renewals that
    keep the key, which is what a pin should follow.
    """

    subject: str
    issuer: str
    names: tuple[str, ...]  # DNS names from subjectAltName (else the CN)
    not_before: datetime
    not_after: datetime
    spki_sha256: str
    self_signed: bool = False


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a registration form (XEP-0077 legacy field or XEP-0004 data form field).

    ``kind``: text-single, text-private, text-multi, list-single, list-multi,
    boolean, fixed, hidden, jid-single (data form types); legacy fields map to
    text-single, or text-private for ``password``.
    """

    var: str
    kind: str = "text-single"
    label: str = ""
    required: bool = False
    value: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (label, value)
    description: str = ""


@dataclass(frozen=True, slots=True)
class RegistrationForm:
    """What the server asks for to create an account (XEP-0077)."""

    instructions: str = ""
    fields: tuple[FormField, ...] = ()
    is_data_form: bool = False
    registered: bool = False  # the server says this account already exists
