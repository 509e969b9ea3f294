"""Fixtures for the tests against the hostile server (``tests/hostile.py``).

- ``roster`` (function): the raw roster ``<item/>``s the server gives; a test
  module overrides it for its own contacts (default: none).
- ``hostile`` (async): a running ``HostileServer`` with that roster.
- ``logged_in`` (async): our ``XmppSession`` online on it, roster received,
  as a ``Recorder`` of its events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hostile import HostileServer
from tests.integration.test_session import FAST, Recorder
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.session import XmppSession

ME = "alice@localhost"


@pytest.fixture
def roster() -> str:
    return ""


@pytest.fixture
async def hostile(tmp_path: Path, roster: str) -> AsyncIterator[HostileServer]:
    async with HostileServer(tmp_path) as server:
        server.roster_items = roster
        yield server


@pytest.fixture
async def logged_in(hostile: HostileServer) -> AsyncIterator[Recorder]:
    """Our session, online on the hostile server with the ``roster``."""
    recorder = Recorder(XmppSession(hostile.settings(ME), timing=FAST))
    await recorder.session.start()
    await recorder.wait_for(ev.SessionStarted)
    await recorder.wait_for(ev.RosterReceived)
    yield recorder
    await recorder.close()
