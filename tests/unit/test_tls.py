"""Certificates, SPKI pins, the pin guard and the certificate probe (no Prosody)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from slixmpp.features.feature_mechanisms.stanza import Auth
from slixmpp.features.feature_starttls.stanza import STARTTLS

from xmpptui.models import CertificateInfo
from xmpptui.xmpp import tls, tls_probe

PIN_FORMAT = re.compile(r"^sha256/[A-Za-z0-9+/]{43}=$")
START = datetime(2024, 1, 1, tzinfo=UTC)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def make_cert(
    key: PrivateKey,
    *,
    subject: x509.Name | None = None,
    issuer: x509.Name | None = None,
    issuer_key: PrivateKey | None = None,
    names: tuple[str, ...] = ("chat.example.org",),
    not_before: datetime = START,
    days: int = 90,
) -> bytes:
    """A DER certificate for ``key``; self-signed unless ``issuer``/``issuer_key`` given."""
    subject = subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chat.example.org")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


def reencoded_pin(der: bytes) -> str:
    """The pin computed another way: re-encoding the public key (same for plain keys)."""
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="Example CA Org")


@pytest.fixture(scope="module")
def leaf(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert(
        "chat.example.org", "conference.example.org", organization_name="Example Org"
    )


def der_of(blob: trustme.Blob) -> bytes:
    return ssl.PEM_cert_to_DER_cert(blob.bytes().decode())


# --- certificate_info ----------------------------------------------------------------------


def test_info_of_a_ca_issued_certificate(ca: trustme.CA, leaf: trustme.LeafCert) -> None:
    der = der_of(leaf.cert_chain_pems[0])
    info = tls.certificate_info(der)
    cert = x509.load_der_x509_certificate(der)
    assert info.names == ("chat.example.org", "conference.example.org")
    # trustme leaves have no CN: the subject is the whole RFC 4514 name.
    assert info.subject == cert.subject.rfc4514_string()
    assert "O=Example Org" in info.subject
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    assert info.issuer == ca_cert.subject.rfc4514_string()
    assert "O=Example CA Org" in info.issuer
    assert not info.self_signed
    assert info.not_before == cert.not_valid_before_utc
    assert info.not_after == cert.not_valid_after_utc
    assert info.not_before.tzinfo is not None and info.not_before.utcoffset() == timedelta(0)
    assert PIN_FORMAT.match(info.spki_sha256)
    assert info.spki_sha256 == reencoded_pin(der) == tls.spki_pin(der)


def test_info_of_the_ca_itself_is_self_signed(ca: trustme.CA) -> None:
    info = tls.certificate_info(der_of(ca.cert_pem))
    assert info.self_signed
    assert info.subject == info.issuer


def test_common_name_is_the_subject_and_the_fallback_name() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    info = tls.certificate_info(make_cert(key, names=()))
    assert info.subject == "chat.example.org"
    assert info.names == ("chat.example.org",)  # no SAN: the CN
    assert info.self_signed


def test_validity_dates_are_aware_utc() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    info = tls.certificate_info(make_cert(key, not_before=START, days=10))
    assert info.not_before == START
    assert info.not_after == START + timedelta(days=10)
    assert info.not_after.tzinfo is not None


def test_issuer_common_name() -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Let's Pretend"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Pretend R3"),
        ]
    )
    der = make_cert(ec.generate_private_key(ec.SECP256R1()), issuer=ca_name, issuer_key=ca_key)
    info = tls.certificate_info(der)
    assert info.issuer == "Pretend R3"
    assert not info.self_signed


def test_same_key_same_pin_other_key_other_pin() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    first = make_cert(key, not_before=START)
    renewed = make_cert(key, not_before=START + timedelta(days=60), names=("other.example",))
    other = make_cert(ec.generate_private_key(ec.SECP256R1()))
    assert first != renewed
    assert tls.spki_pin(first) == tls.spki_pin(renewed)
    assert tls.spki_pin(first) != tls.spki_pin(other)
    for der in (first, renewed, other):
        assert PIN_FORMAT.match(tls.spki_pin(der))


def test_rsa_pin_matches_the_reencoded_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = make_cert(key)
    assert tls.spki_pin(der) == reencoded_pin(der)
    assert PIN_FORMAT.match(tls.spki_pin(der))


def test_garbage_is_not_a_certificate() -> None:
    with pytest.raises(ValueError):
        tls.certificate_info(b"\x30\x03\x02\x01\x00")
    with pytest.raises(ValueError):
        tls.spki_pin(b"not a certificate")


def test_check_pin_accepts_pem_and_der(leaf: trustme.LeafCert) -> None:
    pem_bytes = leaf.cert_chain_pems[0].bytes()
    der = ssl.PEM_cert_to_DER_cert(pem_bytes.decode())
    pin = tls.spki_pin(der)
    other = "sha256/" + "A" * 43 + "="
    for form in (der, pem_bytes, pem_bytes.decode()):
        assert tls.check_pin(form, [other, pin])
        assert tls.check_pin(form, {f" {pin}\n"})
        assert not tls.check_pin(form, [other])
        assert not tls.check_pin(form, [])
    assert not tls.check_pin(b"garbage", [pin])
    assert not tls.check_pin("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", [pin])


def test_unverified_context_does_not_verify() -> None:
    context = tls.unverified_context()
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


# --- PinGuard with a stand-in client ---------------------------------------------------------


class FakeClient:
    """Records what the guard does to a slixmpp client."""

    def __init__(self) -> None:
        self.ssl_context = ssl.create_default_context()
        self.ca_certs: Any = "/some/ca.pem"
        self.handlers: dict[str, list[Callable[..., Any]]] = {}
        self.filters: list[Callable[[Any], Any]] = []
        self.aborts = 0

    def add_event_handler(self, name: str, pointer: Callable[..., Any]) -> None:
        self.handlers.setdefault(name, []).append(pointer)

    def add_filter(self, mode: Literal["out"], handler: Callable[[Any], Any]) -> None:
        assert mode == "out"
        self.filters.append(handler)

    def abort(self) -> None:
        self.aborts += 1

    def event(self, name: str, data: Any = None) -> None:
        for handler in self.handlers.get(name, []):
            handler(data)

    def outgoing(self, stanza: Any) -> Any:
        for gate in self.filters:
            stanza = gate(stanza)
            if stanza is None:
                return None
        return stanza


def guarded(pins: list[str]) -> tuple[FakeClient, tls.PinGuard, list[CertificateInfo | None]]:
    rejected: list[CertificateInfo | None] = []
    client = FakeClient()
    guard = tls.PinGuard(pins, rejected.append)
    guard.install(client)
    return client, guard, rejected


def test_guard_sets_up_an_unverified_context_and_a_sync_handler(leaf: trustme.LeafCert) -> None:
    client, _guard, _rejected = guarded(["sha256/x"])
    assert client.ssl_context.verify_mode == ssl.CERT_NONE
    assert client.ca_certs is None  # slixmpp would force CERT_REQUIRED otherwise
    (handler,) = client.handlers["ssl_cert"]
    assert not asyncio.iscoroutinefunction(handler)  # slixmpp would only schedule it


def test_guard_accepts_the_pinned_key(leaf: trustme.LeafCert) -> None:
    pem = leaf.cert_chain_pems[0].bytes().decode()
    client, guard, rejected = guarded([tls.spki_pin(ssl.PEM_cert_to_DER_cert(pem))])
    client.event("connected")
    client.event("ssl_cert", pem)
    assert guard.verified and client.aborts == 0 and rejected == []
    auth = Auth()
    assert client.outgoing(auth) is auth


def test_guard_aborts_on_another_key_and_reports_it(leaf: trustme.LeafCert) -> None:
    pem = leaf.cert_chain_pems[0].bytes().decode()
    client, guard, rejected = guarded(["sha256/" + "A" * 43 + "="])
    client.event("connected")
    client.event("ssl_cert", pem)
    assert client.aborts == 1 and not guard.verified
    assert len(rejected) == 1 and rejected[0] is not None
    assert rejected[0].names == ("chat.example.org", "conference.example.org")
    assert rejected[0].spki_sha256 == tls.spki_pin(ssl.PEM_cert_to_DER_cert(pem))
    assert guard.rejected == rejected[0]


def test_guard_aborts_on_an_unreadable_certificate() -> None:
    client, _guard, rejected = guarded(["sha256/" + "A" * 43 + "="])
    client.event("ssl_cert", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
    assert client.aborts == 1 and rejected == [None]


def test_guard_aborts_even_if_the_callback_fails(leaf: trustme.LeafCert) -> None:
    client = FakeClient()

    def explode(_info: CertificateInfo | None) -> None:
        raise RuntimeError("boom")

    tls.PinGuard(["sha256/nope"], explode).install(client)
    client.event("ssl_cert", leaf.cert_chain_pems[0].bytes().decode())
    assert client.aborts == 1


def test_gate_lets_only_starttls_out_before_the_pin_matched(leaf: trustme.LeafCert) -> None:
    pem = leaf.cert_chain_pems[0].bytes().decode()
    client, guard, rejected = guarded([tls.spki_pin(ssl.PEM_cert_to_DER_cert(pem))])
    client.event("connected")
    starttls = STARTTLS()
    assert client.outgoing(starttls) is starttls
    assert client.aborts == 0
    assert client.outgoing(Auth()) is None  # an <auth> before the certificate: never
    assert client.aborts == 1 and rejected == [None]
    # A new connection starts unverified again, and the right key opens the gate.
    client.event("connected")
    client.event("ssl_cert", pem)
    auth = Auth()
    assert client.outgoing(auth) is auth
    client.event("connected")
    assert not guard.verified
    assert client.outgoing(Auth()) is None


# --- fetch_certificate against small local servers -------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A one-off TCP server on 127.0.0.1; yields its port."""

    async def guarded_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(guarded_handler, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def server_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return context


FEATURES = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    b"xmlns:stream='http://etherx.jabber.org/streams' from='chat.example.org' id='1' "
    b"version='1.0'><stream:features>"
)
STARTTLS_FEATURE = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"


