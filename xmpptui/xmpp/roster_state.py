"""What the session knows about contacts, kept from inbound stanzas.

:class:`RosterTracker` owns the slixmpp handlers for the roster (result and
pushes), presence (availability and subscriptions) and blocking pushes
(XEP-0191). Each handler translates (``translate``), checks the sender, updates
the little state the operations need (the roster, each contact's online
resources, the blocklist) and emits events.

Sender checks: roster pushes are filtered by slixmpp itself (only our bare
JID or no ``from``); blocking pushes here the same way (or our server);
subscription presences from our own account or without a sender are ignored.

Floods: availability from anyone not in the roster is dropped, a contact
has at most ``MAX_RESOURCES`` online resources, and what slixmpp itself
keeps about every sender of a presence is trimmed to the same (its roster
would otherwise grow by one node and one item per stranger, forever).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher.idsender import MatchIDSender

from xmpptui.models import Contact, Show
from xmpptui.xmpp import translate
from xmpptui.xmpp.background import Background, guarded, request
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.events import (
    BlocklistChanged,
    BlocklistReceived,
    ContactRemoved,
    ContactUpdated,
    ErrorOccurred,
    PresenceChanged,
    RosterReceived,
    SessionEvent,
)

log = logging.getLogger(__name__)

#: Seconds to wait for the server's answer to a query made at login.
QUERY_TIMEOUT = 10.0

#: Seconds the initial presence waits at most for the roster (normally it goes
#: as soon as the roster is answered: see ``RosterTracker.session_started``).
INITIAL_PRESENCE_DELAY = 3.0

#: Online resources kept (and shown) per contact: people run a few clients, not hundreds.
MAX_RESOURCES = 32

#: Name (then the request's id) of the handler of our roster request's answer.
_ROSTER_ANSWER = "xmpptui roster answer"

#: slixmpp events after which its roster holds an item (and resources) for the sender.
_SLIXMPP_ROSTER_EVENTS = tuple(
    f"presence_{kind}"
    for kind in (
        "available", "unavailable", "away", "chat", "dnd", "xa",
        "subscribe", "subscribed", "unsubscribe", "unsubscribed",
    )
)  # fmt: skip


def _nothing() -> None:
    pass


class RosterTracker:
    """The roster, who is online with which resources, and the blocklist."""

    def __init__(self, own_jid: str, background: Background) -> None:
        self._own = own_jid
        self._background = background
        self.contacts: dict[str, Contact] = {}
        self.resources: dict[str, set[str]] = {}  # bare JID -> online resources
        self._bare_online: set[str] = set()  # shown online without a resource
        self._after_roster: _Once | None = None  # the session's initial presence
        self._roster_handler = ""  # name of the handler waiting for the roster
        self.blocked: set[str] = set()
        self.blocking_supported: bool | None = None  # None: not known (yet)

    def _emit(self, event: SessionEvent) -> None:
        self._background.emit(event)

    def handlers(self) -> dict[str, Callable[..., Any]]:
        """slixmpp event name -> handler, for the session's handler table."""
        return {
            "roster_update": self._on_roster_update,
            # slixmpp reports an available presence's type as its <show/>
            # ("away", "dnd"...), so listen to all presences and sort them here.
            "presence": self._on_presence,
            "blocked": self._on_blocking_push,
            "unblocked": self._on_blocking_push,
            # registered after slixmpp's own handlers of these, so they run after them
            **{name: self._trim_slixmpp_roster for name in _SLIXMPP_ROSTER_EVENTS},
        }

    def shares_presence(self, jid: str) -> bool:
        """``jid`` may see our presence (subscription ``from`` or ``both``).

        Delivery receipts go only to them: a receipt reveals we are online
        (XEP-0184 section 8).
        """
        contact = self.contacts.get(jid)
        return contact is not None and contact.subscription in ("from", "both")

    def session_started(self, client: XmppClient, then: Callable[[], None] = _nothing) -> None:
        """A fresh (not resumed) session: the server sends every presence again;
        fetch the roster and the blocklist.

        ``then`` runs once the roster has been answered (or failed), at the
        latest after ``INITIAL_PRESENCE_DELAY``: the session sends its initial
        presence there (RFC 6121 2.2: roster first). Sent together, a server
        answers the presence's probes first (Prosody: ~2 s for 5,000 contacts)
        and the roster only after them; and contacts' presences that overtook
        the roster would be dropped as from strangers.
        """
        self.resources.clear()
        self._bare_online.clear()
        if self._after_roster is not None:  # a session that ended before its roster came
            self._after_roster.cancel()
        once = self._after_roster = _Once(then)
        once.arm(client.loop, INITIAL_PRESENCE_DELAY)
        iq: Any = client.Iq()
        iq["type"] = "get"
        iq.enable("roster")
        if "rosterver" in client.features:
            iq["roster"]["ver"] = client.client_roster.version
        # Not client.get_roster(): its callback first runs slixmpp's own roster
        # handling (~0.3 s per 5,000 items; _on_roster_result does it in one pass).
        # Nor iq.send(): its future and handler hold the answer in a reference
        # cycle, so a 5,000-item result (25,000 objects) stays until a full
        # garbage collection, which it makes ~100 ms longer. Our handler does not.
        self._expect_roster(client, iq["id"], once)
        client.send(iq)
        self._background.spawn(self._load_blocklist(client), "Could not load the blocklist")

    def _expect_roster(self, client: XmppClient, iq_id: str, done: _Once) -> None:
        if self._roster_handler:
            client.remove_handler(self._roster_handler)  # a session that ended unanswered
        self._roster_handler = f"{_ROSTER_ANSWER} {iq_id}"
        # only from our account or server, as Iq.send() would accept
        matcher = MatchIDSender({"id": iq_id, "self": client.boundjid, "peer": JID("")})
        answer = functools.partial(self._on_roster_answer, client, iq_id, done)
        client.register_handler(Callback(self._roster_handler, matcher, answer, once=True))

    # ------------------------------------------------------------- roster
    @guarded
    def _on_roster_answer(self, client: XmppClient, iq_id: str, done: _Once, iq: Any) -> None:
        self._roster_handler = ""
        if iq["type"] not in ("result", "error"):  # not an answer (as Iq.send): wait on
            self._expect_roster(client, iq_id, done)
            return
        try:
            self._roster_result(client, iq)
        finally:
            done()

    def _roster_result(self, client: XmppClient, iq: Any) -> None:
        if iq["type"] != "result":
            self._emit(ErrorOccurred(f"Could not load the roster: {translate.error_text(iq)}."))
            return
        query = iq["roster"]  # adds an empty <query/> if there is none, as slixmpp's handler
        items = translate.roster_items(query.xml)
        _update_slixmpp_roster(client, query.xml.get("ver"), items)
        if _roster_unchanged(client, query.xml):
            return
        updated, _removed = translate.roster_changes(items)
        contacts = tuple(c for c in updated if c.jid != self._own)
        self.contacts = {c.jid: c for c in contacts}
        self._emit(RosterReceived(contacts))

    @guarded
    def _on_roster_update(self, iq: Any) -> None:
        if iq["type"] != "set":
            return  # pushes only (the result of our request: _on_roster_answer)
        updated, removed = translate.roster_changes(translate.roster_items(iq["roster"].xml))
        for contact in updated:
            if contact.jid != self._own:
                self.contacts[contact.jid] = contact
                self._emit(ContactUpdated(contact))
        for jid in removed:
            self.contacts.pop(jid, None)
            self.resources.pop(jid, None)
            self._bare_online.discard(jid)
            self._emit(ContactRemoved(jid))

    # ----------------------------------------------------------- presence
    @guarded
    def _on_presence(self, presence: Any) -> None:
        _forget_other_rosters(presence)
        subscription = translate.subscription_event(presence, self._own)
        if subscription is not None:
            self._emit(subscription)
            return
        change = translate.presence_change(presence, self._own)
        if change is not None and self._note_resource(change):
            self._emit(change)

    def _note_resource(self, change: PresenceChanged) -> bool:
        """Track a contact's resources; False when ``change`` is not to be shown:
        from someone not in the roster, a resource beyond ``MAX_RESOURCES``, or
        "offline" for a resource not shown online (at login the server answers
        with one for every offline contact: 5,000 events that would change nothing)."""
        if change.jid not in self.contacts:
            return False
        if not change.resource:
            if change.show is not Show.OFFLINE:
                self._bare_online.add(change.jid)
            elif change.jid in self._bare_online:
                self._bare_online.discard(change.jid)
            else:
                return False
            return True
        online = self.resources.get(change.jid)
        if change.show is Show.OFFLINE:
            if online is None or change.resource not in online:
                return False
            online.discard(change.resource)
            if not online:
                del self.resources[change.jid]
            return True
        if online is None:
            online = self.resources[change.jid] = set()
        elif change.resource not in online and len(online) >= MAX_RESOURCES:
            return False
        online.add(change.resource)
        return True

    @guarded
    def _trim_slixmpp_roster(self, presence: Any) -> None:
        """Keep in slixmpp's roster what we keep: contacts, and their tracked resources."""
        _forget_other_rosters(presence)
        node = _own_roster(presence)
        bare = str(presence["from"].bare)
        if node is None or not bare:
            return
        if bare not in self.contacts:
            del node[bare]  # what slixmpp made up for a stranger
            return
        item = node[bare]
        kept = self.resources.get(bare, set())
        for resource in [r for r in item.resources if r not in kept]:
            del item.resources[resource]

    # ----------------------------------------------------------- blocking
    async def _load_blocklist(self, client: XmppClient) -> None:
        """XEP-0191 at login: ask only if the server says it supports blocking.

        Fetching the list also subscribes this resource to blocking pushes.
        """
        disco = client.make_iq_get(queryxmlns=translate.NS_DISCO_INFO, ito=client.boundjid.domain)
        features = translate.disco_features(await request(client, disco, QUERY_TIMEOUT))
        self.blocking_supported = translate.NS_BLOCKING in features
        if not self.blocking_supported:
            return
        query = client.make_iq_get()
        ET.SubElement(query.xml, f"{{{translate.NS_BLOCKING}}}blocklist")
        result = await request(client, query, QUERY_TIMEOUT)
        jids = translate.blocklist_jids(result)
        self.blocked = set(jids)
        self._emit(BlocklistReceived(jids))

    @guarded
    def _on_blocking_push(self, iq: Any) -> None:
        push = translate.blocking_push(iq, self._own)
        if push is None:
            log.warning("ignored a blocking push from %s", iq["from"])
            _refuse(iq)
            return
        iq.reply().send()  # every iq set gets an answer (RFC 6120 8.2.3)
        action, jids = push
        if action == "block":
            self.blocked.update(jids)
            self._emit(BlocklistChanged(blocked=jids))
            return
        unblocked = jids or tuple(sorted(self.blocked))  # empty <unblock/>: everything
        self.blocked.difference_update(unblocked)
        self._emit(BlocklistChanged(unblocked=unblocked))


