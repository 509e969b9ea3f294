"""A scripted stand-in for the XMPP session and the password store.

Used by the UI tests and by ``screenshots/generate.py``: it satisfies
``xmpptui.xmpp.api.Session`` without a network. Push events with ``emit``;
read what the app asked for in ``sent``, ``presences`` and, for contacts,
``added``, ``removed``, ``updated``, ``accepted``, ``denied``, ``blocked``,
``unblocked`` and ``info_requests``. The contact calls only record: a test
emits the events the server would answer with (``ContactUpdated``...).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from xmpptui.models import ChatMessage, Show
from xmpptui.store.credentials import Lookup, PasswordSource
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.events import SessionEvent


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ScriptedSession:
    """A session whose events come from the caller."""

    def __init__(self, jid: str, password: str = "") -> None:
        self._jid = jid
        self.password = password
        self.queue: asyncio.Queue[SessionEvent | None] = asyncio.Queue()
        self.sent: list[ChatMessage] = []
        self.presences: list[tuple[Show, str]] = []
        self.started = False
        self.closed = False
        self.resource_name = "xmpptui-scripted"
        self.reconnects: list[str | None] = []
        self.trusted: list[tuple[str, ...]] = []
        self.added: list[tuple[str, str, tuple[str, ...]]] = []  # (jid, name, groups)
        self.removed: list[str] = []
        self.updated: list[tuple[str, str, tuple[str, ...]]] = []  # (jid, name, groups)
        self.accepted: list[str] = []
        self.denied: list[str] = []
        self.blocked: list[str] = []
        self.unblocked: list[str] = []
        self.info_requests: list[str] = []
        self.clock: Callable[[], datetime] = _utc_now

    @property
    def bare_jid(self) -> str:
        return self._jid

    @property
    def resource(self) -> str:
        return self.resource_name

    def reconnect_now(self, resource: str | None = None) -> None:
        self.reconnects.append(resource)
        if resource:
            self.resource_name = resource

    async def change_password(self, new_password: str) -> None:
        self.password = new_password

    def trust_keys(self, pins: tuple[str, ...]) -> None:
        self.trusted.append(pins)

    async def events(self) -> AsyncIterator[SessionEvent]:
        while (event := await self.queue.get()) is not None:
            yield event

    async def start(self) -> None:
        self.started = True

    def emit(self, *events: SessionEvent) -> None:
        for event in events:
            self.queue.put_nowait(event)

    def send_message(self, to: str, body: str) -> ChatMessage:
        message = ChatMessage(uuid.uuid4().hex, to, self._jid, body, self.clock(), True)
        self.sent.append(message)
        self.emit(ev.MessageSent(message))
        return message

    def set_presence(self, show: Show, status: str = "") -> None:
        self.presences.append((show, status))

    def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = ()) -> None:
        self.added.append((jid, name, tuple(groups)))

    def remove_contact(self, jid: str) -> None:
        self.removed.append(jid)

    def update_contact(self, jid: str, name: str, groups: tuple[str, ...]) -> None:
        self.updated.append((jid, name, tuple(groups)))

    def accept_subscription(self, jid: str) -> None:
        self.accepted.append(jid)

    def deny_subscription(self, jid: str) -> None:
        self.denied.append(jid)

    def block(self, jid: str) -> None:
        self.blocked.append(jid)

    def unblock(self, jid: str) -> None:
        self.unblocked.append(jid)

    def request_client_info(self, jid: str) -> None:
        self.info_requests.append(jid)

    async def close(self) -> None:
        self.closed = True
        self.queue.put_nowait(None)


class FixedPasswords(PasswordSource):
    """Answers ``password`` as if from the keyring; ``None`` makes the app prompt."""

    def __init__(self, jid: str, password: str | None, *, keyring_usable: bool = True) -> None:
        super().__init__(jid)
        self._password = password
        self.keyring_usable = keyring_usable
        self.remembered: list[str] = []

    async def find(self) -> Lookup:
        return Lookup(self._password, "keyring" if self._password else "")

    async def remember(self, password: str) -> str | None:
        self.remembered.append(password)
        return None
