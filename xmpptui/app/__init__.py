"""XmppTuiApp: wires one session, the store and the UI. No protocol logic here.

Event flow: the session puts dataclass events on its queue; one bridge worker
reads them and dispatches through ``_HANDLERS`` (one table, one handler per
event type). Handlers persist first, then update widgets. Widgets only post
intents (``MainScreen.SendRequested``...); the app turns them into session calls.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import aclosing
from pathlib import Path
from typing import Any, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from xmpptui import heap
from xmpptui.app.account import (
    AccountFlows,
    PinSaver,
    PresenceSaver,
    Registrar,
    SessionFactory,
)
from xmpptui.app.archive import ArchiveFlows
from xmpptui.app.bursts import ToastGate, runs
from xmpptui.app.messaging import KEPT_IN_TAB, batchable
from xmpptui.app.xmlconsole import XmlConsoleFlows
from xmpptui.models import (
    ConnectionState,
    ResourcePresence,
    Show,
)
from xmpptui.store.credentials import PasswordSource
from xmpptui.store.history import AsyncHistory
from xmpptui.ui import commands, textual_fixes
from xmpptui.ui.screens.main import MainScreen
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.api import Session

log = logging.getLogger(__name__)


class XmppTuiApp(XmlConsoleFlows, ArchiveFlows):
    """The xmpptui application for one account."""

    TITLE = "xmpptui"
    CSS_PATH = Path(__file__).parent.parent / "ui" / "styles" / "app.tcss"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        account: str,
        session_factory: SessionFactory,
        passwords: PasswordSource,
        *,
        history: AsyncHistory | None = None,
        presence: Show = Show.AVAILABLE,
        status: str = "",
        save_pins: PinSaver | None = None,
        save_presence: PresenceSaver | None = None,
        keymap: Mapping[str, str] | None = None,
        bell: bool = True,
        registrar: Registrar | None = None,
        register_first: bool = False,
    ) -> None:
        super().__init__()
        textual_fixes.apply()
        self.account = account
        self._session_factory = session_factory
        self._passwords = passwords
        self._history = history
        self._presence = (presence, status)
        self._save_pins = save_pins
        self._save_presence = save_presence
        self._keymap = dict(keymap or {})
        self._blocked: set[str] = set()
        self._unread: dict[str, int] = {}
        self._new_requests: list[str] = []
        self._bell = bell
        self._catching_up = False
        self._archive_exhausted: set[str] = set()
        self._held: set[str] = set()
        self._toasts = ToastGate()
        self._registrar = registrar
        self._register_first = register_first and registrar is not None
        self._password_source = ""  # keyring | command | prompt | register
        self.session: Session | None = None
        self._remember: str | None = None
        self._main = MainScreen(account)
        self._exit_code = 0
        self._handlers: dict[type[Any], Callable[[Any], Awaitable[None]]] = {
            ev.Connecting: self._ev_connecting,
            ev.SessionStarted: self._ev_session_started,
            ev.ConnectionFailed: self._ev_connection_failed,
            ev.SignedOutElsewhere: self._ev_signed_out_elsewhere,
            ev.CertificateRejected: self._ev_fatal,
            ev.CertificateUntrusted: self._ev_certificate_untrusted,
            ev.CertificateChanged: self._ev_certificate_changed,
            ev.AuthenticationFailed: self._ev_auth_failed,
            ev.StreamErrorReceived: self._ev_stream_error,
            ev.Disconnected: self._ev_disconnected,
            ev.RosterReceived: self._ev_roster,
            ev.ContactUpdated: self._ev_contact_updated,
            ev.ContactRemoved: self._ev_contact_removed,
            ev.PresenceChanged: self._ev_presence,
            ev.MessageReceived: self._ev_message,
            ev.MessageSent: self._ev_message,
            ev.ErrorOccurred: self._ev_error,
            ev.ServerNotice: self._ev_server_notice,
            ev.MessageStateChanged: self._ev_message_state,
            ev.MessageCorrected: self._ev_message_corrected,
            ev.ChatStateChanged: self._ev_chat_state,
            ev.ArchiveFetched: self._ev_archive,
            ev.SubscriptionRequested: self._ev_subscription_requested,
            ev.SubscriptionChanged: self._ev_subscription_changed,
            ev.BlocklistReceived: self._ev_blocklist_received,
            ev.BlocklistChanged: self._ev_blocklist_changed,
            ev.ClientInfoReceived: self._ev_client_info,
            ev.XmlTraffic: self._ev_xml_traffic,
        }

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux and macOS one whose input
        thread sleeps until a key comes (``ui/driver.py``: idle CPU)."""
        chosen = super().get_driver_class()
        if sys.platform == "win32":
            return chosen
        from xmpptui.ui.driver import quiet

        return quiet(chosen)

    async def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)  # [keys] in config.toml: binding id -> key
        self.set_timer(heap.FALLBACK, heap.settle)  # no roster (a prompt, an error)
        await self.push_screen(self._main)
        if self._history is not None:  # what a tab forgets, the history gives back
            self._main.tabs.keep = KEPT_IN_TAB
        self._main.show_presence(*self._presence)  # e.g. remembered in config
        self.run_worker(self._restore_tabs(), group="history")
        self.run_worker(self._login(), exclusive=True, group="login")

    async def _bridge(self, session: Session) -> None:
        """Dispatch the session's events in order; consecutive messages that already
        arrived come as one run (one transaction, one redraw: ``_ev_messages``)."""
        async with aclosing(runs(session.events(), batchable)) as taken:
            async for run in taken:
                event = run[0]
                try:
                    if batchable(event):
                        await self._ev_messages(run)
                    elif (handler := self._handlers.get(type(event))) is not None:
                        await handler(event)
                    else:
                        log.warning("no handler for %s", type(event).__name__)
                except Exception:  # one bad event must not kill the bridge
                    log.exception("handling %s failed", type(event).__name__)

    # ------------------------------------------------------- session events
    async def _ev_connecting(self, event: ev.Connecting) -> None:
        where = f"{event.host}:{event.port}" if event.host else ""
        self._set_state(ConnectionState.CONNECTING, f"connecting to {where}" if where else "")

    async def _ev_session_started(self, event: ev.SessionStarted) -> None:
        self._set_state(ConnectionState.ONLINE, "")
        if event.resumed:
            self.main.tabs.console.add_notice(f"Reconnected: the session {event.full_jid} resumed.")
        else:
            self.main.roster.clear_presence()  # a fresh session re-sends every presence
            self.main.tabs.console.add_notice(f"Connected as {event.full_jid}.")
        if self._remember is not None:
            password, self._remember = self._remember, None
            problem = await self._passwords.remember(password)
            if problem:
                self._notice(problem, "warning")
            else:
                self._password_source = "remembered"
        await self._after_login(event.resumed)

    async def _ev_connection_failed(self, event: ev.ConnectionFailed) -> None:
        detail = event.reason
        if event.retry_at is not None:  # the time first: the status line may be cut
            at = event.retry_at.astimezone().strftime("%H:%M:%S")
            detail = f"Next attempt at {at} (f5: now). {event.reason}"
        self._set_state(ConnectionState.CONNECTING, detail)
        self.main.tabs.console.add_notice(detail, style="yellow")
        self.main.roster.clear_presence()

    async def _ev_stream_error(self, event: ev.StreamErrorReceived) -> None:
        text = f"The server closed the connection ({event.condition})"
        text += f": {event.text}" if event.text else "."
        self._set_state(ConnectionState.OFFLINE, text)
        self._notice(text, "error")

    async def _ev_disconnected(self, event: ev.Disconnected) -> None:
        # Presence stays until we know the session will not resume (ConnectionFailed).
        if self.main.status.state is ConnectionState.ONLINE:
            self._set_state(ConnectionState.OFFLINE, "disconnected")

    async def _ev_roster(self, event: ev.RosterReceived) -> None:
        self.main.roster.set_contacts(event.contacts)
        self._retitle_tabs()
        if not heap.settled():
            self.set_timer(heap.AFTER_ROSTER, heap.settle)  # once it is drawn

    def _retitle_tabs(self) -> None:
        """Tabs restored before the roster arrived are titled by JID, and so are their
        messages: use names now (a name changed: the same)."""
        tabs = self.main.tabs
        for peer in tabs.peers:
            name = self.main.roster.display_name(peer)
            tabs.set_title(peer, name)
            if (view := tabs.log_for(peer)) is not None:
                view.rename(peer, name)

    async def _ev_contact_updated(self, event: ev.ContactUpdated) -> None:
        self.main.roster.update_contact(event.contact)
        self._retitle_tabs()

    async def _ev_contact_removed(self, event: ev.ContactRemoved) -> None:
        self.main.roster.remove_contact(event.jid)

    async def _ev_presence(self, event: ev.PresenceChanged) -> None:
        presence = ResourcePresence(event.resource, event.show, event.status, event.priority)
        self.main.roster.update_presence(event.jid, presence)
        if event.client and event.show is not Show.OFFLINE:
            self.main.roster.set_client(event.jid, event.resource, event.client)

    async def _ev_error(self, event: ev.ErrorOccurred) -> None:
        self._notice(event.text, "error")

    async def _ev_server_notice(self, event: ev.ServerNotice) -> None:
        """Our server (or account) speaking: the console, never a chat tab."""
        self._notice(f"Notice from {event.sender or 'the server'}: {event.text}", "warning")

    # -------------------------------------------------------------- intents
    async def on_main_screen_presence_requested(self, event: MainScreen.PresenceRequested) -> None:
        self._presence = (event.show, event.status)
        if self.session is not None:
            self.session.set_presence(event.show, event.status)
        if self._save_presence is not None and event.show is not Show.OFFLINE:
            try:
                await self._save_presence(event.show, event.status)
            except Exception as error:  # an unwritable config must not break presence
                log.warning("could not remember the presence: %s", error)

    def on_main_screen_command_requested(self, event: MainScreen.CommandRequested) -> None:
        command = event.command
        if isinstance(command, commands.ReconnectCommand):
            if self.session is None:
                self._notice("Log in first.", "warning")
                return
            self._set_state(ConnectionState.CONNECTING, "reconnecting")
            self.session.reconnect_now()
            return
        if isinstance(command, commands.PasswdCommand):
            self.run_worker(self._change_password(), exclusive=True, group="passwd")
            return
        if self._roster_command(command) or self._message_command(command):
            return
        name = type(command).__name__.removesuffix("Command").lower()
        self._notice(f"/{name} is not available yet.", "warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Change password",
            "Change the account's password on the server (/passwd)",
            lambda: self._run_command(commands.PasswdCommand()),
        )
        yield SystemCommand(
            "Add contact", "Add a contact (/add JID [name])", self.main.ask_add_contact
        )
        yield SystemCommand(
            "Blocked contacts",
            "Show the blocked list and unblock (/blocked)",
            lambda: self._run_command(commands.BlockedCommand()),
        )
        yield SystemCommand(
            "Set status message", "Change the status text (f4)", self.main.ask_status_message
        )
        yield SystemCommand(
            "Reconnect",
            "Connect again now (/reconnect, f5)",
            lambda: self._run_command(commands.ReconnectCommand()),
        )

    def _run_command(self, command: commands.Command) -> None:
        self.main.post_message(MainScreen.CommandRequested(command))

    async def on_main_screen_quit_requested(self, _event: MainScreen.QuitRequested) -> None:
        await self.action_quit()

    async def action_quit(self) -> None:
        """Send unavailable presence, close the stream, then exit."""
        await self._save_tabs()
        session, self.session = self.session, None
        if session is not None:
            await session.close()
        self.exit(self._exit_code if self.main.status.state is not ConnectionState.ONLINE else 0)


__all__ = [
    "AccountFlows",
    "PinSaver",
    "PresenceSaver",
    "Registrar",
    "SessionFactory",
    "XmppTuiApp",
]
