"""How the session reacts to its link: connection attempts and failures,
certificates, authentication, stream errors, coming online, drops, and when to
try again (backoff) or keep quiet (a fatal problem, the user's choice).

A mixin of :class:`~xmpptui.xmpp.session.XmppSession`, which owns the state
declared below and calls these handlers from slixmpp's events.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from xmpptui.models import CertificateInfo
from xmpptui.xmpp.background import guarded
from xmpptui.xmpp.client import FATAL_STREAM_ERRORS, MAX_STANZA_BYTES, Timing, XmppClient
from xmpptui.xmpp.connection import ConnectionSettings, probe_certificate, unreachable, watch_link
from xmpptui.xmpp.events import (
    AuthenticationFailed,
    CertificateChanged,
    Connecting,
    ConnectionFailed,
    Disconnected,
    ErrorOccurred,
    SessionEvent,
    SessionStarted,
    SignedOutElsewhere,
    StreamErrorReceived,
)
from xmpptui.xmpp.messaging import Messaging
from xmpptui.xmpp.roster_state import RosterTracker

log = logging.getLogger(__name__)


class LinkHandlers:
    """The link's events and the reconnect policy (mixed into ``XmppSession``)."""

    _settings: ConnectionSettings
    _timing: Timing
    _rng: Callable[[], float]
    _client: XmppClient | None
    _online: bool
    _closing: bool
    _stopped: bool
    _attempt: int
    _oversized: int
    _last_failure: str
    _retry: asyncio.TimerHandle | None
    _keepalive: asyncio.Task[None] | None
    _probe: asyncio.Future[None] | None
    _roster: RosterTracker
    _messaging: Messaging

    def _emit(self, event: SessionEvent) -> None:
        raise NotImplementedError

    def _connect(self) -> None:
        raise NotImplementedError

    def _send_presence(self) -> None:
        raise NotImplementedError

    def _stop_reconnecting(self) -> None:
        self._stopped = True
        self._cancel_retry()
        if self._client is not None:
            self._client.cancel_connection_attempt()

    # ----------------------------------------------------- reconnect policy
    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _schedule_retry(self, reason: str) -> None:
        """Try again after the next backoff delay, and say when."""
        if self._closing or self._stopped or self._retry is not None:
            return
        delay = self._timing.backoff(self._attempt, self._rng)
        self._attempt += 1
        loop = asyncio.get_running_loop()
        self._retry = loop.call_later(delay, self._retry_now)
        at = datetime.now(UTC) + timedelta(seconds=delay)
        self._emit(ConnectionFailed(reason, retry_in=delay, retry_at=at))

    def _retry_now(self) -> None:
        self._retry = None
        if not (self._closing or self._stopped):
            self._connect()

    def _on_attempts_exhausted(self) -> None:
        self._schedule_retry(self._last_failure or "Cannot reach the server.")

    # ------------------------------------------------------------ keepalive
    def _start_keepalive(self) -> None:
        self._stop_keepalive()
        if self._timing.keepalive > 0 and self._client is not None:
            self._keepalive = asyncio.ensure_future(self._keepalive_loop(self._client))

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    async def _keepalive_loop(self, client: XmppClient) -> None:
        await watch_link(client, self._timing)  # returns when a ping got no answer
        if client is self._client and self._online:
            log.info("keepalive ping timed out; dropping the link")
            self._last_failure = "The server stopped answering."
            client.abort()

    # -------------------------------------------------------------- handlers
    @guarded
    def _on_connecting(self, _event: Any) -> None:
        self._emit(Connecting(self._settings.host or "", self._settings.port or 0))

    @guarded
    def _on_connection_failed(self, error: Any) -> None:
        if isinstance(error, ssl.SSLCertVerificationError):
            self._on_invalid_certificate(error)
            return
        self._last_failure = unreachable(self._settings, error)

    @guarded
    def _on_invalid_certificate(self, error: Any) -> None:
        self._stop_reconnecting()
        detail = getattr(error, "verify_message", None) or getattr(error, "reason", None)
        reason = "The server's certificate is not trusted"
        reason += f" ({detail})." if detail else "."
        if self._client is not None:
            self._client.abort()
        self._probe = asyncio.ensure_future(self._probe_certificate(reason))

    async def _probe_certificate(self, reason: str) -> None:
        """Fetch the certificate (no auth) so the user can decide whether to trust it."""
        self._emit(await probe_certificate(self._settings, reason))

    def _on_pin_mismatch(self, info: CertificateInfo | None) -> None:
        """The PinGuard already aborted the connection (in connection_made)."""
        self._stop_reconnecting()
        domain = self._settings.jid.partition("@")[2]
        self._emit(CertificateChanged(info, self._settings.pins, domain))

    @guarded
    def _on_auth_failed(self, _event: Any = None) -> None:
        self._stop_reconnecting()
        self._emit(
            AuthenticationFailed(f"The server rejected the password for {self._settings.jid}.")
        )

    @guarded
    def _on_session_start(self, _event: Any) -> None:
        client = self._came_online(resumed=False)
        # Our presence goes once the roster is in (RFC 6121 2.2), see session_started.
        self._roster.session_started(client, then=lambda: self._initial_presence(client))
        self._messaging.session_started(client)  # carbons on before our presence goes out

    @guarded
    def _initial_presence(self, client: XmppClient) -> None:
        if client is self._client and self._online:
            self._send_presence()

    @guarded
    def _on_session_resumed(self, _event: Any) -> None:
        self._came_online(resumed=True)  # roster, presence and blocklist as they were

    def _came_online(self, *, resumed: bool) -> XmppClient:
        assert self._client is not None
        self._online = True
        self._attempt = 0
        self._last_failure = ""
        self._emit(SessionStarted(str(self._client.boundjid.full), resumed=resumed))
        self._start_keepalive()
        return self._client

    @guarded
    def _on_stream_error(self, error: Any) -> None:
        condition = str(error["condition"] or "undefined-condition")
        if condition in FATAL_STREAM_ERRORS:
            self._stop_reconnecting()
        if condition == "conflict":
            full = f"{self._settings.jid}/{self._settings.resource}"
            self._emit(SignedOutElsewhere(full))
            return
        self._emit(StreamErrorReceived(condition, str(error["text"] or "")))

    @guarded
    def _on_stanza_too_big(self) -> None:
        """The client is about to drop the stream: one automatic retry, not a storm."""
        self._oversized += 1
        self._last_failure = (
            f"The server sent a stanza larger than {MAX_STANZA_BYTES // 2**20} MiB, "
            "so the connection was dropped."
        )
        if self._oversized > 1:  # again after the retry: the user decides
            self._stop_reconnecting()
            again = "Not reconnecting: /reconnect (f5) tries again."
            self._emit(ErrorOccurred(f"{self._last_failure} {again}"))

    @guarded
    def _on_disconnected(self, reason: Any) -> None:
        was_online = self._online
        self._online = False
        self._stop_keepalive()
        self._emit(Disconnected(str(reason or "")))
        if not was_online and not self._last_failure:
            self._last_failure = "The server closed the connection."
        self._schedule_retry(self._last_failure or "The connection was lost.")
