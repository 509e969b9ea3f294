"""Helpers for tests that talk to the real Prosody started by ``tests/conftest.py``.

Import from here (``from tests.rig import wait_until, befriend``); the fixtures
themselves (``prosody``, ``new_account``, ``xmpp_client``) come from conftest.

    async def test_hello(prosody, new_account, xmpp_client):
        alice, bob = new_account("alice"), new_account("bob")
        await befriend(prosody, alice, bob)
        a = await xmpp_client(alice)
        b = await xmpp_client(bob)
        inbox = record(b, "message")
        a.send_message(mto=JID(bob.jid), mbody="hi", mtype="chat")
        await wait_until(lambda: [m["body"] for m in inbox] == ["hi"])
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from slixmpp import ClientXMPP

from xmpptui.devtools.prosody import Account, ProsodyServer
from xmpptui.devtools.provision import (
    DEFAULT_PLUGINS,
    ClientFailedError,
    Credentials,
    befriend,
    connect,
    disconnect,
    make_client,
    subscription,
)

__all__ = [
    "Account",
    "AccountFactory",
    "ClientFactory",
    "ClientFailedError",
    "befriend",
    "record",
    "subscription",
    "wait_until",
]

_serial = itertools.count(1)


async def wait_until(
    predicate: Callable[[], object], timeout: float = 5.0, message: str | Callable[[], str] = ""
) -> None:
    """Poll ``predicate`` every 10 ms until truthy; ``AssertionError`` after ``timeout`` s.

    ``message`` (or a callable giving it, evaluated at the timeout) says what was awaited.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            what = message() if callable(message) else message
            raise AssertionError(f"not true after {timeout:g}s: {what or predicate!r}")
        await asyncio.sleep(0.01)


def record(client: ClientXMPP, event: str) -> list[Any]:
    """A list that receives every ``event`` payload of ``client`` from now on."""
    seen: list[Any] = []
    client.add_event_handler(event, seen.append)
    return seen


class AccountFactory:
    """``new_account(prefix="user", password=None) -> Account``, unique per call."""

    def __init__(self, server: ProsodyServer) -> None:
        self.server = server

    def __call__(self, prefix: str = "user", password: str | None = None) -> Account:
        username = f"{prefix}{next(_serial)}"
        return self.server.create_account(username, password or secrets.token_urlsafe(12))


class ClientFactory:
    """``await xmpp_client(account, ...) -> ClientXMPP``, logged in; closed at teardown.

    The client has xep_0030 and xep_0199 plus ``plugins``; ``before_connect``
    runs on it before connecting (to attach handlers that must see the first
    stanzas). It waits for ``session_start``, gets the roster and sends initial
    presence (``roster=False``/``presence=False`` to skip). A refused login
    raises ``ClientFailedError``.
    """

    def __init__(self, server: ProsodyServer) -> None:
        self.server = server
        self.clients: list[ClientXMPP] = []

    async def __call__(
        self,
        account: Credentials,
        *,
        plugins: Iterable[str] = (),
        resource: str = "",
        direct_tls: bool = False,
        presence: bool = True,
        roster: bool = True,
        before_connect: Callable[[ClientXMPP], None] | None = None,
        timeout: float = 10.0,
    ) -> ClientXMPP:
        client = make_client(
            self.server,
            account,
            plugins=(*DEFAULT_PLUGINS, *plugins),
            resource=resource,
            direct_tls=direct_tls,
        )
        if before_connect is not None:
            before_connect(client)
        await connect(
            client,
            self.server,
            direct_tls=direct_tls,
            presence=presence,
            roster=roster,
            timeout=timeout,
        )
        self.clients.append(client)
        return client

    async def aclose(self) -> None:
        """Disconnect every client this factory made."""
        clients, self.clients = self.clients, []
        await asyncio.gather(*(disconnect(client) for client in clients))