def _forget_other_rosters(stanza: Any) -> None:
    """slixmpp makes a whole roster node for every JID a presence comes from or
    goes to (only a component has more than one): drop all but our own."""
    client = getattr(stanza, "stream", None)
    rosters = getattr(getattr(client, "roster", None), "_rosters", None)
    if client is None or not isinstance(rosters, dict) or len(rosters) <= 1:
        return
    own = str(client.boundjid.bare)
    for owner in [o for o in rosters if o != own]:
        del rosters[owner]


def _own_roster(stanza: Any) -> Any:
    client = getattr(stanza, "stream", None)
    rosters = getattr(getattr(client, "roster", None), "_rosters", None)
    if client is None or not isinstance(rosters, dict):
        return None
    return rosters.get(str(client.boundjid.bare))


def _roster_unchanged(client: XmppClient, query: ET.Element) -> bool:
    """Roster versioning (RFC 6121 2.6.3): an empty result means "as you had it"."""
    versioned = "rosterver" in client.features
    return versioned and query.get("ver") is None and len(query) == 0


_SLIXMPP_SUBSCRIPTIONS = frozenset({"to", "from", "both", "none", "remove"})


def _update_slixmpp_roster(
    client: XmppClient, version: str | None, items: list[translate.RosterItem]
) -> None:
    """What slixmpp's own handler does with a roster result (``_handle_roster``),
    in one pass: the version for the next request, and an item per contact."""
    node = client.client_roster
    if version:
        node.version = version
    for item in items:
        if item.subscription not in _SLIXMPP_SUBSCRIPTIONS:
            continue
        if item.subscription == "remove":
            del node[item.jid]
            continue
        afrom = item.subscription in ("from", "both")
        ato = item.subscription in ("to", "both")
        pending_out = item.ask == "subscribe"
        if not node.has_jid(item.jid):
            node.add(
                item.jid, item.name, list(item.groups), afrom, ato, False, pending_out, save=True
            )
            continue
        entry = node[item.jid]  # keeps what presence told it (pending_in, resources)
        entry["name"] = item.name
        entry["groups"] = list(item.groups)
        entry["from"] = afrom
        entry["to"] = ato
        entry["pending_out"] = pending_out
        entry.save()


class _Once:
    """Call ``action`` once: at the first call, or when the armed timer fires."""

    def __init__(self, action: Callable[[], None]) -> None:
        self._action: Callable[[], None] | None = action
        self._timer: asyncio.TimerHandle | None = None

    def arm(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self._timer = loop.call_later(delay, self)

    def __call__(self) -> None:
        action = self._action
        self.cancel()
        if action is not None:
            action()

    def cancel(self) -> None:
        self._action = None
        if self._timer is not None:
            self._timer.cancel()


def _refuse(iq: Any) -> None:
    """Answer a forged push the way slixmpp answers a forged roster push."""
    reply = iq.reply()
    reply["type"] = "error"
    reply["error"]["type"] = "cancel"
    reply["error"]["condition"] = "service-unavailable"
    reply.send()
