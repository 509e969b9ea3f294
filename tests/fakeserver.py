"""A scripted XMPP listener on 127.0.0.1 for what a well-behaved Prosody never does.

    async with FakeServer(features=PLAINTEXT_REGISTRATION) as server:
        ...connect to server.host:server.port...
    assert b"jabber:iq:register" not in server.received

After the client's stream header it answers with a stream header and
``features`` (raw XML), then only records what the client sends. With
``features=None`` it never answers anything (a server that hangs).
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

#: Registration and SASL offered on a stream that never offers STARTTLS.
PLAINTEXT_REGISTRATION = (
    "<stream:features>"
    "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
    "<register xmlns='http://jabber.org/features/iq-register'/>"
    "</stream:features>"
)


class FakeServer:
    """One scripted listener; ``received`` holds every byte clients sent."""

    host = "127.0.0.1"

    def __init__(self, *, features: str | None, domain: str = "localhost") -> None:
        self.features = features
        self.domain = domain
        self.port = 0
        self.received = bytearray()
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> FakeServer:
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
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        answered = False
        with contextlib.suppress(OSError, ConnectionError):
            while chunk := await reader.read(4096):
                self.received += chunk
                if not answered and self.features is not None and b"<stream:stream" in chunk:
                    answered = True
                    writer.write(
                        f"<?xml version='1.0'?><stream:stream from='{self.domain}' id='fake1' "
                        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                        f"version='1.0'>{self.features}".encode()
                    )
                    await writer.drain()
