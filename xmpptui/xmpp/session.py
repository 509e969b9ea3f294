"""The one XMPP session of the app: a slixmpp ``ClientXMPP`` behind a small API.

Handlers are small synchronous functions: translate the stanza (pure,
``translate``), decide whether it is allowed, put a dataclass event on the
queue. slixmpp swallows handler exceptions, so each handler guards itself and
reports failures as :class:`ErrorOccurred`.

The client is created in :meth:`XmppSession.start`, inside the running loop,
so Textual and slixmpp share one asyncio loop. Contacts live in
``roster_state`` (inbound) and ``roster_ops`` (operations); messages in
``messaging`` (and ``archive``, MAM); client set-up in ``connection``; the
link's events and the reconnect policy in ``link``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from xmpptui.models import ChatMessage, ChatState, Show
from xmpptui.xmpp import registration
from xmpptui.xmpp.background import Background
from xmpptui.xmpp.client import Timing, XmppClient
from xmpptui.xmpp.connection import ConnectionSettings, build_client
from xmpptui.xmpp.events import Disconnected, SessionEvent
from xmpptui.xmpp.link import LinkHandlers
from xmpptui.xmpp.messaging import Messaging
from xmpptui.xmpp.regform import RegistrationError
from xmpptui.xmpp.roster_ops import RosterOps
from xmpptui.xmpp.roster_state import RosterTracker
from xmpptui.xmpp.xmlconsole import XmlConsole
from xmpptui.xmpp.xmltext import xml_text

__all__ = ["ConnectionSettings", "XmppSession"]

log = logging.getLogger(__name__)


class XmppSession(LinkHandlers):
    """One account's connection. Satisfies :class:`xmpptui.xmpp.api.Session`.
    How it reacts to its link (failures, certificates, drops, backoff): ``link``."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        timing: Timing | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._timing = timing or Timing()
        self._rng = rng
        self._queue: asyncio.Queue[SessionEvent | None] = asyncio.Queue()
        self._client: XmppClient | None = None
        self._show = Show.AVAILABLE
        self._status = ""
        self._closing = False
        self._stopped = False  # a fatal problem: no automatic reconnect
        self._online = False
        self._last_failure = ""
        self._attempt = 0  # automatic attempts since the last success
        self._oversized = 0  # streams dropped for an oversized stanza since /reconnect
        self._retry: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._probe: asyncio.Future[None] | None = None
        self._stream_closing: asyncio.Future[None] | None = None
        self._parked = False  # the user chose Show.OFFLINE: stay disconnected
        self._online_choice = (Show.AVAILABLE, "")  # what to be when back
        self._background = Background(self._emit)
        self._roster = RosterTracker(settings.jid, self._background)
        self._ops = RosterOps(settings.jid, self._online_client, self._roster, self._background)
        self._messaging = Messaging(
            settings.jid, self._online_client, self._background, self._roster.shares_presence
        )
        self._xml = XmlConsole(self._emit, lambda: self._client)

    # ----------------------------------------------------------------- API
    @property
    def bare_jid(self) -> str:
        return self._settings.jid

    @property
    def client(self) -> XmppClient | None:
        """The underlying slixmpp client (tests and the session layer only)."""
        return self._client

    async def events(self) -> AsyncIterator[SessionEvent]:
        while (event := await self._queue.get()) is not None:
            yield event

    @property
    def resource(self) -> str:
        return self._settings.resource

    @property
    def online(self) -> bool:
        """The stream is up and the session started (or resumed)."""
        return self._online

    @property
    def reconnect_pending(self) -> bool:
        """An automatic reconnect is scheduled."""
        return self._retry is not None

    async def start(self) -> None:
        if not self._parked:
            self._connect()

    def reconnect_now(self, resource: str | None = None) -> None:
        """Connect again at once (``/reconnect``), optionally with another resource.

        This is the only way back after a fatal error such as a resource
        conflict: the user decides.
        """
        self._cancel_retry()
        self._stopped = False
        self._attempt = 0
        self._oversized = 0
        if self._parked:  # back from a chosen "offline", as what we were before
            self._parked = False
            if self._show is Show.OFFLINE:
                self._show, self._status = self._online_choice
        if resource and resource != self._settings.resource:
            self._settings = dataclasses.replace(self._settings, resource=resource)
            self._discard_client()
        elif self._client is not None and (self._online or self._client.transport is not None):
            self._discard_client()
        self._connect()

    async def change_password(self, new_password: str) -> None:
        """Change the account's password on the server (XEP-0077).

        Raises ``RegistrationError`` (one sentence) when the server refuses or
        we are offline. Later reconnects use the new password.
        """
        client = self._client
        if client is None or not self._online:
            raise RegistrationError("Not connected: the password was not changed.")
        await registration.change_password(client, new_password)
        self._settings = dataclasses.replace(self._settings, password=new_password)

    def watch_xml(self, on: bool) -> None:
        """Report the raw stream as ``XmlTraffic`` events (redacted) while ``on``."""
        self._xml.watch(on)

    def trust_keys(self, pins: tuple[str, ...]) -> None:
        """Connect again, trusting exactly these public keys (trust once / pin)."""
        self._settings = dataclasses.replace(self._settings, pins=pins)
        self._discard_client()
        self.reconnect_now()

    def _connect(self) -> None:
        if self._closing:
            return
        if self._client is None:
            self._client = self._build_client()
        settings = self._settings
        if settings.host and settings.port:
            self._client.connect(settings.host, settings.port)
        else:
            self._client.connect()

    def _discard_client(self) -> None:
        """Drop the current stream without reconnecting (a fresh one follows)."""
        client, self._client = self._client, None
        self._online = False
        self._stop_keepalive()
        if client is not None:
            client.del_event_handler("disconnected", self._on_disconnected)
            client.cancel_connection_attempt()
            client.abort()

    # ------------------------------------------------ messages (messaging)
    def send_message(self, to: str, body: str, *, id: str | None = None) -> ChatMessage:
        return self._messaging.send_message(to, xml_text(body), id=id)

    def correct_message(self, to: str, original_id: str, body: str) -> ChatMessage:
        return self._messaging.correct_message(to, original_id, xml_text(body))

    def send_chat_state(self, to: str, state: ChatState) -> None:
        self._messaging.send_chat_state(to, state)

    def fetch_archive(
        self,
        peer: str | None,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        start: datetime | None = None,
        limit: int = 100,
    ) -> None:
        self._messaging.archive.fetch(
            peer, after_id=after_id, before_id=before_id, start=start, limit=limit
        )

    def set_presence(self, show: Show, status: str = "") -> None:
        """Broadcast a presence. ``Show.OFFLINE`` disconnects and stays so until
        the next online show (or ``reconnect_now``), which connects again."""
        if self._show is not Show.OFFLINE:
            self._online_choice = (self._show, self._status)
        self._show, self._status = show, xml_text(status)
        if show is Show.OFFLINE:
            self._go_offline()
        elif self._parked:
            self.reconnect_now()  # sends this presence at session start
        elif self._client is not None and self._online:
            self._send_presence()

    def _go_offline(self) -> None:
        """Unavailable presence, close the stream, and no automatic reconnect."""
        if self._parked:
            return
        self._parked = True
        self._stop_reconnecting()
        client = self._client
        if client is None:
            return
        if self._online:
            self._send_presence()  # unavailable, with the status
            self._stream_closing = asyncio.ensure_future(_close_stream(client))
        else:
            client.abort()  # half-way through a login: nothing to say

    # ------------------------------------------------ contacts (roster_ops)
    def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = ()) -> None:
        self._ops.add_contact(jid, xml_text(name), tuple(xml_text(g) for g in groups))

    def remove_contact(self, jid: str) -> None:
        self._ops.remove_contact(jid)

    def update_contact(self, jid: str, name: str, groups: tuple[str, ...]) -> None:
        self._ops.update_contact(jid, xml_text(name), tuple(xml_text(g) for g in groups))

    def accept_subscription(self, jid: str) -> None:
        self._ops.accept_subscription(jid)

    def deny_subscription(self, jid: str) -> None:
        self._ops.deny_subscription(jid)

    def block(self, jid: str) -> None:
        self._ops.block(jid)

    def unblock(self, jid: str) -> None:
        self._ops.unblock(jid)

    def request_client_info(self, jid: str) -> None:
        self._ops.request_client_info(jid)

    async def close(self) -> None:
        self._closing = True
        self._cancel_retry()
        self._stop_keepalive()
        if self._probe is not None:
            self._probe.cancel()
        self._background.cancel_all()
        client = self._client
        if client is not None:
            client.cancel_connection_attempt()
            if self._online:
                client.send_presence(ptype="unavailable")
                await _close_stream(client)
            else:
                client.abort()
        self._online = False
        self._queue.put_nowait(None)

    # ----------------------------------------------------------- internals
    def _emit(self, event: SessionEvent) -> None:
        if not self._closing or isinstance(event, Disconnected):
            self._queue.put_nowait(event)

    def _build_client(self) -> XmppClient:
        client = build_client(
            self._settings,
            on_attempts_exhausted=self._on_attempts_exhausted,
            on_pin_mismatch=self._on_pin_mismatch,
        )
        handlers: dict[str, Callable[..., Any]] = {
            "connecting": self._on_connecting,
            "connection_failed": self._on_connection_failed,
            "ssl_invalid_chain": self._on_invalid_certificate,
            "failed_all_auth": self._on_auth_failed,
            "session_start": self._on_session_start,
            "session_resumed": self._on_session_resumed,
            "stream_error": self._on_stream_error,
            "disconnected": self._on_disconnected,
            **self._roster.handlers(),  # roster, presence, subscriptions, blocking
        }
        for name, handler in handlers.items():
            client.add_event_handler(name, handler)
        client.on_stanza_too_big = self._on_stanza_too_big
        self._messaging.install(client)  # messages, receipts, carbons, archive results
        self._xml.install(client)  # the XML console's tap, while it is open
        return client

    def _send_presence(self) -> None:
        assert self._client is not None
        if self._show is Show.OFFLINE:
            self._client.send_presence(ptype="unavailable", pstatus=self._status or None)
            return
        show = None if self._show is Show.AVAILABLE else self._show.value
        self._client.send_presence(
            pshow=show, pstatus=self._status or None, ppriority=self._settings.clamped_priority
        )

    def _online_client(self) -> XmppClient | None:
        return self._client if self._online else None


async def _close_stream(client: XmppClient) -> None:
    """Close the stream politely (after the send queue), or abort it."""
    try:
        await asyncio.wait_for(client.disconnect(wait=2.0), timeout=3.0)
    except (TimeoutError, asyncio.CancelledError, Exception):
        client.abort()
