"""Where and as whom to connect: the settings, the slixmpp client set up for
them, and what the session needs around the link (certificate probe, pings)."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout

from xmpptui import __version__
from xmpptui.models import CertificateInfo
from xmpptui.xmpp import chat_translate as ct
from xmpptui.xmpp import scram, tls, tls_probe
from xmpptui.xmpp.client import Timing, XmppClient, set_tls_mode, uses_direct_tls
from xmpptui.xmpp.events import CertificateRejected, CertificateUntrusted

#: slixmpp plugins every session loads: disco, ping, delayed delivery, blocking.
PLUGINS = ("xep_0030", "xep_0199", "xep_0203", "xep_0191")

#: What disco announces besides the plugins' own features. ``messaging`` reads and
#: writes these stanzas itself, so slixmpp's plugins for them (which would add
#: seven handlers every incoming stanza is matched against) are not loaded.
FEATURES = (
    ct.NS_CARBONS,  # XEP-0280
    ct.NS_FORWARD,  # XEP-0297, what carbons and archive results wrap
    ct.NS_CHATSTATES,  # XEP-0085
    ct.NS_RECEIPTS,  # XEP-0184
    ct.NS_CORRECT,  # XEP-0308
)

#: Our disco identity (XEP-0030 registry: a text-mode client), instead of slixmpp's "bot".
IDENTITY = ("client", "console", "xmpptui")


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where and how to connect. ``host``/``port`` bypass DNS SRV.

    ``priority`` goes with every available presence (clamped to -128..127;
    negative: the server routes no bare-JID messages to this resource).
    """

    jid: str
    password: str
    resource: str
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    direct_tls: bool | None = None  # None: decided from the port
    pins: tuple[str, ...] = ()  # SPKI pins: when set, they decide trust, not the CA store
    priority: int = 0

    def __repr__(self) -> str:  # never show the password
        return f"ConnectionSettings(jid={self.jid!r}, host={self.host!r}, port={self.port!r})"

    @property
    def clamped_priority(self) -> int:
        return max(-128, min(127, self.priority))


def build_client(
    settings: ConnectionSettings,
    *,
    on_attempts_exhausted: Callable[[], None],
    on_pin_mismatch: Callable[[CertificateInfo | None], None],
) -> XmppClient:
    """A client for ``settings`` bound to the running loop; no handlers, not connected."""
    scram.install()
    client = XmppClient(
        f"{settings.jid}/{settings.resource}",
        settings.password,
        loop=asyncio.get_running_loop(),
        # What slixmpp would make, minus its second load of the system's CA store
        # (~0.8 MiB of duplicates), and CAs read as chains need them (tls.py).
        ssl_context=tls.system_trust_context(),
    )
    client.on_attempts_exhausted = on_attempts_exhausted
    # Never accept, refuse or request subscriptions behind the user's back:
    # with auto_authorize None slixmpp's roster answers no subscribe by itself.
    client.auto_authorize = None
    client.auto_subscribe = False
    set_tls_mode(client, settings.port, settings.direct_tls)
    # Never follow a see-other-host redirect by ourselves (it may come
    # before TLS, from anyone on the path).
    client.max_redirects = -1
    if settings.pins:  # the pinned key decides, checked before any auth
        tls.PinGuard(settings.pins, on_pin_mismatch).install(client)
    elif settings.ca_file is not None:
        client.ca_certs = settings.ca_file
    for plugin in PLUGINS:
        client.register_plugin(plugin)
    client.add_event_handler("session_bind", functools.partial(_announce, client))
    # Stream management: resume after a dropped link when the server allows.
    client.register_plugin("xep_0198", {"allow_resume": True})
    # Answer software-version queries (XEP-0092) as xmpptui; the OS is not disclosed.
    client.register_plugin("xep_0092", {"software_name": "xmpptui", "version": __version__})
    return client


def _announce(client: XmppClient, _jid: object) -> None:
    """Disco identity and features, for the bound JID (as the plugins do on bind)."""
    disco = client.plugin["xep_0030"]
    category, kind, name = IDENTITY
    disco.add_identity(category, kind, name)
    for feature in FEATURES:
        disco.add_feature(feature)


def unreachable(settings: ConnectionSettings, error: BaseException) -> str:
    """ "Cannot reach host:port: reason." for a failed connection attempt."""
    target = settings.host or settings.jid.partition("@")[2]
    if settings.port:
        target = f"{target}:{settings.port}"
    errno = getattr(error, "errno", None)
    reason = (os.strerror(errno) if errno else "") or str(error) or "connection failed"
    return f"Cannot reach {target}: {reason}."


async def probe_certificate(
    settings: ConnectionSettings, reason: str
) -> CertificateUntrusted | CertificateRejected:
    """Fetch the certificate (no auth) so the user can decide whether to trust it.

    The probe goes to the explicit host/port, else the domain's default port.
    """
    domain = settings.jid.partition("@")[2]
    port = settings.port or 5222
    direct = uses_direct_tls(port, settings.direct_tls)
    try:
        der = await tls_probe.fetch_certificate(
            settings.host or domain, port, domain, direct_tls=direct
        )
        info = tls.certificate_info(der)
    except (tls_probe.CertificateProbeError, ValueError) as error:
        return CertificateRejected(f"{reason} {error}")
    return CertificateUntrusted(info, domain, reason)


async def watch_link(client: XmppClient, timing: Timing) -> None:
    """Ping the server every ``timing.keepalive`` s; return when a ping gets no answer."""
    while True:
        await asyncio.sleep(timing.keepalive)
        try:
            await client.plugin["xep_0199"].ping(
                jid=JID(client.boundjid.domain), timeout=timing.ping_timeout
            )
        except IqTimeout:
            return
        except IqError:
            pass  # an error reply still proves the link is alive
