"""The slixmpp client class the session uses, and its timing policy."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slixmpp import JID, ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath
from slixmpp.xmlstream.matcher.base import MatcherBase

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

#: Most time one turn of the loop spends parsing received data; what is left
#: waits for the next turn, after the keys and frames that came meanwhile.
SLICE_SECONDS = 0.003
#: Received data is parsed in pieces of at most this many bytes (a few stanzas).
SLICE_BYTES = 4096
#: While something more urgent waits (``yield_to``), received data looks again
#: after this long ...
YIELD_SECONDS = 0.001
#: ... but waits no longer than this in a row (keys held down faster than the
#: urgency lasts must not stop the session from reading at all).
MAX_HOLD_SECONDS = 0.1


def _nothing_waits() -> bool:
    return False


_urgent: Callable[[], bool] = _nothing_waits


def yield_to(urgent: Callable[[], bool] | None) -> None:
    """Parse no received data while ``urgent()`` is true; reading pauses meanwhile.
    The command line passes ``ui.pace.key_pending``: a key the user typed reaches
    the screen before the next slice of a burst. ``None``: never wait."""
    global _urgent
    _urgent = urgent or _nothing_waits


#: Stream errors after which reconnecting by ourselves would be wrong or harmful.
FATAL_STREAM_ERRORS = frozenset(
    {"conflict", "host-unknown", "not-authorized", "policy-violation", "see-other-host"}
)


_STANZA_NAMES = frozenset({"message", "presence", "iq"})
_CLIENT_NS = "{jabber:client}"


def root_tag(matcher: MatcherBase) -> str | None:
    """The one top-level element ``matcher`` can match (``{ns}name``), or None when
    that cannot be told from its criteria (it then sees every stanza)."""
    if isinstance(matcher, StanzaPath):
        raw = getattr(matcher, "_raw_criteria", None)
        if not isinstance(raw, str):
            return None
        first = raw.split("/", 1)[0].split("@", 1)[0]
        return _CLIENT_NS + first if first in _STANZA_NAMES else None
    if isinstance(matcher, MatchXPath):
        criteria = getattr(matcher, "_criteria", None)
        if not isinstance(criteria, str) or not criteria.startswith("{"):
            return None
        close = criteria.find("}")
        if close < 0:
            return None
        name, _, _ = criteria[close + 1 :].partition("/")
        if not name or not all(c.isalnum() or c in "-_." for c in name):
            return None  # a wildcard, predicate or axis: let it see everything
        return criteria[: close + 1] + name
    return None


class RootGuard(MatcherBase):  # type: ignore[misc]
    """A handler's matcher behind a look at the stanza's top-level tag.

    slixmpp tries every stanza against every handler (~25 of them), and a
    ``StanzaPath`` that does not match parses its criteria a second time: most of
    the cost of a received message. Most handlers only ever match one kind of
    top-level element, so the tag comparison settles the rest at once.
    """

    def __init__(self, tag: str, inner: MatcherBase) -> None:
        super().__init__(inner)
        self.tag = tag
        self.inner = inner

    def match(self, xml: Any) -> bool:
        return bool(xml.xml.tag == self.tag and self.inner.match(xml))


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

    def register_handler(
        self,
        handler: BaseHandler,
        before: BaseHandler | None = None,
        after: BaseHandler | None = None,
    ) -> None:
        matcher = handler._matcher
        tag = None if isinstance(matcher, RootGuard) else root_tag(matcher)
        if tag is not None:
            handler._matcher = RootGuard(tag, matcher)
        super().register_handler(handler, before, after)

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

    # ----------------------------------------- received data, in slices
    slice_seconds: float = SLICE_SECONDS
    _backlog: bytes = b""  # received, not parsed yet (reading is paused meanwhile)
    _drain_handle: asyncio.Handle | None = None
    _paused = False
    _held_since: float | None = None  # when received data began to wait for something urgent
    _unheld_until = 0.0  # after MAX_HOLD_SECONDS of waiting: parse anyway until then

    def data_received(self, data: bytes | str) -> None:
        """Parse what arrived, but give the loop back after ``slice_seconds``: the
        rest waits for the next turn of the loop (keys and frames go first) and
        reading pauses meanwhile, so the server holds what comes next."""
        if self._backlog:  # older data waits: keep the order
            self._backlog += data if isinstance(data, bytes) else data.encode()
            return
        if self._must_wait():
            self._hold(data if isinstance(data, bytes) else data.encode())
            return
        self._digest(data)

    def _must_wait(self) -> bool:
        """Something urgent waits (``yield_to``), and received data has not waited
        ``MAX_HOLD_SECONDS`` in a row for it yet (after that: one slice, then again)."""
        if not _urgent():
            self._held_since = None
            return False
        now = time.perf_counter()
        if now < self._unheld_until:  # the slice granted after a long wait
            return False
        if self._held_since is None:
            self._held_since = now
        if now - self._held_since < MAX_HOLD_SECONDS:
            return True
        self._held_since = None
        self._unheld_until = now + self.slice_seconds
        return False

    def _hold(self, rest: bytes) -> None:
        """Keep ``rest`` for a later turn (reading paused): the next one, or, while
        something urgent waits, ``YIELD_SECONDS`` later."""
        self._backlog = rest
        self._set_reading(False)
        if self._held_since is not None:
            self._drain_handle = self.loop.call_later(YIELD_SECONDS, self._drain)
        else:
            self._drain_handle = self.loop.call_soon(self._drain)

    def _digest(self, data: bytes | str) -> None:
        if isinstance(data, str) or len(data) <= SLICE_BYTES:
            self._parse(data)
            return
        deadline = time.perf_counter() + self.slice_seconds
        for start in range(0, len(data), SLICE_BYTES):
            end = start + SLICE_BYTES
            self._parse(data[start:end])
            if self.parser is None or self.transport is None:
                return  # the stream ended or was aborted in this piece
            if end < len(data) and (time.perf_counter() >= deadline or self._must_wait()):
                self._hold(data[end:])
                return

    def _drain(self) -> None:
        self._drain_handle = None
        if self._backlog and self._must_wait():
            self._drain_handle = self.loop.call_later(YIELD_SECONDS, self._drain)
            return
        data, self._backlog = self._backlog, b""
        if data and self.parser is not None:
            self._digest(data)
        if not self._backlog:
            self._set_reading(True)

    def _set_reading(self, on: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing() or self._paused is not on:
            return
        self._paused = not on
        with contextlib.suppress(AttributeError, RuntimeError):
            if on:
                transport.resume_reading()
            else:
                transport.pause_reading()

    def connection_lost(self, exception: BaseException | None) -> None:
        self._backlog, self._paused = b"", False
        if self._drain_handle is not None:
            self._drain_handle.cancel()
            self._drain_handle = None
        super().connection_lost(exception)

    def _parse(self, data: bytes | str) -> None:
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
