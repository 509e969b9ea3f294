"""Server certificates: what the trust screen shows, and SPKI pins.

Two jobs, no Textual:

* :func:`certificate_info` / :func:`spki_pin` read a DER certificate into a
  :class:`~xmpptui.models.CertificateInfo` and its pin, ``sha256/<base64>`` of
  the DER SubjectPublicKeyInfo (the HPKP/curl format). The SPKI bytes are taken
  as they are in the certificate (not re-encoded), so the pin equals what
  ``openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst
  -sha256 -binary | base64`` prints, and a renewal that keeps the key keeps it.
* The probe that fetches a server's certificate without verifying it or
  authenticating lives in :mod:`xmpptui.xmpp.tls_probe`.
* :class:`PinGuard` (with :func:`unverified_context` and :func:`check_pin`)
  lets a slixmpp client connect to a server whose key the user trusted: the
  chain is not verified by OpenSSL, the SPKI pin is checked instead, right after
  the handshake and before anything but the stream header and ``<starttls/>``
  has been sent.

Why checking the pin in slixmpp's ``ssl_cert`` event is early enough
---------------------------------------------------------------------
Read in slixmpp 1.17.0, ``slixmpp/xmlstream/xmlstream.py``:

* Direct TLS (XEP-0368): ``_attempt_connection`` calls
  ``loop.create_connection(..., ssl=self.get_ssl_context(),
  server_hostname=...)``. asyncio calls the protocol's ``connection_made``
  only once the TLS handshake has completed; before that, nothing of ours is
  on the wire but the ClientHello.
* STARTTLS: the plain TCP ``connection_made`` sends the stream header; the
  ``starttls`` feature (order 0, ``restart=True``, so features after it, SASL
  included, are not looked at on this stream) sends ``<starttls/>``;
  ``<proceed/>`` runs ``XMLStream.start_tls``, which awaits
  ``loop.start_tls(...)`` (the handshake) and then calls
  ``connection_made(transport, send_event=False)`` itself.
* ``connection_made`` (both cases) sets ``self.transport``, takes
  ``ssl_object.getpeercert(True)`` and calls ``self.event('ssl_cert', pem)``.
  ``event()`` runs a *synchronous* handler right there (a coroutine handler
  would only be scheduled: it must not be one). Then, if
  ``self._current_connection_attempt is None`` it returns; otherwise it fires
  ``tls_success``, calls ``init_parser()`` and sends the stream header.
  ``abort()`` calls ``cancel_connection_attempt()``, which sets that attribute
  to ``None``, closes and aborts the transport: after an abort in the handler
  the stream header is never sent on the TLS stream.
* SASL starts only from the ``mechanisms`` stream feature
  (``FeatureMechanisms._handle_sasl_auth``), i.e. from a ``<stream:features>``
  that the server sends in answer to that post-TLS stream header. So no
  ``<auth>`` can be built, let alone sent, before the ``ssl_cert`` handler has
  returned, and none at all once it has aborted.
* Caveats the guard handles: slixmpp swallows handler exceptions (logged by
  ``XMLStream.exception``), so the handler is fail-closed: anything unexpected
  aborts. ``get_ssl_context()`` forces ``CERT_REQUIRED`` whenever ``ca_certs``
  is set, so the guard clears ``ca_certs``. And as a second line of defence the
  guard adds an outgoing filter that lets nothing but ``<starttls/>`` through
  until the pin of the current connection has matched (it aborts otherwise):
  should a future slixmpp reorder this, the login fails instead of leaking.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import ssl
from collections.abc import Callable, Collection
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from xmpptui.models import CertificateInfo

if TYPE_CHECKING:  # cryptography (~40 ms to import) loads when a certificate is read
    from cryptography import x509

__all__ = [
    "PIN_PREFIX",
    "PinGuard",
    "PinnableClient",
    "certificate_info",
    "check_pin",
    "der_certificate",
    "spki_pin",
    "unverified_context",
]

log = logging.getLogger(__name__)

PIN_PREFIX: Final = "sha256/"
TLS_NS: Final = "urn:ietf:params:xml:ns:xmpp-tls"


# ----------------------------------------------------------------- reading a certificate


def der_certificate(pem_or_der: str | bytes) -> bytes:
    """The DER bytes of a certificate given as PEM (``str`` or ``bytes``) or DER.

    Raises:
        ValueError: if a PEM text holds no certificate.
    """
    if isinstance(pem_or_der, str):
        return ssl.PEM_cert_to_DER_cert(pem_or_der.strip())
    if pem_or_der.lstrip().startswith(b"-----BEGIN"):
        return ssl.PEM_cert_to_DER_cert(pem_or_der.decode("ascii").strip())
    return bytes(pem_or_der)


def _read_tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[offset], data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        size = first & 0x7F
        if size == 0 or size > 4 or offset + size > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[offset : offset + size], "big")
        offset += size
    if offset + length > len(data):
        raise ValueError("truncated DER")
    return tag, offset, offset + length


def _spki_der(cert: x509.Certificate) -> bytes:
    """The SubjectPublicKeyInfo exactly as encoded in ``cert`` (RFC 5280 TBSCertificate)."""
    tbs = cert.tbs_certificate_bytes
    _tag, position, end = _read_tlv(tbs, 0)  # TBSCertificate ::= SEQUENCE {
    tag, _start, after = _read_tlv(tbs, position)
    if tag == 0xA0:  # [0] EXPLICIT version, absent for v1
        position = after
    for _field in ("serialNumber", "signature", "issuer", "validity", "subject"):
        _tag, _start, position = _read_tlv(tbs, position)
    tag, _start, after = _read_tlv(tbs, position)
    if tag != 0x30 or after > end:
        raise ValueError("no SubjectPublicKeyInfo in the certificate")
    return tbs[position:after]


def _pin(cert: x509.Certificate) -> str:
    digest = hashlib.sha256(_spki_der(cert)).digest()
    return PIN_PREFIX + base64.b64encode(digest).decode("ascii")


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    for attribute in name.get_attributes_for_oid(oid):
        value = attribute.value
        text = value if isinstance(value, str) else value.decode("utf-8", "replace")
        if text:
            return text
    return ""


def _display_name(name: x509.Name) -> str:
    """The common name, or the whole name as an RFC 4514 string when there is none."""
    from cryptography.x509.oid import NameOID

    return _attribute(name, NameOID.COMMON_NAME) or name.rfc4514_string()


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(str(name) for name in san.get_values_for_type(x509.DNSName))


def certificate_info(der: bytes) -> CertificateInfo:
    """What the trust screen shows about the DER certificate ``der``.

    ``names`` are the subjectAltName DNS names, or the common name when there
    are none; dates are aware UTC datetimes.

    Raises:
        ValueError: if ``der`` is not an X.509 certificate.
    """
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    common_name = _attribute(cert.subject, NameOID.COMMON_NAME)
    names = _dns_names(cert) or ((common_name,) if common_name else ())
    return CertificateInfo(
        subject=_display_name(cert.subject),
        issuer=_display_name(cert.issuer),
        names=names,
        not_before=cert.not_valid_before_utc.astimezone(UTC),
        not_after=cert.not_valid_after_utc.astimezone(UTC),
        spki_sha256=_pin(cert),
        self_signed=cert.issuer == cert.subject,
    )


def spki_pin(der: bytes) -> str:
    """``sha256/<base64>`` of the DER SubjectPublicKeyInfo of the certificate ``der``.

    Raises:
        ValueError: if ``der`` is not an X.509 certificate.
    """
    from cryptography import x509

    return _pin(x509.load_der_x509_certificate(der))


def check_pin(pem_or_der: str | bytes, pins: Collection[str]) -> bool:
    """Whether the certificate's SPKI pin is one of ``pins``. False if it cannot be read."""
    wanted = {pin.strip() for pin in pins}
    try:
        return spki_pin(der_certificate(pem_or_der)) in wanted
    except ValueError:
        return False


