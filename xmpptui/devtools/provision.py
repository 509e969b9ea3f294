"""Put rig accounts in a known state through real, short-lived slixmpp clients.

Used by the tests and the demo. Every wait has a deadline; nothing sleeps to
synchronise. Build clients only inside a running event loop.

    async with online(server, alice) as client:
        client.send_message(mto=bob.jid, mbody="hi", mtype="chat")
    await befriend(server, alice, bob, name_b_for_a="Bob", groups=("Friends",))
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from slixmpp import JID, ClientXMPP

from xmpptui.devtools.prosody import Account

DEFAULT_PLUGINS = ("xep_0030", "xep_0199")

#: An account as an ``Account`` or a ``(jid, password)`` pair.
Credentials = Account | tuple[str, str]


class Rig(Protocol):
    """What the helpers need from a server (``ProsodyServer`` fits)."""

    host: str
    port: int
    direct_tls_port: int
    ca_file: Path


class ClientFailedError(RuntimeError):
    """A rig client could not log in (refused credentials, TLS, stream error, timeout)."""


def credentials(account: Credentials) -> tuple[str, str]:
    """``(jid, password)`` of either form."""
    if isinstance(account, Account):
        return account.jid, account.password
    return account


def make_client(
    server: Rig,
    account: Credentials,
    *,
    plugins: Iterable[str] = DEFAULT_PLUGINS,
    resource: str = "",
    direct_tls: bool = False,
) -> ClientXMPP:
    """A plain ``ClientXMPP`` set up for the rig (call inside the running loop)."""
    jid, password = credentials(account)
    client = ClientXMPP(f"{jid}/{resource}" if resource else jid, password)
    client.ca_certs = Path(server.ca_file)
    client.enable_direct_tls = direct_tls
    client.enable_starttls = not direct_tls
    client.enable_plaintext = False
    for plugin in plugins:
        client.register_plugin(plugin)
    return client


async def connect(
    client: ClientXMPP,
    server: Rig,
    *,
    direct_tls: bool = False,
    presence: bool = True,
    roster: bool = True,
    timeout: float = 10.0,
) -> ClientXMPP:
    """Connect and wait for ``session_start``; then get the roster and send presence.

    Raises ``ClientFailedError`` (after aborting the client) when the server
    refuses the login, TLS fails, the stream errors out or ``timeout`` passes.
    """
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[None] = loop.create_future()

    def finish(error: str | None, detail: bool = False) -> Callable[[Any], None]:
        def handler(event: Any) -> None:
            if outcome.done():
                return
            if error is None:
                outcome.set_result(None)
                return
            text = f"{client.boundjid.bare}: {error}" + (f" ({event})" if detail else "")
            outcome.set_exception(ClientFailedError(text))

        return handler

    handlers = {
        "session_start": finish(None),
        "failed_auth": finish("authentication refused"),  # the event is the server's stanza
        "ssl_invalid_chain": finish("TLS certificate not trusted", detail=True),
        "connection_failed": finish("connection failed", detail=True),
        "stream_error": finish("stream error", detail=True),
    }
    for name, handler in handlers.items():
        client.add_event_handler(name, handler)
    port = server.direct_tls_port if direct_tls else server.port
    try:
        client.connect(server.host, port)
        await asyncio.wait_for(outcome, timeout)
    except BaseException as error:
        await _abort(client)
        if isinstance(error, TimeoutError):
            raise ClientFailedError(
                f"{client.boundjid.bare}: no session within {timeout:g}s on {server.host}:{port}"
            ) from None
        raise
    finally:
        for name, handler in handlers.items():
            client.del_event_handler(name, handler)
    if roster:
        await client.get_roster(timeout=timeout)
    if presence:
        client.send_presence()
    return client


async def disconnect(client: ClientXMPP, timeout: float = 5.0) -> None:
    """Close the stream politely, or abort it after ``timeout``."""
    try:
        await asyncio.wait_for(client.disconnect(wait=timeout), timeout + 1)
    except TimeoutError:
        await _abort(client)
    else:
        await _reap(client)


async def _abort(client: ClientXMPP) -> None:
    client.cancel_connection_attempt()
    client.abort()
    await _reap(client)


async def _reap(client: ClientXMPP) -> None:
    # slixmpp cancels its outgoing-filter task on disconnect but never awaits it;
    # let it finish so it is not garbage-collected while still pending.
    filters: asyncio.Future[None] | None = getattr(client, "_run_out_filters", None)
    if filters is not None:
        filters.cancel()
        await asyncio.wait([filters], timeout=1.0)


@contextlib.asynccontextmanager
async def online(
    server: Rig,
    account: Credentials,
    *,
    plugins: Iterable[str] = DEFAULT_PLUGINS,
    resource: str = "",
    direct_tls: bool = False,
    presence: bool = True,
    roster: bool = True,
    timeout: float = 10.0,
) -> AsyncIterator[ClientXMPP]:
    """A connected client for the duration of the ``async with`` block."""
    client = make_client(server, account, plugins=plugins, resource=resource, direct_tls=direct_tls)
    await connect(
        client, server, direct_tls=direct_tls, presence=presence, roster=roster, timeout=timeout
    )
    try:
        yield client
    finally:
        await disconnect(client)


async def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str | Callable[[], str]
) -> None:
    """Poll ``predicate`` every 10 ms until true; raise ``TimeoutError`` after ``timeout``.

    ``what`` describes the awaited state; a callable is evaluated at the timeout.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {described}")
        await asyncio.sleep(0.01)


def subscription(client: ClientXMPP, jid: str) -> str:
    """The subscription state of ``jid`` in ``client``'s roster ("none" if absent)."""
    roster, bare = client.client_roster, JID(jid).bare
    return str(roster[bare]["subscription"]) if roster.has_jid(bare) else "none"


async def befriend(
    server: Rig,
    a: Credentials,
    b: Credentials,
    *,
    name_b_for_a: str = "",
    groups: Sequence[str] = (),
    name_a_for_b: str = "",
    groups_a_for_b: Sequence[str] = (),
    timeout: float = 10.0,
) -> None:
    """Make ``a`` and ``b`` mutually subscribed (``both``).

    ``name_b_for_a``/``groups`` are how ``b`` appears in ``a``'s roster, and
    ``name_a_for_b``/``groups_a_for_b`` the reverse. Idempotent.
    """
    jid_a, jid_b = credentials(a)[0], credentials(b)[0]
    async with online(server, a, timeout=timeout) as ca, online(server, b, timeout=timeout) as cb:
        for client, other, name, other_groups in (
            (ca, jid_b, name_b_for_a, groups),
            (cb, jid_a, name_a_for_b, groups_a_for_b),
        ):
            client.auto_authorize = True  # answer the other's subscribe with subscribed
            client.auto_subscribe = False
            await client.update_roster(  # type: ignore[misc]
                JID(other), name=name, groups=list(other_groups), timeout=timeout
            )
        ca.send_presence_subscription(pto=jid_b)
        cb.send_presence_subscription(pto=jid_a)
        await wait_for(
            lambda: subscription(ca, jid_b) == "both" and subscription(cb, jid_a) == "both",
            timeout,
            lambda: (
                f"mutual subscription of {jid_a} and {jid_b} "
                f"(now {subscription(ca, jid_b)!r}/{subscription(cb, jid_a)!r})"
            ),
        )
