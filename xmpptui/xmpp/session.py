"""The one XMPP session of the app: a slixmpp ``ClientXMPP`` behind a small API.

Handlers are small synchronous functions: translate the stanza (pure,
``translate``), decide whether it is allowed, put a dataclass event on the
queue. slixmpp swallows handler exceptions, so each handler guards itself and
reports failures as :class:`ErrorOccurred`.

The client is created in :meth:`XmppSession.start`, inside the running loop,
so Textual and slixmpp share one asyncio loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import random
import ssl
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout

from xmpptui.models import CertificateInfo, ChatMessage, Show
from xmpptui.xmpp import registration, tls, translate
from xmpptui.xmpp.client import DIRECT_TLS_PORT, FATAL_STREAM_ERRORS, Timing, XmppClient
from xmpptui.xmpp.events import (
    AuthenticationFailed,
    CertificateChanged,
    CertificateRejected,
    CertificateUntrusted,
    Connecting,
    ConnectionFailed,
    ContactRemoved,
    ContactUpdated,
    Disconnected,
    ErrorOccurred,
    MessageReceived,
    MessageSent,
    RosterReceived,
    SessionEvent,
    SessionStarted,
    SignedOutElsewhere,
    StreamErrorReceived,
)
from xmpptui.xmpp.regform import RegistrationError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where and as whom to connect. ``host``/``port`` bypass DNS SRV."""

    jid: str
    password: str
    resource: str
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    direct_tls: bool | None = None  # None: decided from the port
    pins: tuple[str, ...] = ()  # SPKI pins: when set, they decide trust, not the CA store

    def __repr__(self) -> str:  # never show the password
        return f"ConnectionSettings(jid={self.jid!r}, host={self.host!r}, port={self.port!r})"


def _guarded(method: Callable[..., None]) -> Callable[..., None]:
    """Turn an exception in a slixmpp handler into an ErrorOccurred event."""

    @functools.wraps(method)
    def wrapper(self: XmppSession, *args: Any) -> None:
        try:
            method(self, *args)
        except Exception as exc:  # slixmpp would swallow it silently
            log.exception("handler %s failed", method.__name__)
            self._emit(ErrorOccurred(f"Internal error while handling {method.__name__}: {exc}"))

    return wrapper


