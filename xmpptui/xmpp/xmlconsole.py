"""The XML console's tap on the stream: raw XML as ``XmlTraffic`` events, redacted.

Only while someone watches (``XmppSession.watch_xml(True)``) does the client
carry a tap (``XmppClient.xml_tap``); otherwise it is ``None`` and a stanza
costs one attribute test, no serialisation and no event. The tap is put on
every client the session builds, so it survives reconnects.

What is reported, in stream order:

* outgoing: every ``send_raw`` of slixmpp, which is each complete piece we
  write: the stream header, STARTTLS and SASL, every stanza, ``</stream:stream>``
  (whitespace keep-alives are left out);
* incoming: the server's stream header, then every top-level element
  (features, SASL challenges, stanzas, stream errors), serialised again
  from the parsed element, so always whole and well-formed.

Before anything leaves this module, :func:`xmpptui.redact.redact` blanks SASL
payloads, ``<password>`` elements, private form fields and every registered
secret (the client's own password is registered here), and :func:`cap` cuts
the text to ``MAX_TEXT`` bytes so one huge stanza cannot flood the UI.
"""

from __future__ import annotations

import functools
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from slixmpp.xmlstream import tostring

from xmpptui.redact import add_secret, redact
from xmpptui.xmpp.client import XmppClient
from xmpptui.xmpp.events import SessionEvent, XmlTraffic

log = logging.getLogger(__name__)

#: Each event's text is cut to this many bytes (UTF-8).
MAX_TEXT = 64 * 1024


def cap(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, ending with ``… (N bytes more)`` if cut."""
    if len(text) * 4 <= limit:  # no character takes more than 4 bytes
        return text
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    head = data[:limit].decode("utf-8", "ignore")  # never half a character
    more = len(data) - len(head.encode("utf-8", "replace"))
    return f"{head}… ({more} bytes more)"


class XmlConsole:
    """Puts (or removes) the tap on the session's clients and turns what it sees into events."""

    def __init__(
        self, emit: Callable[[SessionEvent], None], current: Callable[[], XmppClient | None]
    ) -> None:
        self._emit = emit
        self._current = current  # the session's client of the moment, if any
        self._watching = False

    @property
    def watching(self) -> bool:
        return self._watching

    def install(self, client: XmppClient) -> None:
        """Prepare a new client of the session (call for each one it builds)."""
        add_secret(client.password)  # blanked wherever it would appear, e.g. a form echo
        client.xml_tap = (
            functools.partial(self._tap, _Serialiser(client)) if self._watching else None
        )

    def watch(self, on: bool) -> None:
        """Start (``True``) or stop reporting the traffic of this and every later client."""
        self._watching = on
        client = self._current()
        if client is not None:
            self.install(client)

    def _tap(
        self, serialise: _Serialiser, incoming: bool, data: str | bytes | ET.Element, header: bool
    ) -> None:
        # Runs inside slixmpp's send and receive paths: it must never raise there.
        try:
            text = serialise(data, header)
            if text.strip():
                self._emit(XmlTraffic(incoming, cap(redact(text))))
        except Exception:
            log.exception("the XML console could not show a piece of the stream")


class _Serialiser:
    """Received elements back to text, as slixmpp's ``tostring`` writes them, but with
    the ``stream:`` prefix once (slixmpp 1.17 writes ``<stream:stream:features>``).

    Its attributes are the ones ``tostring`` reads from the stream it is given.
    """

    def __init__(self, client: XmppClient) -> None:
        self.default_ns: str = client.default_ns
        self.stream_ns: str = client.stream_ns
        self.use_cdata: bool = client.use_cdata
        self.namespace_map = {
            ns: prefix for ns, prefix in client.namespace_map.items() if ns != self.stream_ns
        }

    def __call__(self, data: str | bytes | ET.Element, header: bool) -> str:
        if isinstance(data, str):
            return data
        if isinstance(data, bytes):
            return data.decode("utf-8", "replace")
        stream: Any = self  # has what tostring reads from a stream
        text = str(
            tostring(data, xmlns=self.default_ns, stream=stream, top_level=True, open_only=header)
        )
        name = data.tag.rpartition("}")[2]
        if data.tag != f"{{{self.stream_ns}}}{name}":
            return text
        # A top-level element of the stream namespace: written without a prefix or
        # an xmlns (the header declared it); put the prefix back as on the wire.
        declare = f' xmlns="{self.default_ns}" xmlns:stream="{self.stream_ns}"' if header else ""
        text = f"<stream:{name}{declare}{text[len(name) + 1 :]}"
        close = f"</{name}>"
        return f"{text[: -len(close)]}</stream:{name}>" if text.endswith(close) else text
