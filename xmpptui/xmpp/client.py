"""The slixmpp client class the session uses, and its timing policy."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from slixmpp import ClientXMPP

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

    def reschedule_connection_attempt(self) -> None:
        self._current_connection_attempt = None
        self.on_attempts_exhausted()
