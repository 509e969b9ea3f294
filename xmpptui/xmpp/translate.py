"""Pure functions from slixmpp stanzas to ``xmpptui.models`` values.

No I/O, no state: each takes a stanza (and what it needs to judge it) and
returns plain data or ``None`` when the stanza is not for us to show. Unit
tests feed them stanzas parsed from XML strings.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.jid import InvalidJID

from xmpptui.models import Contact, Show
from xmpptui.xmpp.events import (
    ClientInfoReceived,
    PresenceChanged,
    SubscriptionChanged,
    SubscriptionRequested,
)

NS_ROSTER = "jabber:iq:roster"  # RFC 6121
NS_NICK = "http://jabber.org/protocol/nick"  # XEP-0172
NS_CAPS = "http://jabber.org/protocol/caps"  # XEP-0115
NS_BLOCKING = "urn:xmpp:blocking"  # XEP-0191
NS_VERSION = "jabber:iq:version"  # XEP-0092
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"  # XEP-0030
NS_STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas"

_SHOWS = {
    "": Show.AVAILABLE,
    "chat": Show.CHAT,
    "away": Show.AWAY,
    "xa": Show.XA,
    "dnd": Show.DND,
}
_SUBSCRIPTIONS = frozenset({"none", "to", "from", "both"})
_SUBSCRIPTION_CHANGES = frozenset({"subscribed", "unsubscribed", "unsubscribe"})
_MAX_HINT = 200  # caps nodes, nicknames, software names: short hints, not documents
MAX_TEXT = 1024  # status texts, roster names and group names: a sentence, not a document
MAX_GROUPS = 64  # groups of one contact


_ROSTER_ITEM = f"{{{NS_ROSTER}}}item"
_ROSTER_GROUP = f"{{{NS_ROSTER}}}group"


class RosterItem(NamedTuple):
    """One ``<item/>`` of a roster result or push, as sent (what slixmpp's
    ``get_items()`` gives, read straight from the XML: 5,000 items in
    milliseconds instead of half a second)."""

    jid: str  # bare, normalised
    name: str = ""
    subscription: str = ""  # as sent: "" when missing, also values RFC 6121 does not know
    ask: str = ""
    groups: tuple[str, ...] = ()  # as sent, "" for an empty <group/>


def roster_items(query: ET.Element) -> list[RosterItem]:
    """The items of a roster ``<query/>``, in order.

    Like slixmpp's ``get_items()``: items with an invalid JID are skipped, and
    an item repeated with the same (full) JID keeps its first place and its
    last values.
    """
    items: dict[str, RosterItem] = {}
    for element in query:
        if element.tag != _ROSTER_ITEM:
            continue
        try:
            jid = JID(element.get("jid", ""))
        except InvalidJID:
            continue
        items[str(jid.full)] = RosterItem(
            jid=str(jid.bare),
            name=element.get("name", ""),
            subscription=element.get("subscription", ""),
            ask=element.get("ask", ""),
            groups=tuple(g.text or "" for g in element if g.tag == _ROSTER_GROUP),
        )
    return list(items.values())


def contact_from_item(item: RosterItem) -> Contact:
    """Build a :class:`Contact` from one roster item."""
    subscription = item.subscription or "none"
    if subscription not in _SUBSCRIPTIONS:
        subscription = "none"
    groups = tuple(sorted({_text(g) for g in item.groups if g}))
    return Contact(
        jid=item.jid,
        name=_text(item.name),
        groups=groups[:MAX_GROUPS],
        subscription=subscription,
        ask=item.ask == "subscribe",
    )


def roster_changes(items: list[RosterItem]) -> tuple[list[Contact], list[str]]:
    """Split the items of a roster result or push into (updated contacts, removed JIDs)."""
    updated: list[Contact] = []
    removed: list[str] = []
    for item in items:
        if item.subscription == "remove":
            removed.append(item.jid)
        else:
            updated.append(contact_from_item(item))
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
    caps = presence.xml.find(f"{{{NS_CAPS}}}c")
    return PresenceChanged(
        jid=bare,
        resource=str(sender.resource),
        show=show,
        status=_text(presence["status"]),
        priority=max(-128, min(127, priority)),
        client=_hint(caps.get("node") if caps is not None else None),
    )


def subscription_event(
    presence: Any, own_bare: str
) -> SubscriptionRequested | SubscriptionChanged | None:
    """Translate a subscription presence (RFC 6121 section 3) from someone else.

    ``subscribe`` is a friend request (with the XEP-0172 nickname if any);
    ``subscribed``/``unsubscribed``/``unsubscribe`` are answers and changes.
    Anything without a sender or from our own account is not a request from a
    contact: ``None``, as are all other presence types.
    """
    ptype = str(presence["type"] or "")
    if ptype != "subscribe" and ptype not in _SUBSCRIPTION_CHANGES:
        return None
    bare = str(presence["from"].bare)
    if not bare or bare == own_bare:
        return None
    if ptype == "subscribe":
        nick = presence.xml.findtext(f"{{{NS_NICK}}}nick")
        return SubscriptionRequested(bare, _hint(nick), _text(presence["status"]))
    return SubscriptionChanged(bare, ptype)


def from_own_server(stanza: Any, own_bare: str) -> bool:
    """A push may only come from our account (bare JID), our server, or carry no sender."""
    sender = str(stanza["from"])
    return sender in ("", own_bare, own_bare.partition("@")[2])


def _blocking_items(element: Any) -> tuple[str, ...]:
    jids: set[str] = set()
    for item in element.findall(f"{{{NS_BLOCKING}}}item"):
        try:
            jid = JID(item.get("jid") or "")
        except InvalidJID:
            continue
        if jid.full:
            jids.add(str(jid.full))
    return tuple(sorted(jids))


def blocklist_jids(iq: Any) -> tuple[str, ...]:
    """The JIDs of a blocklist result (XEP-0191), sorted, without duplicates."""
    blocklist = iq.xml.find(f"{{{NS_BLOCKING}}}blocklist")
    return () if blocklist is None else _blocking_items(blocklist)


def blocking_push(iq: Any, own_bare: str) -> tuple[str, tuple[str, ...]] | None:
    """``("block" | "unblock", jids)`` of a blocking push (an empty unblock: all).

    ``None`` when it is not a push we may believe: not an ``iq`` set, or from
    anyone but our account or our server.
    """
    if iq["type"] != "set" or not from_own_server(iq, own_bare):
        return None
    for action in ("block", "unblock"):
        element = iq.xml.find(f"{{{NS_BLOCKING}}}{action}")
        if element is not None:
            return action, _blocking_items(element)
    return None


def disco_features(iq: Any) -> frozenset[str]:
    """The features a disco#info result (XEP-0030) lists."""
    query = iq.xml.find(f"{{{NS_DISCO_INFO}}}query")
    if query is None:
        return frozenset()
    return frozenset(f.get("var", "") for f in query.findall(f"{{{NS_DISCO_INFO}}}feature"))


