"""Fixtures shared by all tests; helpers to import live in ``tests/rig.py``.

- ``prosody`` (session): the running private ``ProsodyServer`` (``.host``, ``.port``,
  ``.direct_tls_port``, ``.domain``, ``.ca_file``, ``.create_account()``, ``.shell()``).
- ``new_account`` (function): ``new_account(prefix="user", password=None) -> Account``
  with ``.jid``, ``.password``, ``.username``; a fresh account on every call.
- ``xmpp_client`` (async, function): ``await xmpp_client(account, plugins=(), ...)``
  -> logged-in slixmpp ``ClientXMPP``; all disconnected at teardown.
- ``wait_until`` (function): the ``tests.rig.wait_until`` coroutine function.
- ``nobody_typing`` (autouse): ``ui.pace`` is process state; keys typed in one test
  must not hold the redraws of the next.

Tests that use ``prosody`` (directly or through the others) get the ``prosody``
marker, so ``pytest -m "not prosody"`` runs everything else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.rig import AccountFactory, ClientFactory
from tests.rig import wait_until as _wait_until
from xmpptui.devtools.prosody import ProsodyNotFoundError, ProsodyServer, find_executable
from xmpptui.ui import pace


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "prosody" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.prosody)


@pytest.fixture(scope="session")
def prosody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    """One private Prosody for the whole run."""
    problem = ""
    try:
        find_executable("prosody")
        find_executable("openssl")
    except ProsodyNotFoundError as error:
        problem = str(error)
    if problem:  # outside the except: no chained traceback in the report
        pytest.fail(f"The integration tests need a real Prosody: {problem}", pytrace=False)
    server = ProsodyServer(tmp_path_factory.mktemp("prosody"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_account(prosody: ProsodyServer) -> AccountFactory:
    """Factory of fresh accounts on the rig."""
    return AccountFactory(prosody)


@pytest.fixture
async def xmpp_client(prosody: ProsodyServer) -> AsyncIterator[ClientFactory]:
    """Factory of logged-in plain slixmpp clients, disconnected at teardown."""
    factory = ClientFactory(prosody)
    yield factory
    await factory.aclose()


@pytest.fixture
def wait_until() -> Callable[..., object]:
    """``await wait_until(predicate, timeout=5.0, message="")`` (see ``tests.rig``)."""
    return _wait_until


@pytest.fixture(autouse=True)
def nobody_typing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pace, "_last_key", -1.0)
    monkeypatch.setattr(pace, "_waiting", {})
    monkeypatch.setattr(pace, "_arrived", -1.0)
