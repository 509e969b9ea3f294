"""A scripted stand-in for the XMPP session and the password store, for UI tests.

It satisfies ``xmpptui.xmpp.api.Session``: tests push events with ``emit``
and read what the app asked for in ``sent``/``presences``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from textual.pilot import Pilot

from xmpptui.app import XmppTuiApp
from xmpptui.models import ChatMessage, Contact, Show
from xmpptui.store.credentials import Lookup, PasswordSource
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.events import SessionEvent

ACCOUNT = "alice@example.org"


class FakeSession:
    def __init__(self, jid: str = ACCOUNT, password: str = "") -> None:
        self._jid = jid
        self.password = password
        self.queue: asyncio.Queue[SessionEvent | None] = asyncio.Queue()
        self.sent: list[ChatMessage] = []
        self.presences: list[tuple[Show, str]] = []
        self.started = False
        self.closed = False

    @property
    def bare_jid(self) -> str:
        return self._jid

    async def events(self) -> AsyncIterator[SessionEvent]:
        while (event := await self.queue.get()) is not None:
            yield event

    async def start(self) -> None:
        self.started = True

    def emit(self, *events: SessionEvent) -> None:
        for event in events:
            self.queue.put_nowait(event)

    def send_message(self, to: str, body: str) -> ChatMessage:
        message = ChatMessage(uuid.uuid4().hex, to, self._jid, body, datetime.now(UTC), True)
        self.sent.append(message)
        self.emit(ev.MessageSent(message))
        return message

    def set_presence(self, show: Show, status: str = "") -> None:
        self.presences.append((show, status))

    async def close(self) -> None:
        self.closed = True
        self.queue.put_nowait(None)


class FakePasswords(PasswordSource):
    """Returns ``password`` as if from the keyring (``None``: the user is prompted)."""

    def __init__(self, password: str | None = "secret", keyring_usable: bool = True) -> None:
        super().__init__(ACCOUNT)
        self._password = password
        self.keyring_usable = keyring_usable
        self.remembered: list[str] = []

    async def find(self) -> Lookup:
        return Lookup(self._password, "keyring" if self._password else "")

    async def remember(self, password: str) -> str | None:
        self.remembered.append(password)
        return None


class Rig:
    """One app under test with the sessions it created."""

    def __init__(self, passwords: FakePasswords | None = None) -> None:
        self.sessions: list[FakeSession] = []
        self.passwords = passwords or FakePasswords()
        self.app = XmppTuiApp(ACCOUNT, self._make, self.passwords)

    def _make(self, password: str) -> FakeSession:
        session = FakeSession(password=password)
        self.sessions.append(session)
        return session

    @property
    def session(self) -> FakeSession:
        return self.sessions[-1]


async def wait_for(
    pilot: Pilot[int], predicate: Callable[[], object], timeout: float = 5.0
) -> None:
    """Let the app run until ``predicate()`` is true, or fail after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.01)


def log_text(app: XmppTuiApp, peer: str | None = None) -> str:
    """Everything written in a tab's log, as plain text."""
    tabs = app.main.tabs
    widget = tabs.console if peer is None else tabs.log_for(peer)
    assert widget is not None, f"no tab for {peer}"
    return "\n".join(widget.plain_lines)


def roster_labels(app: XmppTuiApp) -> list[str]:
    """Every line of the roster tree as plain text (groups and contacts)."""
    labels: list[str] = []

    def walk(node: object) -> None:
        for child in node.children:  # type: ignore[attr-defined]
            labels.append(child.label.plain)
            walk(child)

    walk(app.main.roster.root)
    return labels


def contacts(*items: tuple[str, str, tuple[str, ...]]) -> ev.RosterReceived:
    return ev.RosterReceived(tuple(Contact(j, n, g, "both") for j, n, g in items))
