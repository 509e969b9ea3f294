"""A scripted stand-in for the XMPP session and the password store.

Used by the UI tests and by ``screenshots/generate.py``: it satisfies
``xmpptui.xmpp.api.Session`` without a network. Push events with ``emit``;
read what the app asked for in ``sent``, ``presences`` and, for contacts,
``added``, ``removed``, ``updated``, ``accepted``, ``denied``, ``blocked``,
``unblocked`` and ``info_requests``; for messages also ``corrections``,
``chat_states`` and ``archive_requests``; for the XML console
``xml_watching`` (the last ``watch_xml`` choice) and ``xml_watch_calls``. The
contact and archive calls only record: a test emits the events the server
would answer with (``ContactUpdated``, ``ArchiveFetched``, ``XmlTraffic``...).

``online`` is True after ``start``; set ``is_online = False`` to play a lost
link: ``send_message``/``correct_message`` then return PENDING messages and
emit nothing, as the real session does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from xmpptui.models import ChatMessage, ChatState, Delivery, Show
from xmpptui.store.credentials import Lookup, PasswordSource
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.events import SessionEvent


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    """One ``fetch_archive`` call."""

    peer: str | None
    after_id: str | None = None
    before_id: str | None = None
    start: datetime | None = None
    limit: int = 100


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
        self.corrections: list[tuple[str, str, str]] = []  # (to, original_id, body)
        self.chat_states: list[tuple[str, ChatState]] = []
        self.archive_requests: list[ArchiveRequest] = []
        self.xml_watch_calls: list[bool] = []
        self.is_online = False
        self.clock: Callable[[], datetime] = _utc_now

    @property
    def bare_jid(self) -> str:
        return self._jid

    @property
    def resource(self) -> str:
        return self.resource_name

    @property
    def online(self) -> bool:
        return self.is_online

    def reconnect_now(self, resource: str | None = None) -> None:
        self.reconnects.append(resource)
        if resource:
            self.resource_name = resource

    async def change_password(self, new_password: str) -> None:
        self.password = new_password

    def trust_keys(self, pins: tuple[str, ...]) -> None:
        self.trusted.append(pins)

    def watch_xml(self, on: bool) -> None:
        self.xml_watch_calls.append(on)

    @property
    def xml_watching(self) -> bool:
        return bool(self.xml_watch_calls) and self.xml_watch_calls[-1]

    async def events(self) -> AsyncIterator[SessionEvent]:
        while (event := await self.queue.get()) is not None:
            yield event

    async def start(self) -> None:
        self.started = True
        self.is_online = True

    def emit(self, *events: SessionEvent) -> None:
        for event in events:
            self.queue.put_nowait(event)

    def send_message(self, to: str, body: str, *, id: str | None = None) -> ChatMessage:
        message = ChatMessage(
            id or uuid.uuid4().hex, to, self._jid, body, self.clock(), True, state=Delivery.PENDING
        )
        self.sent.append(message)
        if self.is_online:
            self.emit(ev.MessageSent(message))
        return message

    def correct_message(self, to: str, original_id: str, body: str) -> ChatMessage:
        self.corrections.append((to, original_id, body))
        message = ChatMessage(uuid.uuid4().hex, to, self._jid, body, self.clock(), True)
        message = dataclasses.replace(message, state=Delivery.PENDING, edited=True)
        if self.is_online:
            self.emit(ev.MessageCorrected(to, original_id, body, self._jid))
        return message

    def send_chat_state(self, to: str, state: ChatState) -> None:
        self.chat_states.append((to, state))

    def fetch_archive(
        self,
        peer: str | None,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        start: datetime | None = None,
        limit: int = 100,
    ) -> None:
        self.archive_requests.append(ArchiveRequest(peer, after_id, before_id, start, limit))

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
        self.is_online = False
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