# ------------------------------------------------------------------------ TLS contexts


_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.[0-9]+")
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"


def system_trust_context() -> ssl.SSLContext:
    """A verifying client context that trusts the system's CAs, read as needed.

    Python's default context loads the whole CA bundle (~140 CAs, 1.2 MiB of
    memory, parsed at every login). Where the system also keeps each CA in a
    directory under OpenSSL's hashed names (Debian, Ubuntu, Arch, Alpine:
    ``update-ca-certificates``), OpenSSL reads a CA from there only when a chain
    names it: the same trust (see :func:`lazy_ca_dir`). Elsewhere, Python's default.
    """
    capath = lazy_ca_dir(ssl.get_default_verify_paths())
    if capath is None:
        return ssl.create_default_context()
    return ssl.create_default_context(capath=capath)


def lazy_ca_dir(paths: ssl.DefaultVerifyPaths) -> str | None:
    """The hashed CA directory to trust instead of the bundle, or ``None`` (load the
    bundle as Python does). Only the system's own pair qualifies: the bundle (the
    default, or what ``SSL_CERT_FILE`` names) lies in that directory, as
    ``update-ca-certificates`` writes them, and the directory holds at least as
    many hashed CAs as the bundle has certificates (one added by hand to the
    bundle alone makes it fall back)."""
    capath, cafile = paths.capath, paths.cafile
    if not capath or not cafile:
        return None
    try:
        if Path(cafile).resolve().parent != Path(capath).resolve():
            return None
        with os.scandir(capath) as entries:
            hashed = sum(1 for entry in entries if _HASHED_NAME.fullmatch(entry.name))
        bundle = Path(cafile).read_bytes().count(_PEM_BEGIN)
    except OSError:
        return None
    return capath if hashed and hashed >= bundle else None


