"""Fetch a server's certificate without verifying it and without authenticating.

A bare STARTTLS negotiation by hand (stream header, ``<starttls/>``, wait for
``<proceed/>``) or a direct TLS handshake, then the connection is closed. Used
when the normal, verified connection failed, to show the user what the server
presented (the trust screen). Reads are bounded (:data:`MAX_PROBE_BYTES`) and
the whole probe has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from typing import Final

from slixmpp.xmlstream.tostring import escape

from xmpptui.xmpp.tls import TLS_NS, unverified_context

__all__ = ["MAX_PROBE_BYTES", "CertificateProbeError", "fetch_certificate"]

MAX_PROBE_BYTES: Final = 64 * 1024
"""The probe reads at most this much of the server's plain-text stream."""

_FEATURES_END: Final = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?features\s*>")
_PROCEED: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?proceed\b")
_FAILURE: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?failure\b")
_STREAM_ERROR: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?error\b")
_STREAM_END: Final = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?stream\s*>")


class CertificateProbeError(Exception):
    """The probe could not get the certificate; ``str()`` is a sentence for the user."""


def _stream_header(domain: str) -> bytes:
    to = escape(domain)  # &, <, >, ' and " (xml.sax.saxutils pulled in urllib: 3 MiB)
    return (
        "<?xml version='1.0'?>"
        f"<stream:stream to='{to}' version='1.0' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'>"
    ).encode()


async def _read_until(
    reader: asyncio.StreamReader,
    buffer: bytearray,
    pattern: re.Pattern[bytes],
    what: str,
    *,
    refusal: re.Pattern[bytes] | None = None,
) -> None:
    """Read into ``buffer`` until ``pattern`` is found; bounded by ``MAX_PROBE_BYTES``."""
    while True:
        if refusal is not None and refusal.search(buffer):
            raise CertificateProbeError("The server refused to start TLS.")
        if pattern.search(buffer):
            return
        if _STREAM_ERROR.search(buffer) or _STREAM_END.search(buffer):
            raise CertificateProbeError(f"The server closed the stream before {what}.")
        if len(buffer) >= MAX_PROBE_BYTES:
            raise CertificateProbeError(f"The server sent too much data before {what}.")
        chunk = await reader.read(MAX_PROBE_BYTES - len(buffer))
        if not chunk:
            raise CertificateProbeError(f"The server closed the connection before {what}.")
        buffer += chunk


async def _starttls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    domain: str,
    context: ssl.SSLContext,
) -> None:
    writer.write(_stream_header(domain))
    await writer.drain()
    buffer = bytearray()
    await _read_until(reader, buffer, _FEATURES_END, "offering its stream features")
    if TLS_NS.encode() not in buffer:
        raise CertificateProbeError("The server does not offer STARTTLS.")
    buffer.clear()
    writer.write(f"<starttls xmlns='{TLS_NS}'/>".encode())
    await writer.drain()
    await _read_until(reader, buffer, _PROCEED, "accepting STARTTLS", refusal=_FAILURE)
    await writer.start_tls(context, server_hostname=domain)


def _peer_certificate(writer: asyncio.StreamWriter) -> bytes:
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise CertificateProbeError("The server presented no certificate.")
    return bytes(der)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
    except (TimeoutError, OSError, ssl.SSLError):
        writer.transport.abort()


async def _probe(
    host: str, port: int, domain: str, direct_tls: bool, context: ssl.SSLContext
) -> bytes:
    if direct_tls:
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=domain, limit=MAX_PROBE_BYTES
        )
    else:
        reader, writer = await asyncio.open_connection(host, port, limit=MAX_PROBE_BYTES)
    try:
        if not direct_tls:
            await _starttls(reader, writer, domain, context)
        return _peer_certificate(writer)
    finally:
        with contextlib.suppress(Exception):
            await _close(writer)


async def fetch_certificate(
    host: str, port: int, domain: str, *, direct_tls: bool, timeout: float = 10
) -> bytes:
    """The DER leaf certificate that ``host:port`` presents for ``domain``.

    Nothing is verified and nothing is authenticated: for STARTTLS the probe
    sends the stream header and ``<starttls/>`` only, then closes after the
    handshake. At most ``MAX_PROBE_BYTES`` are read and the whole exchange is
    bounded by ``timeout`` seconds.

    Raises:
        CertificateProbeError: with a sentence saying what went wrong.
    """
    where = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            return await _probe(host, port, domain, direct_tls, unverified_context())
    except CertificateProbeError as error:
        raise CertificateProbeError(f"Cannot get the certificate of {where}: {error}") from None
    except TimeoutError:
        raise CertificateProbeError(
            f"Cannot get the certificate of {where}: no answer within {timeout:g} s."
        ) from None
    except ssl.SSLError as error:
        reason = error.reason or error.strerror or str(error)
        raise CertificateProbeError(f"The TLS handshake with {where} failed: {reason}.") from None
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise CertificateProbeError(f"Cannot reach {where}: {reason}.") from None
