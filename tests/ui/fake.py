"""A scripted stand-in for the XMPP session and the password store, for UI tests.

It satisfies ``xmpptui.xmpp.api.Session``: tests push events with ``emit``
and read what the app asked for in ``sent``/``presences``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from xmpptui.app import XmppTuiApp
from xmpptui.devtools.scripted import FixedPasswords, ScriptedSession
from xmpptui.models import Contact
from xmpptui.store.history import AsyncHistory
from xmpptui.xmpp import events as ev

ACCOUNT = "alice@example.org"


class FakeSession(ScriptedSession):
    def __init__(self, jid: str = ACCOUNT, password: str = "") -> None:
        super().__init__(jid, password)


class FakePasswords(FixedPasswords):
    """Returns ``password`` as if from the keyring (``None``: the user is prompted)."""

    def __init__(self, password: str | None = "secret", keyring_usable: bool = True) -> None:
        super().__init__(ACCOUNT, password, keyring_usable=keyring_usable)


class Rig:
    """One app under test with the sessions it created."""

    def __init__(
        self, passwords: FakePasswords | None = None, *, history: AsyncHistory | None = None
    ) -> None:
        self.sessions: list[FakeSession] = []
        self.passwords = passwords or FakePasswords()
        self.app = XmppTuiApp(ACCOUNT, self._make, self.passwords, history=history)

    def _make(self, password: str) -> FakeSession:
        session = FakeSession(password=password)
        self.sessions.append(session)
        return session

    @property
    def session(self) -> FakeSession:
        return self.sessions[-1]


async def wait_for(
    pilot: Pilot[Any], predicate: Callable[[], object], timeout: float = 5.0
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
    """Every roster row as plain text, group headers without their fold arrow."""
    return [text.removeprefix("▼ ").removeprefix("▶ ") for text in app.main.roster.row_texts()]


def contacts(*items: tuple[str, str, tuple[str, ...]]) -> ev.RosterReceived:
    return ev.RosterReceived(tuple(Contact(j, n, g, "both") for j, n, g in items))