def unverified_context() -> ssl.SSLContext:
    """A client TLS context that does not verify the chain or the name.

    Only for a connection whose certificate is then checked against a pin
    (:class:`PinGuard`) or only looked at (:func:`~xmpptui.xmpp.tls_probe.fetch_certificate`).
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = False  # must come before verify_mode = CERT_NONE
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class PinnableClient(Protocol):
    """The part of a slixmpp ``XMLStream``/``ClientXMPP`` that :class:`PinGuard` uses."""

    ssl_context: ssl.SSLContext
    ca_certs: Any

    def add_event_handler(self, name: str, pointer: Callable[..., Any]) -> None: ...

    def add_filter(self, mode: Literal["out"], handler: Callable[[Any], Any]) -> None: ...

    def abort(self) -> None: ...


class PinGuard:
    """Connect a slixmpp client only to a server whose key is one of ``pins``.

    ``install(client)`` (before ``connect()``) sets an unverified TLS context,
    clears ``ca_certs``, and adds a synchronous ``ssl_cert`` handler that aborts
    the connection, before the stream is restarted over TLS, unless the peer
    certificate's SPKI pin is in ``pins``; then it calls ``on_reject`` with the
    presented certificate (``None`` if it could not be read, or if a stanza
    other than ``<starttls/>`` was about to leave before the pin was checked).
    ``on_reject`` runs after the abort; an exception in it does not matter.

        guard = PinGuard(pins, on_reject=lambda info: queue.put_nowait(...))
        guard.install(client)
        client.connect(host, port)
    """

    def __init__(
        self,
        pins: Collection[str],
        on_reject: Callable[[CertificateInfo | None], None],
    ) -> None:
        self.pins = frozenset(pin.strip() for pin in pins)
        self.on_reject = on_reject
        self.verified = False
        """True once the current connection's certificate matched a pin."""
        self.rejected: CertificateInfo | None = None
        """The last certificate rejected (``None`` if none, or it was unreadable)."""
        self._client: PinnableClient | None = None

    def install(self, client: PinnableClient) -> None:
        """Set up ``client`` (call once, before connecting)."""
        self._client = client
        client.ssl_context = unverified_context()
        client.ca_certs = None  # slixmpp would switch verification back on
        client.add_event_handler("connected", self._on_connected)
        client.add_event_handler("ssl_cert", self._on_ssl_cert)
        client.add_filter("out", self.gate)

    def _on_connected(self, _event: Any = None) -> None:
        # Fired at the start of every new transport, before its ssl_cert.
        self.verified = False

    def _on_ssl_cert(self, pem: Any) -> None:
        """Must stay synchronous: slixmpp runs it inside ``connection_made``."""
        info: CertificateInfo | None = None
        try:
            der = der_certificate(pem)
            if spki_pin(der) in self.pins:
                self.verified = True
                return
            info = certificate_info(der)
        except Exception:  # fail closed: slixmpp would swallow the error and go on
            log.exception("cannot check the server certificate against the pins")
        self._reject(info)

    def gate(self, stanza: Any) -> Any:
        """Outgoing filter: before the pin matched, only ``<starttls/>`` may leave."""
        if self.verified:
            return stanza
        xml = getattr(stanza, "xml", None)
        if xml is not None and str(getattr(xml, "tag", "")).startswith("{" + TLS_NS + "}"):
            return stanza
        log.error("stanza %r held back: the server certificate was not checked yet", xml)
        self._reject(None)
        return None

    def _reject(self, info: CertificateInfo | None) -> None:
        self.verified = False
        self.rejected = info
        client = self._client
        if client is not None:
            try:
                client.abort()
            except Exception:
                log.exception("abort after a certificate mismatch failed")
        try:
            self.on_reject(info)
        except Exception:
            log.exception("certificate rejection callback failed")


# ----------------------------------------------------------------------------- probe
