"""Trusting a server key by its SPKI pin, end to end against the rig's Prosody.

The client is set up the way the session does it when the account has pins (or
the user chose "trust once"): ``PinGuard`` installs an unverified TLS context,
a synchronous ``ssl_cert`` handler that aborts on a pin mismatch, and a gate
for outgoing stanzas. What really goes on the wire is recorded by wrapping the
client's ``send_raw``, which every byte slixmpp writes passes through.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Any

import pytest
from slixmpp import ClientXMPP

from tests.rig import Account, wait_until
from xmpptui.devtools.prosody import ProsodyServer, free_ports
from xmpptui.devtools.provision import connect, disconnect, make_client
from xmpptui.models import CertificateInfo
from xmpptui.xmpp import tls, tls_probe

WRONG_PIN = "sha256/" + "A" * 43 + "="
SSL_CERT_CHECKED = "<<ssl_cert handler ran>>"


def rig_leaf(prosody: ProsodyServer) -> bytes:
    path = prosody.directory / "tls" / "certs" / f"{prosody.domain}.crt"
    return ssl.PEM_cert_to_DER_cert(path.read_text())


def rig_ca(prosody: ProsodyServer) -> bytes:
    return ssl.PEM_cert_to_DER_cert(prosody.ca_file.read_text())


@dataclass
class Wire:
    """What a pinned client did: bytes written, in order, with the pin check as a marker."""

    client: ClientXMPP
    guard: tls.PinGuard
    sent: list[str] = field(default_factory=list)
    rejected: list[CertificateInfo | None] = field(default_factory=list)
    disconnected: list[Any] = field(default_factory=list)

    def auths(self) -> list[str]:
        return [data for data in self.sent if "<auth" in data]

    def index(self, needle: str) -> int:
        return next(i for i, data in enumerate(self.sent) if needle in data)


def pinned_client(
    prosody: ProsodyServer, account: Account, pins: list[str], *, direct_tls: bool
) -> Wire:
    client = make_client(prosody, account, direct_tls=direct_tls)
    assert client.ca_certs is not None  # the rig's CA: the guard must take it away
    wire = Wire(client, tls.PinGuard(pins, lambda info: wire.rejected.append(info)))
    wire.guard.install(client)
    # After the guard's handler: marks where in the byte stream the check happened.
    client.add_event_handler("ssl_cert", lambda _pem: wire.sent.append(SSL_CERT_CHECKED))
    client.add_event_handler("disconnected", wire.disconnected.append)
    original = client.send_raw

    def recording_send_raw(data: str | bytes) -> None:
        wire.sent.append(data.decode() if isinstance(data, bytes) else data)
        original(data)

    client.send_raw = recording_send_raw  # type: ignore[method-assign]
    return wire


async def close(client: ClientXMPP) -> None:
    client.cancel_connection_attempt()
    client.abort()
    filters: asyncio.Future[None] | None = getattr(client, "_run_out_filters", None)
    if filters is not None:
        filters.cancel()
        await asyncio.wait([filters], timeout=1.0)


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_the_pinned_key_logs_in_and_is_checked_before_auth(
    prosody: ProsodyServer, new_account: Any, direct_tls: bool
) -> None:
    account = new_account("pinned")
    pin = tls.spki_pin(rig_leaf(prosody))
    wire = pinned_client(prosody, account, [pin], direct_tls=direct_tls)
    try:
        await connect(wire.client, prosody, direct_tls=direct_tls, roster=False, presence=False)
        assert wire.client.authenticated
        assert wire.guard.verified and wire.rejected == []
        checked = wire.sent.index(SSL_CERT_CHECKED)
        assert checked < wire.index("<auth"), wire.sent
        before = wire.sent[:checked]
        # Before the check: the stream header and <starttls/> (STARTTLS), nothing (direct TLS).
        if direct_tls:
            assert before == []
        else:
            assert len(before) == 2 and "<stream:stream" in before[0]
            assert "urn:ietf:params:xml:ns:xmpp-tls" in before[1]
    finally:
        await disconnect(wire.client)


@pytest.mark.parametrize("gate", [True, False], ids=["guard", "ssl-cert-handler-alone"])
@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_a_wrong_pin_aborts_before_any_auth(
    prosody: ProsodyServer, new_account: Any, direct_tls: bool, gate: bool
) -> None:
    account = new_account("mismatch")
    wire = pinned_client(prosody, account, [WRONG_PIN], direct_tls=direct_tls)
    if not gate:
        # The outgoing gate is only a second line of defence: slixmpp's ordering
        # (ssl_cert runs before the stream restarts over TLS) must suffice alone.
        wire.client.del_filter("out", wire.guard.gate)
    started: list[Any] = []
    wire.client.add_event_handler("session_start", started.append)
    wire.client.add_event_handler("auth_success", started.append)
    try:
        port = prosody.direct_tls_port if direct_tls else prosody.port
        wire.client.connect(prosody.host, port)
        await wait_until(lambda: wire.rejected and wire.disconnected, timeout=10)
        # The connection is gone: nothing can be written on it any more.
        assert wire.client.transport is None
        assert wire.auths() == [] and started == []
        assert not wire.client.authenticated
        (info,) = wire.rejected
        assert info is not None and info.spki_sha256 == tls.spki_pin(rig_leaf(prosody))
        assert info.names == (prosody.domain,)
        # The check ran, and nothing at all was written after it.
        assert wire.sent[-1] == SSL_CERT_CHECKED
        assert not any(account.password in data for data in wire.sent)
    finally:
        await close(wire.client)


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
async def test_probe_gets_the_rig_certificate(prosody: ProsodyServer, direct_tls: bool) -> None:
    port = prosody.direct_tls_port if direct_tls else prosody.port
    first = await tls_probe.fetch_certificate(
        prosody.host, port, prosody.domain, direct_tls=direct_tls
    )
    again = await tls_probe.fetch_certificate(
        prosody.host, port, prosody.domain, direct_tls=direct_tls
    )
    info = tls.certificate_info(first)
    ca = tls.certificate_info(rig_ca(prosody))
    assert info.subject == prosody.domain
    assert info.names == (prosody.domain,)
    assert info.issuer == ca.subject == "xmpptui test CA"
    assert not info.self_signed
    assert info.spki_sha256 == tls.spki_pin(again) == tls.spki_pin(rig_leaf(prosody))
    assert first == rig_leaf(prosody)


async def test_probe_of_a_closed_port_says_so(prosody: ProsodyServer) -> None:
    (port,) = free_ports(1, prosody.host)  # nobody listens there
    for direct_tls in (False, True):
        with pytest.raises(tls_probe.CertificateProbeError) as caught:
            await tls_probe.fetch_certificate(
                prosody.host, port, prosody.domain, direct_tls=direct_tls, timeout=5
            )
        message = str(caught.value)
        assert message.startswith(f"Cannot reach {prosody.host}:{port}: ")
        assert message.endswith(".") and "\n" not in message