class XmppSession:
    """One account's connection. Satisfies :class:`xmpptui.xmpp.api.Session`."""

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
        self._retry: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._probe: asyncio.Future[None] | None = None

    # ----------------------------------------------------------------- API
    @property
    def bare_jid(self) -> str:
        return self._settings.jid

    @property
    def client(self) -> XmppClient | None:
        """The underlying slixmpp client (tests and the session layer only)."""
        return self._client

    async def events(self) -> AsyncIterator[SessionEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    @property
    def resource(self) -> str:
        return self._settings.resource

    @property
    def reconnect_pending(self) -> bool:
        """An automatic reconnect is scheduled."""
        return self._retry is not None

    async def start(self) -> None:
        self._connect()

    def reconnect_now(self, resource: str | None = None) -> None:
        """Connect again at once (``/reconnect``), optionally with another resource.

        This is the only way back after a fatal error such as a resource
        conflict: the user decides.
        """
        self._cancel_retry()
        self._stopped = False
        self._attempt = 0
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

    def send_message(self, to: str, body: str) -> ChatMessage:
        message = ChatMessage(
            id=uuid.uuid4().hex,
            peer=to,
            sender=self.bare_jid,
            body=body,
            timestamp=datetime.now(UTC),
            outgoing=True,
        )
        if self._client is not None:
            stanza = self._client.make_message(mto=to, mbody=body, mtype="chat")
            stanza["id"] = message.id
            stanza.send()
            self._emit(MessageSent(message))
        return message

    def set_presence(self, show: Show, status: str = "") -> None:
        self._show, self._status = show, status
        if self._client is None or not self._online:
            return  # sent at session start
        self._send_presence()

    async def close(self) -> None:
        self._closing = True
        self._cancel_retry()
        self._stop_keepalive()
        if self._probe is not None:
            self._probe.cancel()
        client = self._client
        if client is not None:
            client.cancel_connection_attempt()
            if self._online:
                client.send_presence(ptype="unavailable")
                try:
                    await asyncio.wait_for(client.disconnect(wait=2.0), timeout=3.0)
                except (TimeoutError, asyncio.CancelledError, Exception):
                    client.abort()
            else:
                client.abort()
        self._online = False
        self._queue.put_nowait(None)

    # ----------------------------------------------------------- internals
    def _emit(self, event: SessionEvent) -> None:
        if not self._closing or isinstance(event, Disconnected):
            self._queue.put_nowait(event)

    def _build_client(self) -> XmppClient:
        settings = self._settings
        client = XmppClient(
            f"{settings.jid}/{settings.resource}",
            settings.password,
            loop=asyncio.get_running_loop(),
        )
        client.on_attempts_exhausted = self._on_attempts_exhausted
        # Never accept or request subscriptions behind the user's back.
        client.auto_authorize = None
        client.auto_subscribe = False
        client.enable_plaintext = False
        # Never follow a see-other-host redirect by ourselves (it may come
        # before TLS, from anyone on the path).
        client.max_redirects = -1
        if settings.port:
            direct = settings.direct_tls
            if direct is None:
                direct = settings.port == DIRECT_TLS_PORT
            client.enable_direct_tls = direct
            client.enable_starttls = not direct
        if settings.pins:  # the pinned key decides, checked before any auth
            tls.PinGuard(settings.pins, self._on_pin_mismatch).install(client)
        elif settings.ca_file is not None:
            client.ca_certs = settings.ca_file
        for plugin in ("xep_0030", "xep_0199", "xep_0203"):
            client.register_plugin(plugin)
        # Stream management: resume after a dropped link when the server allows.
        client.register_plugin("xep_0198", {"allow_resume": True})
        handlers: dict[str, Callable[..., Any]] = {
            "connecting": self._on_connecting,
            "connection_failed": self._on_connection_failed,
            "ssl_invalid_chain": self._on_invalid_certificate,
            "failed_all_auth": self._on_auth_failed,
            "session_start": self._on_session_start,
            "session_resumed": self._on_session_resumed,
            "roster_update": self._on_roster_update,
            # slixmpp reports an available presence's type as its <show/>
            # ("away", "dnd"...), so listen to all presences and filter.
            "presence": self._on_presence,
            "message": self._on_message,
            "message_error": self._on_message_error,
            "stream_error": self._on_stream_error,
            "disconnected": self._on_disconnected,
        }
        for name, handler in handlers.items():
            client.add_event_handler(name, handler)
        return client

    def _send_presence(self) -> None:
        assert self._client is not None
        if self._show is Show.OFFLINE:
            self._client.send_presence(ptype="unavailable", pstatus=self._status or None)
            return
        show = None if self._show is Show.AVAILABLE else self._show.value
        self._client.send_presence(pshow=show, pstatus=self._status or None)

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
        if self._timing.keepalive > 0:
            self._keepalive = asyncio.ensure_future(self._keepalive_loop())

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    async def _keepalive_loop(self) -> None:
        """Ping the server; a ping without answer means the link is dead."""
        while self._online and self._client is not None:
            await asyncio.sleep(self._timing.keepalive)
            client = self._client
            if client is None or not self._online:
                return
            try:
                await client.plugin["xep_0199"].ping(
                    jid=JID(client.boundjid.domain), timeout=self._timing.ping_timeout
                )
            except IqTimeout:
                log.info("keepalive ping timed out; dropping the link")
                self._last_failure = "The server stopped answering."
                client.abort()
                return
            except IqError:
                pass  # an error reply still proves the link is alive

    # -------------------------------------------------------------- handlers
    @_guarded
    def _on_connecting(self, _event: Any) -> None:
        self._emit(Connecting(self._settings.host or "", self._settings.port or 0))

    @_guarded
    def _on_connection_failed(self, error: Any) -> None:
        if isinstance(error, ssl.SSLCertVerificationError):
            self._on_invalid_certificate(error)
            return
        target = self._settings.host or self._settings.jid.partition("@")[2]
        if self._settings.port:
            target = f"{target}:{self._settings.port}"
        errno = getattr(error, "errno", None)
        reason = (os.strerror(errno) if errno else "") or str(error) or "connection failed"
        self._last_failure = f"Cannot reach {target}: {reason}."

    @_guarded
    def _on_invalid_certificate(self, error: Any) -> None:
        self._stop_reconnecting()
        detail = getattr(error, "verify_message", None) or getattr(error, "reason", None)
        reason = "The server's certificate is not trusted"
        reason += f" ({detail})." if detail else "."
        if self._client is not None:
            self._client.abort()
        self._probe = asyncio.ensure_future(self._probe_certificate(reason))

    def _tls_target(self) -> tuple[str, int, bool]:
        """Where the probe goes: the explicit host/port, else the domain's default port."""
        settings = self._settings
        domain = settings.jid.partition("@")[2]
        port = settings.port or 5222
        direct = settings.direct_tls
        if direct is None:
            direct = port == DIRECT_TLS_PORT
        return settings.host or domain, port, direct

    async def _probe_certificate(self, reason: str) -> None:
        """Fetch the certificate (no auth) so the user can decide whether to trust it."""
        host, port, direct = self._tls_target()
        domain = self._settings.jid.partition("@")[2]
        try:
            der = await tls.fetch_certificate(host, port, domain, direct_tls=direct)
            info = tls.certificate_info(der)
        except (tls.CertificateProbeError, ValueError) as error:
            self._emit(CertificateRejected(f"{reason} {error}"))
            return
        self._emit(CertificateUntrusted(info, domain, reason))

    def _on_pin_mismatch(self, info: CertificateInfo | None) -> None:
        """The PinGuard already aborted the connection (in connection_made)."""
        self._stop_reconnecting()
        domain = self._settings.jid.partition("@")[2]
        self._emit(CertificateChanged(info, self._settings.pins, domain))

    @_guarded
    def _on_auth_failed(self, _event: Any = None) -> None:
        self._stop_reconnecting()
        self._emit(
            AuthenticationFailed(f"The server rejected the password for {self._settings.jid}.")
        )

    @_guarded
    def _on_session_start(self, _event: Any) -> None:
        assert self._client is not None
        self._online = True
        self._attempt = 0
        self._last_failure = ""
        self._emit(SessionStarted(str(self._client.boundjid.full)))
        self._client.get_roster(callback=self._on_roster_result)
        self._send_presence()
        self._start_keepalive()

    @_guarded
    def _on_session_resumed(self, _event: Any) -> None:
        assert self._client is not None
        self._online = True
        self._attempt = 0
        self._last_failure = ""
        self._emit(SessionStarted(str(self._client.boundjid.full), resumed=True))
        self._start_keepalive()

    @_guarded
    def _on_roster_result(self, iq: Any) -> None:
        if iq["type"] != "result":
            self._emit(ErrorOccurred(f"Could not load the roster: {translate.error_text(iq)}"))
            return
        if self._roster_unchanged(iq):
            return
        updated, _removed = translate.roster_changes(iq)
        own = self._settings.jid
        self._emit(RosterReceived(tuple(c for c in updated if c.jid != own)))

    def _roster_unchanged(self, iq: Any) -> bool:
        """Roster versioning (RFC 6121 2.6.3): an empty result means "as you had it".

        (slixmpp's own handler may already have added an empty ``<query/>``.)
        """
        query = iq.xml.find("{jabber:iq:roster}query")
        if query is None:
            return True
        client = self._client
        versioned = client is not None and "rosterver" in client.features
        return versioned and query.get("ver") is None and len(query) == 0

    @_guarded
    def _on_roster_update(self, iq: Any) -> None:
        if iq["type"] != "set":
            return  # the initial result is handled by _on_roster_result
        updated, removed = translate.roster_changes(iq)
        for contact in updated:
            if contact.jid != self._settings.jid:
                self._emit(ContactUpdated(contact))
        for jid in removed:
            self._emit(ContactRemoved(jid))

    @_guarded
    def _on_presence(self, presence: Any) -> None:
        change = translate.presence_change(presence, self._settings.jid)
        if change is not None:
            self._emit(change)

    @_guarded
    def _on_message(self, msg: Any) -> None:
        message = translate.incoming_chat(msg, self._settings.jid)
        if message is not None:
            self._emit(MessageReceived(message))

    @_guarded
    def _on_message_error(self, msg: Any) -> None:
        peer = str(msg["from"].bare) or "the server"
        self._emit(ErrorOccurred(f"Message to {peer} failed: {translate.error_text(msg)}"))

    @_guarded
    def _on_stream_error(self, error: Any) -> None:
        condition = str(error["condition"] or "undefined-condition")
        if condition in FATAL_STREAM_ERRORS:
            self._stop_reconnecting()
        if condition == "conflict":
            full = f"{self._settings.jid}/{self._settings.resource}"
            self._emit(SignedOutElsewhere(full))
            return
        self._emit(StreamErrorReceived(condition, str(error["text"] or "")))

    @_guarded
    def _on_disconnected(self, reason: Any) -> None:
        was_online = self._online
        self._online = False
        self._stop_keepalive()
        self._emit(Disconnected(str(reason or "")))
        if not was_online and not self._last_failure:
            self._last_failure = "The server closed the connection."
        self._schedule_retry(self._last_failure or "The connection was lost.")
