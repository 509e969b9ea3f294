"""A hostile XMPP server: a TLS listener on 127.0.0.1 that speaks scripted raw XML.

Prosody behaves; a compromised server or a malicious contact does not. This
server does just enough of a real one for the real client to log in
(STARTTLS with a throwaway ``trustme`` CA, SASL PLAIN accepting any password,
resource binding, an empty roster, disco#info with carbons/blocking/MAM), then
lets a test put any bytes on the wire and read what the client sent back::

    async with HostileServer(tmp_path) as server:
        session = XmppSession(server.settings("alice@localhost"))
        await session.start()
        await server.wait_bound()
        await server.send("<message from='localhost'><body>hi</body></message>")
        iq = await server.wait_for(lambda el: el.tag == IQ and el.get("type") == "get")

``before_tls`` (raw XML) replaces the first stream features, and the stream
ends after it: what a server or a man in the middle says before the stream
is encrypted. ``answer_iq`` may answer the client's IQs itself: it returns
XML, ``""`` for no answer (the test answers later, or never), or ``None``
for the default answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.etree import ElementTree as ET

import trustme

from xmpptui.xmpp.session import ConnectionSettings

NS_CLIENT = "jabber:client"
IQ = f"{{{NS_CLIENT}}}iq"
MESSAGE = f"{{{NS_CLIENT}}}message"
PRESENCE = f"{{{NS_CLIENT}}}presence"
_TLS = "urn:ietf:params:xml:ns:xmpp-tls"
_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
_STREAM = "http://etherx.jabber.org/streams"
_FEATURES_TLS = (
    f"<stream:features><starttls xmlns='{_TLS}'><required/></starttls></stream:features>"
)
_FEATURES_SASL = (
    f"<stream:features><mechanisms xmlns='{_SASL}'><mechanism>PLAIN</mechanism></mechanisms>"
    "</stream:features>"
)
_FEATURES_BIND = f"<stream:features><bind xmlns='{_BIND}'/></stream:features>"
_DISCO_FEATURES = (
    "urn:xmpp:carbons:2",
    "urn:xmpp:blocking",
    "urn:xmpp:mam:2",
    "urn:xmpp:ping",
    "http://jabber.org/protocol/disco#info",
)

Answer = Callable[[ET.Element], "str | None"]


class HostileServer:
    """One scripted TLS server for one client at a time (the latest connection talks)."""

    host = "127.0.0.1"

    def __init__(
        self,
        directory: Path,
        *,
        domain: str = "localhost",
        before_tls: str | None = None,
        answer_iq: Answer | None = None,
    ) -> None:
        self.domain = domain
        self.before_tls = before_tls
        self.answer_iq = answer_iq
        self.port = 0
        self.connections = 0
        self.received: list[ET.Element] = []  # every top-level element after login
        self.raw = bytearray()  # every byte the client sent (decrypted)
        self.full_jid = ""
        self.roster_items = ""  # raw <item/>s for the roster result
        ca = trustme.CA()
        self.ca_file = directory / "hostile-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(domain).configure_cert(self._tls)
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._bound = asyncio.Event()
        self._changed = asyncio.Event()

    def settings(self, jid: str, **overrides: Any) -> ConnectionSettings:
        """Connection settings that reach this server (trusting its CA)."""
        values: dict[str, Any] = {
            "jid": jid,
            "password": "hostile-test-password",
            "resource": "xmpptui-test",
            "host": self.host,
            "port": self.port,
            "ca_file": str(self.ca_file),
        }
        values.update(overrides)
        return ConnectionSettings(**values)

    # ----------------------------------------------------------- for tests
    async def wait_bound(self, timeout: float = 10) -> str:
        """Wait until a client has bound a resource; its full JID."""
        await asyncio.wait_for(self._bound.wait(), timeout)
        return self.full_jid

    async def send(self, xml: str | bytes) -> None:
        """Put ``xml`` on the wire of the latest connection, as is."""
        assert self._writer is not None, "no client connected"
        self._writer.write(xml.encode() if isinstance(xml, str) else xml)
        await self._writer.drain()

    async def wait_for(
        self, where: Callable[[ET.Element], bool], timeout: float = 10
    ) -> ET.Element:
        """The first element the client sent (after login) for which ``where`` holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for element in self.received:
                if where(element):
                    return element
            self._changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                tags = [e.tag for e in self.received]
                raise AssertionError(f"the client never sent it; it sent {tags}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def close_client(self) -> None:
        """End the latest connection's stream, as a server going away would."""
        with contextlib.suppress(OSError, ConnectionError, AssertionError):
            await self.send("</stream:stream>")

    # ------------------------------------------------------------ plumbing
    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        for writer in self._writers:
            with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
                await asyncio.wait_for(writer.wait_closed(), 2)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writer = writer
        self._writers.append(writer)
        with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
            await self._conversation(reader, writer)
        with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):  # as a server does
            writer.write(b"</stream:stream>")
            writer.close()

    async def _conversation(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        stream = _Stream(reader, self.raw)
        await stream.header()
        if self.before_tls is not None:
            await self._open(writer, self.before_tls + "</stream:stream>")
            writer.close()
            return
        await self._open(writer, _FEATURES_TLS)
        starttls = await stream.element()
        assert starttls.tag == f"{{{_TLS}}}starttls", starttls.tag
        writer.write(f"<proceed xmlns='{_TLS}'/>".encode())
        await writer.drain()
        await writer.start_tls(self._tls)
        stream = _Stream(reader, self.raw)
        await stream.header()
        await self._open(writer, _FEATURES_SASL)
        auth = await stream.element()
        user = _plain_user(auth.text or "")
        writer.write(f"<success xmlns='{_SASL}'/>".encode())
        await writer.drain()
        stream = _Stream(reader, self.raw)
        await stream.header()
        await self._open(writer, _FEATURES_BIND)
        while True:
            element = await stream.element()
            self.received.append(element)
            self._changed.set()
            if element.tag == IQ and element.get("type") in ("get", "set"):
                await self._answer(writer, element, user)

    async def _open(self, writer: asyncio.StreamWriter, features: str) -> None:
        writer.write(
            f"<?xml version='1.0'?><stream:stream from='{self.domain}' id='hostile' "
            f"xmlns='{NS_CLIENT}' xmlns:stream='{_STREAM}' version='1.0'>{features}".encode()
        )
        await writer.drain()

    async def _answer(self, writer: asyncio.StreamWriter, iq: ET.Element, user: str) -> None:
        reply = self.answer_iq(iq) if self.answer_iq is not None else None
        if reply is None:
            reply = self._default_answer(iq, user)
        if not reply:
            return  # the test answers (or never does)
        writer.write(reply.encode())
        await writer.drain()
        if iq.find(f"{{{_BIND}}}bind") is not None:
            self._bound.set()

    def _default_answer(self, iq: ET.Element, user: str) -> str:
        ident = iq.get("id", "")
        to = f" to='{self.full_jid}'" if self.full_jid else ""
        bind = iq.find(f"{{{_BIND}}}bind")
        if bind is not None:
            resource = bind.findtext(f"{{{_BIND}}}resource") or "hostile"
            self.full_jid = f"{user}@{self.domain}/{resource}"
            return (
                f"<iq type='result' id='{ident}' to='{self.full_jid}'><bind xmlns='{_BIND}'>"
                f"<jid>{self.full_jid}</jid></bind></iq>"
            )
        if iq.find("{jabber:iq:roster}query") is not None and iq.get("type") == "get":
            return (
                f"<iq type='result' id='{ident}'{to}><query xmlns='jabber:iq:roster'>"
                f"{self.roster_items}</query></iq>"
            )
        if iq.find("{urn:xmpp:blocking}blocklist") is not None:
            return f"<iq type='result' id='{ident}'{to}><blocklist xmlns='urn:xmpp:blocking'/></iq>"
        disco = iq.find("{http://jabber.org/protocol/disco#info}query")
        if disco is not None and iq.get("type") == "get":
            features = "".join(f"<feature var='{var}'/>" for var in _DISCO_FEATURES)
            return (
                f"<iq type='result' id='{ident}' from='{iq.get('to') or self.domain}'{to}>"
                "<query xmlns='http://jabber.org/protocol/disco#info'>"
                f"<identity category='server' type='im'/>{features}</query></iq>"
            )
        sender = f" from='{iq.get('to')}'" if iq.get("to") else ""
        return f"<iq type='result' id='{ident}'{sender}{to}/>"


class _Stream:
    """Top-level elements of one client stream (a new one after each restart)."""

    def __init__(self, reader: asyncio.StreamReader, raw: bytearray) -> None:
        self._reader = reader
        self._raw = raw
        self._parser = ET.XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._ready: list[ET.Element] = []
        self._opened = False
        self._root: ET.Element | None = None

    async def header(self) -> None:
        while not self._opened:
            await self._feed()

    async def element(self) -> ET.Element:
        while not self._ready:
            await self._feed()
        return self._ready.pop(0)

    async def _feed(self) -> None:
        chunk = await self._reader.read(65536)
        if not chunk:
            raise ConnectionError("the client closed the connection")
        self._raw += chunk
        self._parser.feed(chunk)
        for event, element in self._parser.read_events():
            assert isinstance(element, ET.Element)
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    self._opened = True
                    self._root = element
            else:
                self._depth -= 1
                if self._depth == 1:
                    self._ready.append(element)
                    if self._root is not None:
                        self._root.remove(element)
                elif self._depth == 0:
                    raise ConnectionError("the client closed its stream")


def _plain_user(payload: str) -> str:
    """The user name of a SASL PLAIN payload (``authzid \\0 user \\0 password``)."""
    parts = base64.b64decode(payload).split(b"\0")
    return parts[1].decode() if len(parts) == 3 else "user"
