"""A short unauthenticated stream for in-band registration (XEP-0077).

:func:`on_fresh_stream` connects a plain ``ClientXMPP`` that never logs in and
runs a job once the server offers registration on an encrypted stream:

* TLS first, always: STARTTLS, or direct TLS (XEP-0368) when ``direct_tls`` is
  set or the port is 5223, with the session's certificate rules (``ca_file``
  added to the system's trust). Plaintext is never enabled.
* SASL is switched off by unregistering the ``mechanisms`` stream feature: no
  ``<auth/>`` is ever sent on this stream.
* Our handler of the ``register`` stream feature (order 50: after
  ``starttls``, whose stream restart ends the pre-TLS round) runs the job, and
  only when the transport is TLS: a server that skips STARTTLS gets nothing.
  slixmpp's ``xep_0077`` plugin is not used, because its feature handler
  swallows the errors of the form request and goes on to SASL afterwards.
* Stream features without registration on offer mean the server does not
  allow it (Prosody with ``allow_registration = false``).

Each failure becomes a :class:`~xmpptui.xmpp.regform.RegistrationError` with a
sentence; the connection is always closed or aborted before returning.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from slixmpp import ClientXMPP

from xmpptui.xmpp.client import set_tls_mode
from xmpptui.xmpp.regform import RegistrationError, account_refusal
from xmpptui.xmpp.tls import system_trust_context

__all__ = ["RegistrationTarget", "on_fresh_stream"]

log = logging.getLogger(__name__)

_REGISTER_FEATURE_ORDER: Final = 50  # after starttls (0), before mechanisms (100)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RegistrationTarget:
    """Where to create an account. ``host``/``port`` bypass DNS SRV, as in the session.

    ``username`` (optional) fills the form's empty username field and names
    the account in a "taken" message when the values do not.
    """

    domain: str
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    direct_tls: bool | None = None  # None: decided from the port
    username: str = ""

    @property
    def address(self) -> str:
        """``host:port`` when given, else the domain: for messages."""
        return f"{self.host}:{self.port}" if self.host and self.port else self.domain


def _make_client(target: RegistrationTarget) -> ClientXMPP:
    client = ClientXMPP(
        target.domain,
        "",
        loop=asyncio.get_running_loop(),
        ssl_context=system_trust_context(),  # the session's trust (connection.build_client)
    )
    set_tls_mode(client, target.port, target.direct_tls)  # the session's rule
    if target.ca_file is not None:
        client.ca_certs = Path(target.ca_file)
    client.unregister_feature("mechanisms", client.plugin["feature_mechanisms"].order)
    return client


def _encrypted(client: ClientXMPP) -> bool:
    transport = getattr(client, "transport", None)
    return transport is not None and transport.get_extra_info("ssl_object") is not None


def _untrusted(error: Any) -> str:
    detail = getattr(error, "verify_message", None) or getattr(error, "reason", None)
    return f"The server's certificate is not trusted ({detail or error})."


class _Attempt:
    """Event handlers of one registration stream, settling one future."""

    def __init__(self, target: RegistrationTarget, timeout: float, client: ClientXMPP) -> None:
        self.target, self.timeout, self.client = target, timeout, client
        self.outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.started = False

    def fail(self, message: str, condition: str = "") -> None:
        if not self.outcome.done():
            self.outcome.set_exception(RegistrationError(message, condition=condition))

    def no_tls(self) -> None:
        self.fail(f"{self.target.domain} did not offer TLS encryption, so nothing was sent.")

    async def run(self, job: Callable[[ClientXMPP, float], Awaitable[Any]]) -> None:
        deadline = time.monotonic() + self.timeout
        try:
            result = await job(self.client, deadline)
        except RegistrationError as error:
            if not self.outcome.done():
                self.outcome.set_exception(error)
        except TimeoutError:  # an iq without answer
            self.fail(f"{self.target.domain} did not answer within {self.timeout:g} seconds.")
        except Exception as error:  # slixmpp would swallow it: report it instead
            log.exception("registration on %s failed", self.target.domain)
            self.fail(f"Registration on {self.target.domain} failed: {type(error).__name__}.")
        else:
            if not self.outcome.done():
                self.outcome.set_result(result)

    def on_negotiated(self, _event: Any) -> None:
        if self.started:
            return
        if not _encrypted(self.client):
            self.no_tls()
            return
        target = self.target
        self.fail(account_refusal("not-allowed", "", target.domain), "not-allowed")

    def on_connection_failed(self, error: Any) -> None:
        if isinstance(error, ssl.SSLCertVerificationError):
            self.fail(_untrusted(error))
            return
        code = getattr(error, "errno", None)
        reason = os.strerror(code) if isinstance(code, int) else str(error)
        self.fail(f"Cannot reach {self.target.address}: {reason or 'connection failed'}.")

    def on_stream_error(self, error: Any) -> None:
        condition = str(error["condition"] or "stream error")
        text = str(error["text"] or "")
        said = f": {text}" if text else ""
        self.fail(f"{self.target.domain} ended the connection ({condition}){said}.")

    def on_disconnected(self, reason: Any) -> None:
        # A failed STARTTLS handshake ends the connection before ssl_invalid_chain fires.
        if isinstance(reason, ssl.SSLCertVerificationError):
            self.fail(_untrusted(reason))
        elif isinstance(reason, ssl.SSLError):
            detail = reason.reason or reason
            self.fail(f"The TLS connection to {self.target.address} failed: {detail}.")
        else:
            domain = self.target.domain
            self.fail(f"{domain} closed the connection before the registration finished.")


async def on_fresh_stream(
    target: RegistrationTarget,
    timeout: float,
    job: Callable[[ClientXMPP, float], Awaitable[T]],
) -> T:
    """Run ``job(client, deadline)`` once registration is on offer over TLS; always close.

    ``deadline`` is a ``time.monotonic()`` value for the job's own requests.
    Raises ``RegistrationError`` (the job's own, or one for the stream's fate,
    or one after ``timeout`` seconds overall).
    """
    client = _make_client(target)
    attempt = _Attempt(target, timeout, client)

    async def on_register_feature(_features: Any) -> bool:
        if attempt.outcome.done() or attempt.started:
            return True
        if not _encrypted(client):
            attempt.no_tls()
            return True
        attempt.started = True
        await attempt.run(job)
        return True

    client.register_feature("register", on_register_feature, order=_REGISTER_FEATURE_ORDER)
    handlers: dict[str, Callable[[Any], None]] = {
        "stream_negotiated": attempt.on_negotiated,
        "connection_failed": attempt.on_connection_failed,
        "ssl_invalid_chain": lambda error: attempt.fail(_untrusted(error)),
        "stream_error": attempt.on_stream_error,
        "disconnected": attempt.on_disconnected,
    }
    for name, handler in handlers.items():
        client.add_event_handler(name, handler)
    try:
        if target.host and target.port:
            client.connect(target.host, target.port)
        else:
            client.connect()
        async with asyncio.timeout(timeout):
            result: T = await attempt.outcome
            return result
    except TimeoutError:
        message = f"{target.domain} did not answer within {timeout:g} seconds."
        raise RegistrationError(message) from None
    finally:
        outcome = attempt.outcome
        await _close(client, polite=outcome.done() and not outcome.cancelled())


async def _close(client: ClientXMPP, *, polite: bool) -> None:
    """End the stream (politely when it went well), then reap slixmpp's sender task."""
    client.cancel_connection_attempt()
    if polite and getattr(client, "transport", None) is not None:
        try:
            await asyncio.wait_for(client.disconnect(wait=1.0), 2.0)
        except asyncio.CancelledError:
            client.abort()
            raise
        except Exception:
            client.abort()
    else:
        client.abort()
    filters: asyncio.Future[None] | None = getattr(client, "_run_out_filters", None)
    if filters is not None:
        filters.cancel()
        await asyncio.wait([filters], timeout=1.0)
