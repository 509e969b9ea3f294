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
import functools
import logging
import ssl
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slixmpp import ClientXMPP

from xmpptui.models import ChatMessage, Show
from xmpptui.xmpp import translate
from xmpptui.xmpp.events import (
    AuthenticationFailed,
    CertificateRejected,
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
    StreamErrorReceived,
)

log = logging.getLogger(__name__)

#: Port conventionally used for direct TLS (XEP-0368) rather than STARTTLS.
DIRECT_TLS_PORT = 5223
#: Stream errors after which reconnecting would be wrong or harmful.
FATAL_STREAM_ERRORS = frozenset(
    {"conflict", "host-unknown", "not-authorized", "policy-violation", "see-other-host"}
)


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

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._queue: asyncio.Queue[SessionEvent | None] = asyncio.Queue()
        self._client: ClientXMPP | None = None
        self._show = Show.AVAILABLE
        self._status = ""
        self._closing = False
        self._stopped = False  # a fatal problem: no automatic reconnect
        self._online = False
        self._last_failure = ""

    # ----------------------------------------------------------------- API
    @property
    def bare_jid(self) -> str:
        return self._settings.jid

    @property
    def client(self) -> ClientXMPP | None:
        """The underlying slixmpp client (tests and the session layer only)."""
        return self._client

    async def events(self) -> AsyncIterator[SessionEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def start(self) -> None:
        client = self._build_client()
        self._client = client
        settings = self._settings
        if settings.host and settings.port:
            client.connect(settings.host, settings.port)
        else:
            client.connect()

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

    def _build_client(self) -> ClientXMPP:
        settings = self._settings
        client = ClientXMPP(
            f"{settings.jid}/{settings.resource}",
            settings.password,
            loop=asyncio.get_running_loop(),
        )
        # Never accept or request subscriptions behind the user's back.
        client.auto_authorize = None
        client.auto_subscribe = False
        client.enable_plaintext = False
        if settings.port:
            direct = settings.direct_tls
            if direct is None:
                direct = settings.port == DIRECT_TLS_PORT
            client.enable_direct_tls = direct
            client.enable_starttls = not direct
        if settings.ca_file is not None:
            client.ca_certs = settings.ca_file
        for plugin in ("xep_0030", "xep_0199", "xep_0203"):
            client.register_plugin(plugin)
        handlers: dict[str, Callable[..., Any]] = {
            "connecting": self._on_connecting,
            "connection_failed": self._on_connection_failed,
            "reconnect_delay": self._on_reconnect_delay,
            "ssl_invalid_chain": self._on_invalid_certificate,
            "failed_all_auth": self._on_auth_failed,
            "session_start": self._on_session_start,
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
        if self._client is not None:
            self._client.cancel_connection_attempt()

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
        reason = getattr(error, "strerror", None) or str(error) or "connection failed"
        self._last_failure = f"Cannot reach {target}: {reason}."
        self._emit(ConnectionFailed(self._last_failure))

    @_guarded
    def _on_reconnect_delay(self, delay: Any) -> None:
        if self._stopped:
            return
        reason = self._last_failure or "Cannot reach the server."
        self._emit(ConnectionFailed(reason, retry_in=float(delay)))

    @_guarded
    def _on_invalid_certificate(self, error: Any) -> None:
        self._stop_reconnecting()
        detail = getattr(error, "verify_message", None) or getattr(error, "reason", None)
        reason = "The server's certificate is not trusted"
        reason += f" ({detail})." if detail else "."
        reason += " Nothing was sent; use --ca-file for a self-hosted server."
        self._emit(CertificateRejected(reason))
        if self._client is not None:
            self._client.abort()

    @_guarded
    def _on_auth_failed(self, _event: Any = None) -> None:
        self._stop_reconnecting()
        self._emit(
            AuthenticationFailed(f"The server rejected the password for {self._settings.jid}.")
        )

    def _on_session_start(self, _event: Any) -> None:
        assert self._client is not None
        self._online = True
        self._emit(SessionStarted(str(self._client.boundjid.full)))
        self._client.get_roster(callback=self._on_roster_result)
        self._send_presence()

    @_guarded
    def _on_roster_result(self, iq: Any) -> None:
        if iq["type"] != "result":
            self._emit(ErrorOccurred(f"Could not load the roster: {translate.error_text(iq)}"))
            return
        updated, _removed = translate.roster_changes(iq)
        own = self._settings.jid
        self._emit(RosterReceived(tuple(c for c in updated if c.jid != own)))

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
        self._emit(StreamErrorReceived(condition, str(error["text"] or "")))

    @_guarded
    def _on_disconnected(self, reason: Any) -> None:
        self._online = False
        self._emit(Disconnected(str(reason or "")))