def xmpp_server(leaf: trustme.LeafCert, seen: list[bytes]) -> Handler:
    """A server that does STARTTLS properly and records what the client sent."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b">"))  # <?xml ...?>
        seen.append(await reader.readuntil(b">"))  # <stream:stream ...>
        writer.write(FEATURES + STARTTLS_FEATURE + b"</stream:features>")
        seen.append(await reader.readuntil(b"/>"))
        writer.write(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await writer.drain()
        await writer.start_tls(server_context(leaf))
        seen.append(await reader.read(100))  # the client closes: nothing more

    return handle


async def test_probe_does_starttls_and_sends_nothing_else(leaf: trustme.LeafCert) -> None:
    seen: list[bytes] = []
    async with serve(xmpp_server(leaf, seen)) as port:
        der = await tls_probe.fetch_certificate(
            "127.0.0.1", port, "chat.example.org", direct_tls=False, timeout=5
        )
    assert der == der_of(leaf.cert_chain_pems[0])
    assert seen[0] == b"<?xml version='1.0'?>"
    assert seen[1].startswith(b"<stream:stream to='chat.example.org' version='1.0'")
    assert seen[2] == b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    assert seen[3:] == [b""]  # no auth, no stream restart: the probe just closed


async def test_probe_direct_tls(leaf: trustme.LeafCert) -> None:
    async def handle(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read(100)

    async with serve(handle, server_context(leaf)) as port:
        der = await tls_probe.fetch_certificate(
            "127.0.0.1", port, "chat.example.org", direct_tls=True
        )
    assert tls.certificate_info(der).names == ("chat.example.org", "conference.example.org")


async def test_probe_escapes_the_domain(leaf: trustme.LeafCert) -> None:
    seen: list[bytes] = []
    async with serve(xmpp_server(leaf, seen)) as port:
        await tls_probe.fetch_certificate("127.0.0.1", port, "a'b<c", direct_tls=False, timeout=5)
    assert b"to='a&apos;b&lt;c'" in seen[1]


async def probe_error(handler: Handler, timeout: float = 5) -> str:
    async with serve(handler) as port:
        with pytest.raises(tls_probe.CertificateProbeError) as caught:
            await tls_probe.fetch_certificate(
                "127.0.0.1", port, "chat.example.org", direct_tls=False, timeout=timeout
            )
    message = str(caught.value)
    assert message.endswith(".") and f"127.0.0.1:{port}" in message
    return message


async def test_probe_without_starttls_offered() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")
        writer.write(FEATURES + b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
        writer.write(b"</stream:features>")
        await reader.read(100)

    assert "does not offer STARTTLS" in await probe_error(handle)


async def test_probe_refused_starttls() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")
        writer.write(FEATURES + STARTTLS_FEATURE + b"</stream:features>")
        await reader.readuntil(b"/>")
        writer.write(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await reader.read(100)

    assert "refused to start TLS" in await probe_error(handle)


async def test_probe_stream_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")
        writer.write(FEATURES[: FEATURES.index(b"<stream:features>")])
        writer.write(b"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
        await reader.read(100)

    assert "closed the stream" in await probe_error(handle)


async def test_probe_reads_a_bounded_amount() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")
        writer.write(FEATURES)
        for _ in range(100):  # 1 MiB of features that never end
            writer.write(b"<x/>" * 2621)
            await writer.drain()

    assert "too much data" in await probe_error(handle)


async def test_probe_server_hangs_up() -> None:
    async def handle(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")

    assert "closed the connection" in await probe_error(handle)


async def test_probe_times_out_on_a_silent_server() -> None:
    release = asyncio.Event()

    async def handle(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await release.wait()

    try:
        message = await probe_error(handle, timeout=0.3)
    finally:
        release.set()
    assert "no answer within 0.3 s" in message


async def test_probe_tls_failure() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"streams'>")
        writer.write(FEATURES + STARTTLS_FEATURE + b"</stream:features>")
        await reader.readuntil(b"/>")
        writer.write(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await reader.read(5)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4)  # not a TLS ServerHello
        await writer.drain()
        await reader.read(100)

    assert "TLS handshake" in await probe_error(handle)


async def test_the_client_verifies_with_the_system_store_and_a_given_ca(tmp_path: Path) -> None:
    """build_client's context: verification on, the system's trust (its CAs loaded at
    most once, not the duplicate second load slixmpp would do; none up front where
    they are read as needed), and ``--ca-file`` trusted on top."""
    from xmpptui.xmpp.connection import ConnectionSettings, build_client

    system = len(tls.system_trust_context().get_ca_certs())
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client = build_client(
        ConnectionSettings("alice@example.org", "pw", "r", ca_file=ca_file),
        on_attempts_exhausted=lambda: None,
        on_pin_mismatch=lambda _info: None,
    )
    context = client.get_ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == system + 1


# --- system trust, read as needed -----------------------------------------------------------


def hashed_ca_dir(tmp_path: Path, cas: list[trustme.CA]) -> Path:
    """``update-ca-certificates`` in small: each CA under OpenSSL's hashed name, and
    a bundle of them all, in one directory."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command (OpenSSL's subject hash)")
    certs = tmp_path / "certs"
    certs.mkdir()
    for number, ca in enumerate(cas):
        pem = certs / f"ca{number}.pem"
        ca.cert_pem.write_to_path(str(pem))
        subject = subprocess.run(
            [openssl, "x509", "-hash", "-noout", "-in", str(pem)],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        (certs / f"{subject}.0").symlink_to(pem.name)
    (certs / "ca-certificates.crt").write_bytes(b"".join(ca.cert_pem.bytes() for ca in cas))
    return certs


def verify_paths(cafile: Path, capath: Path) -> ssl.DefaultVerifyPaths:
    return ssl.DefaultVerifyPaths(
        str(cafile), str(capath), "SSL_CERT_FILE", str(cafile), "SSL_CERT_DIR", str(capath)
    )


async def test_system_trust_reads_a_ca_when_a_chain_needs_it(
    tmp_path: Path, ca: trustme.CA, leaf: trustme.LeafCert, monkeypatch: pytest.MonkeyPatch
) -> None:
    certs = hashed_ca_dir(tmp_path, [trustme.CA(), ca])
    paths = verify_paths(certs / "ca-certificates.crt", certs)
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    context = tls.system_trust_context()
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing loaded up front
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname

    async def greet(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()

    async with serve(greet, server_context(leaf)) as port:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="chat.example.org"
        )
        assert await reader.readexactly(5) == b"hello"
        writer.close()
    assert context.cert_store_stats()["x509_ca"] == 1  # the one CA that chain named
    other = trustme.CA().issue_cert("chat.example.org")
    with pytest.raises(ssl.SSLCertVerificationError):
        async with serve(greet, server_context(other)) as port:
            await asyncio.open_connection(
                "127.0.0.1", port, ssl=context, server_hostname="chat.example.org"
            )


def test_the_bundle_is_loaded_when_the_directory_may_not_hold_the_same_cas(
    tmp_path: Path, ca: trustme.CA
) -> None:
    certs = hashed_ca_dir(tmp_path, [ca])
    bundle = certs / "ca-certificates.crt"
    assert tls.lazy_ca_dir(verify_paths(bundle, certs)) == str(certs)
    # A CA added to the bundle by hand (not hashed into the directory).
    bundle.write_bytes(bundle.read_bytes() + trustme.CA().cert_pem.bytes())
    assert tls.lazy_ca_dir(verify_paths(bundle, certs)) is None
    # SSL_CERT_FILE naming a bundle of one's own, elsewhere.
    own = tmp_path / "own.pem"
    own.write_bytes(ca.cert_pem.bytes())
    assert tls.lazy_ca_dir(verify_paths(own, certs)) is None
    # No hashed directory at all (a system that only ships the bundle).
    assert tls.lazy_ca_dir(verify_paths(bundle, tmp_path / "missing")) is None