def client_info(iq: Any) -> ClientInfoReceived | None:
    """The software version (XEP-0092) in a result from a contact's resource."""
    query = iq.xml.find(f"{{{NS_VERSION}}}query")
    sender = iq["from"]
    if iq["type"] != "result" or query is None or not sender.bare:
        return None
    name = _hint(query.findtext(f"{{{NS_VERSION}}}name"))
    if not name:
        return None
    return ClientInfoReceived(
        jid=str(sender.bare),
        resource=str(sender.resource),
        name=name,
        version=_hint(query.findtext(f"{{{NS_VERSION}}}version")),
        os=_hint(query.findtext(f"{{{NS_VERSION}}}os")),
    )


def _hint(text: str | None) -> str:
    """A short one-line piece of untrusted text (rendering makes it inert)."""
    return " ".join((text or "").split())[:_MAX_HINT]


def _text(value: object) -> str:
    """Untrusted free text cut to ``MAX_TEXT`` characters, the cut marked with "…"."""
    text = str(value or "")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def error_condition(stanza: Any) -> str:
    """The defined condition of a stanza error (RFC 6120 8.3), also one slixmpp
    does not know (it says "" for ``policy-violation``)."""
    error = next((c for c in stanza.xml if c.tag.rpartition("}")[2] == "error"), None)
    for child in error if error is not None else ():
        namespace, _, name = child.tag[1:].partition("}")
        if namespace == NS_STANZA_ERRORS and name != "text":
            return str(name)
    return ""


def error_text(stanza: Any) -> str:
    """A short readable description of a stanza or stream error."""
    if "error" in stanza.plugin_attrib_map:  # iq, message, presence
        condition = error_condition(stanza)
        text = str(stanza["error"]["text"] or "")
    else:  # a stream error is the error itself
        condition = str(stanza["condition"] or "")
        text = str(stanza["text"] or "")
    condition = (condition or "error").replace("-", " ")
    return f"{condition}: {text}" if text else condition
