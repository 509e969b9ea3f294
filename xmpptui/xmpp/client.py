"""The slixmpp client class the session uses, and its timing policy."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slixmpp import JID, ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

#: Port conventionally used for direct TLS (XEP-0368) rather than STARTTLS.
DIRECT_TLS_PORT = 5223


def uses_direct_tls(port: int | None, direct_tls: bool | None) -> bool:
    """Direct TLS (XEP-0368) or STARTTLS: the explicit choice, else port 5223 means direct."""
    return direct_tls if direct_tls is not None else port == DIRECT_TLS_PORT


def set_tls_mode(client: ClientXMPP, port: int | None, direct_tls: bool | None) -> None:
    """With an explicit port, use exactly one TLS mode there (never plaintext)."""
    client.enable_plaintext = False
    if port:
        direct = uses_direct_tls(port, direct_tls)
        client.enable_direct_tls = direct
        client.enable_starttls = not direct


#: Most bytes the server may send between two complete top-level elements (so the
#: size of one stanza): slixmpp would buffer an endless one. Prosody and ejabberd
#: take at most 256 KiB from any client, so nothing a contact wrote is bigger;
#: the largest thing the server itself builds for us, a roster result, stays
#: under this with ~15,000 contacts.
MAX_STANZA_BYTES = 2 * 1024 * 1024

#: Stream errors after which reconnecting by ourselves would be wrong or harmful.
FATAL_STREAM_ERRORS = frozenset(
    {"conflict", "host-unknown", "not-authorized", "policy-violation", "see-other-host"}
)


@dataclass(frozen=True, slots=True)
class Timing:
    """Reconnect backoff and keep-alive, in seconds (tests shorten them)."""

    first_delay: float = 1.0
    max_delay: float = 300.0
    jitter: float = 0.25  # each delay is scaled by 1 ± jitter
    keepalive: float = 60.0  # ping the server this often when idle
    ping_timeout: float = 30.0  # no answer: the link is dead

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Delay before automatic attempt number ``attempt`` (0-based)."""
        base = min(self.max_delay, self.first_delay * 2 ** min(attempt, 30))
        return float(base * (1 - self.jitter + 2 * self.jitter * rng()))


class XmppClient(ClientXMPP):  # type: ignore[misc]
    """ClientXMPP whose retries after failed connection attempts are ours.

    slixmpp reschedules a failed connect loop with its own fixed backoff; we
    want jitter and a visible next-attempt time, so the session takes over
    once every address of one attempt has failed.
    """

    on_attempts_exhausted: Callable[[], None] = staticmethod(lambda: None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # slixmpp 1.17 refuses a forged roster push with an int error code, which makes
        # its send queue raise: the refusal never leaves. Same check, a valid answer.
        self.remove_handler("Roster Update")
        self.register_handler(
            Callback("Roster Update", StanzaPath("iq@type=set/roster"), self._roster_push)
        )

    def _roster_push(self, iq: Any) -> None:
        """Only our own account (or the server on its behalf: no ``from``) pushes roster
        changes (CVE-2015-8688 and friends)."""
        sender = iq["from"]
        if sender and sender != JID("") and sender != self.boundjid.bare:
            reply = iq.reply()
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "service-unavailable"
            reply.send()
            return
        self.event("roster_update", iq)

    xml_tap: Callable[[bool, str | bytes | ET.Element, bool], None] | None = None
    """While set (the XML console is open): called with ``(incoming, data, header)``
    for each piece of the stream: every ``send_raw`` (our stream header, SASL,
    stanzas, the closing tag), the server's stream header (an element,
    ``header`` True) and every top-level element it sends. ``None``: no cost."""

    def reschedule_connection_attempt(self) -> None:
        self._current_connection_attempt = None
        self.on_attempts_exhausted()

    def send_raw(self, data: str | bytes) -> None:
        if self.xml_tap is not None:
            self.xml_tap(False, data, False)
        super().send_raw(data)

    def start_stream_handler(self, xml: ET.Element) -> None:
        if self.xml_tap is not None:
            self.xml_tap(True, xml, True)
        super().start_stream_handler(xml)  # type: ignore[no-untyped-call]

    def incoming_filter(self, xml: ET.Element) -> ET.Element:
        if self.xml_tap is not None:
            self.xml_tap(True, xml, False)
        return super().incoming_filter(xml)  # type: ignore[no-any-return]

    # ------------------------------------------------- size of one stanza
    max_stanza_bytes: int = MAX_STANZA_BYTES
    on_stanza_too_big: Callable[[], None] = staticmethod(lambda: None)
    """Called once the server has sent more than ``max_stanza_bytes`` without
    completing a top-level element; the connection is aborted right after."""
    _pending_bytes = 0  # received since the last top-level element ended (an upper bound)
    _element_ended = False

    def init_parser(self) -> None:
        self._pending_bytes = 0  # a new stream (connection, TLS, SASL restart)
        super().init_parser()

    def _spawn_event(self, xml: ET.Element) -> None:
        self._element_ended = True
        super()._spawn_event(xml)

    def data_received(self, data: bytes | str) -> None:
        self._element_ended = False
        super().data_received(data)
        if self._element_ended:  # what is still open began inside this chunk
            self._pending_bytes = len(data) if self.xml_depth > 1 else 0
        else:
            self._pending_bytes += len(data)
        if self._pending_bytes > self.max_stanza_bytes and self.transport is not None:
            self._pending_bytes = 0
            self.on_stanza_too_big()
            self.abort()
