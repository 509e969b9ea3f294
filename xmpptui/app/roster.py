"""Roster flows of the app: friend requests, subscriptions, blocking, contact commands.

Part of the app coordinator (which alone may cross layers): ``XmppTuiApp``
inherits these. Session events update the roster pane; roster commands
(slash commands, roster keys, dialogs, the palette) become session calls.
"""

from __future__ import annotations

from typing import Any

from xmpptui.app.account import AccountFlows
from xmpptui.ui import commands
from xmpptui.ui.screens.main import MainScreen
from xmpptui.xmpp import events as ev

#: Friend requests arriving within this many seconds share one notification.
REQUEST_NOTICE_DELAY = 0.5

#: Friend requests listed at once; more (a flood) wait on the server, which sends
#: pending requests again at every login.
MAX_REQUESTS = 500

_CHANGES = {
    "subscribed": "{name} accepted your request: you now see their presence.",
    "unsubscribed": "{name} denied your request or stopped sharing their presence with you.",
    "unsubscribe": "{name} no longer follows your presence.",
}


class RosterFlows(AccountFlows):
    """The roster side of :class:`xmpptui.app.XmppTuiApp` (state set by its ``__init__``)."""

    _blocked: set[str]
    _unread: dict[str, int]
    _new_requests: list[str]
    _requests_overflowed = False  # said that more than MAX_REQUESTS are not listed

    # ------------------------------------------------------------ events
    async def _ev_subscription_requested(self, event: ev.SubscriptionRequested) -> None:
        roster = self._main.roster
        pending = roster.requests()
        if event.jid in pending:
            return  # the server re-sends pending requests at every login
        if len(pending) >= MAX_REQUESTS:  # a flood: say so once, keep nothing
            if not self._requests_overflowed:
                self._requests_overflowed = True
                self._notice(
                    f"More than {MAX_REQUESTS} friend requests: the others are not listed. "
                    "They stay pending on the server, which sends them again at the next login.",
                    "warning",
                )
            return
        self._requests_overflowed = False
        roster.add_request(event.jid, event.nick, event.status)
        if not self._new_requests:
            self.set_timer(REQUEST_NOTICE_DELAY, self._announce_requests)
        self._new_requests.append(event.jid)

    def _announce_requests(self) -> None:
        """One notification for a burst of friend requests, however large."""
        jids, self._new_requests = self._new_requests, []
        if len(jids) == 1:
            text = f"{jids[0]} wants to add you. Answer in the roster (Enter), /accept or /deny."
        else:
            text = f"{len(jids)} new friend requests: see 'Friend requests' in the roster."
        self._notice(text)

    async def _ev_subscription_changed(self, event: ev.SubscriptionChanged) -> None:
        template = _CHANGES.get(event.change)
        if template:
            name = self._main.roster.display_name(event.jid)
            self._notice(
                template.format(name=f"{name} ({event.jid})" if name != event.jid else name)
            )

    async def _ev_blocklist_received(self, event: ev.BlocklistReceived) -> None:
        self._blocked = set(event.jids)

    async def _ev_blocklist_changed(self, event: ev.BlocklistChanged) -> None:
        self._blocked |= set(event.blocked)
        self._blocked -= set(event.unblocked)
        for jid in event.blocked:
            self._main.roster.remove_request(jid)
            self._main.tabs.console.add_notice(f"Blocked {jid}.")
        for jid in event.unblocked:
            self._main.tabs.console.add_notice(f"Unblocked {jid}.")

    async def _ev_client_info(self, event: ev.ClientInfoReceived) -> None:
        name = " ".join(part for part in (event.name, event.version) if part)
        if event.os:
            name += f" ({event.os})"
        self._main.roster.set_client(event.jid, event.resource, name)

    # ------------------------------------------------------------ unread
    def _add_unread(self, peer: str, count: int) -> None:
        self._unread[peer] = self._unread.get(peer, 0) + count
        self._main.roster.set_unread(peer, self._unread[peer])
        self._main.tabs.set_unread(peer, self._unread[peer])

    def on_tabbed_content_tab_activated(self, _event: Any) -> None:
        peer = self._main.tabs.active_peer
        if peer is not None and self._unread.pop(peer, 0):
            self._main.roster.set_unread(peer, 0)
            self._main.tabs.set_unread(peer, 0)

    # ---------------------------------------------------------- commands
    def _roster_command(self, command: commands.Command) -> bool:
        """Carry out a contact command; False if ``command`` is not one."""
        session = self.session
        roster = self._main.roster
        if isinstance(command, commands.BlockedCommand):
            from xmpptui.ui.screens.blocked import BlockedScreen  # loaded when first shown

            self.push_screen(BlockedScreen(sorted(self._blocked)), self._unblock_chosen)
            return True
        if not isinstance(
            command,
            commands.AddCommand
            | commands.AcceptCommand
            | commands.DenyCommand
            | commands.RemoveCommand
            | commands.RenameCommand
            | commands.GroupCommand
            | commands.BlockCommand
            | commands.UnblockCommand,
        ):
            return False
        if session is None:
            self._notice("Not connected: log in first.", "warning")
            return True
        jid = command.jid
        contact = roster.contact(jid)
        match command:
            case commands.AddCommand(name=name):
                session.add_contact(jid, name)
                self._notice(f"Asked {jid} to share their presence; pending until they answer.")
            case commands.AcceptCommand():
                session.accept_subscription(jid)
                roster.remove_request(jid)
                self._notice(f"Accepted {jid}; asked them to share their presence back.")
            case commands.DenyCommand():
                session.deny_subscription(jid)
                roster.remove_request(jid)
                self._notice(f"Denied {jid}.")
            case commands.RemoveCommand():
                session.remove_contact(jid)
            case commands.RenameCommand(name=name):
                session.update_contact(jid, name, contact.groups if contact else ())
            case commands.GroupCommand(group=group):
                groups = tuple(g.strip() for g in group.split(",") if g.strip())
                session.update_contact(jid, contact.name if contact else "", groups)
            case commands.BlockCommand():
                session.block(jid)
            case commands.UnblockCommand():
                session.unblock(jid)
        return True

    def _unblock_chosen(self, jid: str | None) -> None:
        if jid:
            self._roster_command(commands.UnblockCommand(jid))

    def on_main_screen_details_shown(self, event: MainScreen.DetailsShown) -> None:
        if self.session is not None:
            self.session.request_client_info(event.jid)
