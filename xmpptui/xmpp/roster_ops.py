"""Roster management, friend requests, blocking and client queries (RFC 6121, XEP-0191/0092).

Every operation is fire-and-forget for the app: it never raises. Problems
(offline, an invalid address, an error reply, no answer) become one
``ErrorOccurred`` sentence; the outcome itself arrives as the usual events
(roster pushes -> ``ContactUpdated``/``ContactRemoved``, blocking pushes ->
``BlocklistChanged``, answers -> ``ClientInfoReceived``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.jid import InvalidJID

from xmpptui.xmpp import translate
from xmpptui.xmpp.background import Background, RefusedError, guarded, request
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.events import ErrorOccurred, SessionEvent
from xmpptui.xmpp.roster_state import RosterTracker

#: Seconds to wait for the server's answer to a roster or blocking request.
ROSTER_TIMEOUT = 10.0
#: Seconds to wait for a contact's client to say which software it is.
VERSION_TIMEOUT = 10.0
_UNSUPPORTED = frozenset({"feature-not-implemented", "service-unavailable"})


class BlockingUnsupportedError(Exception):
    """The server does not implement XEP-0191."""

    def __str__(self) -> str:
        return "the server does not support blocking"


def _clean_groups(groups: Iterable[str]) -> list[str]:
    return sorted({g.strip() for g in groups if g.strip()})


class RosterOps:
    """The session's contact operations. ``connected()`` gives the client when online."""

    def __init__(
        self,
        own_jid: str,
        connected: Callable[[], XmppClient | None],
        tracker: RosterTracker,
        background: Background,
    ) -> None:
        self._own = own_jid
        self._connected = connected
        self._tracker = tracker
        self._background = background

    def _emit(self, event: SessionEvent) -> None:
        self._background.emit(event)

    def _target(
        self, jid: str, failure: str, *, bare: bool = True
    ) -> tuple[XmppClient, str] | None:
        """The client and the normalised JID, or ``None`` after saying why not."""
        try:
            parsed = JID(jid.strip())
        except InvalidJID:
            parsed = JID()
        address = str(parsed.bare if bare else parsed.full)
        problem = ""
        if not address:
            problem = f'"{jid}" is not a valid address'
        elif parsed.bare == self._own:
            problem = "that is your own address"
        client = self._connected()
        if not problem and client is None:
            problem = "not connected"
        if problem or client is None:
            self._emit(ErrorOccurred(f"{failure}: {problem}."))
            return None
        return client, address

    # ------------------------------------------------------------- roster
    @guarded
    def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = ()) -> None:
        """Roster set, then ``subscribe``; with server pre-approval also ``subscribed``.

        The pre-approval (RFC 6121 3.4) lets their server-side request back be
        approved without asking again; it also approves a request they
        already sent: adding someone is agreeing to share presence with them.
        """
        target = self._target(jid, f"Could not add {jid}")
        if target is not None:
            client, bare = target
            self._background.spawn(self._add(client, bare, name, groups), f"Could not add {bare}")

    async def _add(self, client: XmppClient, bare: str, name: str, groups: tuple[str, ...]) -> None:
        await self._roster_set(client, bare, name=name.strip(), groups=_clean_groups(groups))
        contact = self._tracker.contacts.get(bare)
        already_followed = contact is not None and contact.subscription in ("from", "both")
        if "preapproval" in client.features and not already_followed:
            # RFC 6121 3.4: the server answers their request for us. Sent
            # first, so their quick "subscribe" back cannot overtake it.
            client.send_presence(pto=bare, ptype="subscribed")
        client.send_presence(pto=bare, ptype="subscribe")

    @guarded
    def remove_contact(self, jid: str) -> None:
        """Roster remove: the server cancels both subscriptions (RFC 6121 2.5.2)."""
        target = self._target(jid, f"Could not remove {jid}")
        if target is not None:
            client, bare = target
            work = self._roster_set(client, bare, subscription="remove")
            self._background.spawn(work, f"Could not remove {bare}")

    @guarded
    def update_contact(self, jid: str, name: str, groups: tuple[str, ...]) -> None:
        """Rename a contact or move it to other groups; the subscription is kept."""
        target = self._target(jid, f"Could not change {jid}")
        if target is None:
            return
        client, bare = target
        if bare not in self._tracker.contacts:
            self._emit(ErrorOccurred(f"Could not change {bare}: not in your contacts."))
            return
        work = self._roster_set(client, bare, name=name.strip(), groups=_clean_groups(groups))
        self._background.spawn(work, f"Could not change {bare}")

    async def _roster_set(
        self,
        client: XmppClient,
        bare: str,
        *,
        name: str = "",
        groups: list[str] | None = None,
        subscription: str = "",
    ) -> None:
        item: dict[str, object] = {}
        if subscription:
            item["subscription"] = subscription
        else:
            item["name"] = name
            item["groups"] = groups or []
        iq = client.make_iq_set()
        iq["roster"]["items"] = {bare: item}
        await request(client, iq, ROSTER_TIMEOUT)

    # ------------------------------------------------------ subscriptions
    @guarded
    def accept_subscription(self, jid: str) -> None:
        """Approve their request; and ask for theirs unless we follow them already."""
        target = self._target(jid, f"Could not accept {jid}")
        if target is None:
            return
        client, bare = target
        client.send_presence(pto=bare, ptype="subscribed")
        contact = self._tracker.contacts.get(bare)
        if contact is None or (contact.subscription in ("none", "from") and not contact.ask):
            # The server adds the contact to the roster (RFC 6121 3.1.2).
            client.send_presence(pto=bare, ptype="subscribe")

    @guarded
    def deny_subscription(self, jid: str) -> None:
        """Refuse their request (or stop letting them see our presence)."""
        target = self._target(jid, f"Could not deny {jid}")
        if target is not None:
            client, bare = target
            client.send_presence(pto=bare, ptype="unsubscribed")

    # ----------------------------------------------------------- blocking
    @guarded
    def block(self, jid: str) -> None:
        """Block all communication with ``jid`` (XEP-0191)."""
        self._blocking(jid, block=True)

    @guarded
    def unblock(self, jid: str) -> None:
        """Lift a block (XEP-0191)."""
        self._blocking(jid, block=False)

    def _blocking(self, jid: str, *, block: bool) -> None:
        verb = "block" if block else "unblock"
        target = self._target(jid, f"Could not {verb} {jid}", bare=False)
        if target is None:
            return
        client, address = target
        if self._tracker.blocking_supported is False:
            self._emit(ErrorOccurred(f"Could not {verb} {address}: {BlockingUnsupportedError()}."))
            return
        work = self._send_blocking(client, address, block)
        self._background.spawn(work, f"Could not {verb} {address}")

    async def _send_blocking(self, client: XmppClient, address: str, block: bool) -> None:
        iq = client.make_iq_set()
        verb = "block" if block else "unblock"
        action = ET.SubElement(iq.xml, f"{{{translate.NS_BLOCKING}}}{verb}")
        ET.SubElement(action, f"{{{translate.NS_BLOCKING}}}item", jid=address)
        try:
            await request(client, iq, ROSTER_TIMEOUT)
        except RefusedError as error:
            if error.condition in _UNSUPPORTED:
                self._tracker.blocking_supported = False
                raise BlockingUnsupportedError from None
            raise

    # --------------------------------------------------------- client info
    @guarded
    def request_client_info(self, jid: str) -> None:
        """Ask each online resource of ``jid`` for its software (XEP-0092).

        Each answer becomes a ``ClientInfoReceived``; errors and silence are
        ignored (many clients do not answer).
        """
        target = self._target(jid, f"Could not ask {jid} for its software")
        if target is None:
            return
        client, bare = target
        resources = sorted(self._tracker.resources.get(bare, ()))
        if not resources:
            self._emit(ErrorOccurred(f"{bare} has no online client to ask."))
            return
        for resource in resources:
            work = self._ask_version(client, f"{bare}/{resource}")
            self._background.spawn(work, f"Version query to {bare}/{resource}", quiet=True)

    async def _ask_version(self, client: XmppClient, full_jid: str) -> None:
        iq = client.make_iq_get(queryxmlns=translate.NS_VERSION, ito=full_jid)
        result = await request(client, iq, VERSION_TIMEOUT)
        info = translate.client_info(result)
        if info is not None and f"{info.jid}/{info.resource}" == full_jid:
            self._emit(info)
