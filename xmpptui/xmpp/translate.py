"""Pure functions from slixmpp stanzas to ``xmpptui.models`` values.

No I/O, no state: each takes a stanza (and what it needs to judge it) and
returns plain data or ``None`` when the stanza is not for us to show. Unit
tests feed them stanzas parsed from XML strings.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from xmpptui.models import ChatMessage, Contact, Show
from xmpptui.xmpp.events import PresenceChanged

_SHOWS = {
    "": Show.AVAILABLE,
    "chat": Show.CHAT,
    "away": Show.AWAY,
    "xa": Show.XA,
    "dnd": Show.DND,
}
_SUBSCRIPTIONS = frozenset({"none", "to", "from", "both"})


def contact_from_item(jid: str, values: Mapping[str, Any]) -> Contact:
    """Build a :class:`Contact` from one roster item's values (``get_items()``)."""
    subscription = str(values.get("subscription") or "none")
    if subscription not in _SUBSCRIPTIONS:
        subscription = "none"
    groups = tuple(sorted({str(g) for g in values.get("groups") or () if str(g)}))
    return Contact(
        jid=jid,
        name=str(values.get("name") or ""),
        groups=groups,
        subscription=subscription,
        ask=values.get("ask") == "subscribe",
    )


def roster_changes(iq: Any) -> tuple[list[Contact], list[str]]:
    """Split a roster result or push into (updated contacts, removed JIDs)."""
    updated: list[Contact] = []
    removed: list[str] = []
    for raw_jid, values in iq["roster"]["items"].items():
        jid = str(raw_jid.bare) if hasattr(raw_jid, "bare") else str(raw_jid)
        if values.get("subscription") == "remove":
            removed.append(jid)
        else:
            updated.append(contact_from_item(jid, values))
    return updated, removed


def presence_change(presence: Any, own_bare: str) -> PresenceChanged | None:
    """Translate an available/unavailable presence from a contact.

    Presences of our own account and those without a sender are not contact
    presence and yield ``None``; so do subscription and error presences.
    """
    sender = presence["from"]
    bare = str(sender.bare)
    if not bare or bare == own_bare:
        return None
    ptype = presence["type"]
    if ptype == "unavailable":
        show = Show.OFFLINE
    elif ptype in _SHOWS or ptype == "available":
        show = _SHOWS.get(str(presence["show"] or ""), Show.AVAILABLE)
    else:
        return None
    try:
        priority = int(presence["priority"] or 0)
    except (TypeError, ValueError):
        priority = 0
    return PresenceChanged(
        jid=bare,
        resource=str(sender.resource),
        show=show,
        status=str(presence["status"] or ""),
        priority=max(-128, min(127, priority)),
    )


def _timestamp(msg: Any) -> datetime:
    """The original send time for delayed delivery (XEP-0203), else now."""
    try:
        stamp = msg["delay"]["stamp"]
    except (KeyError, AttributeError):
        stamp = None
    if isinstance(stamp, datetime):
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)
    return datetime.now(UTC)


def incoming_chat(msg: Any, own_bare: str) -> ChatMessage | None:
    """Translate a ``chat``/``normal`` message with a body from a contact.

    Messages without a body (chat states, receipts), of other types, without a
    sender, or claiming to be from our own account (carbons are handled
    elsewhere, with their own checks) are not chat lines: ``None``.
    """
    if msg["type"] not in ("chat", "normal"):
        return None
    body = str(msg["body"] or "")
    if not body:
        return None
    bare = str(msg["from"].bare)
    if not bare or bare == own_bare:
        return None
    return ChatMessage(
        id=str(msg["id"] or uuid.uuid4().hex),
        peer=bare,
        sender=bare,
        body=body,
        timestamp=_timestamp(msg),
        outgoing=False,
    )


def error_text(stanza: Any) -> str:
    """A short readable description of a stanza or stream error."""
    error = stanza["error"] if "error" in stanza.interfaces else stanza
    condition = str(error["condition"] or "error").replace("-", " ")
    text = str(error["text"] or "")
    return f"{condition}: {text}" if text else condition
