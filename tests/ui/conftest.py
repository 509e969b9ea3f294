"""Fixtures shared by the UI tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from xmpptui.store.history import AsyncHistory


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[AsyncHistory]:
    """A real history database in ``tmp_path``, open for the test."""
    history = AsyncHistory(tmp_path / "history.sqlite3")
    await history.open()
    yield history
    await history.close()
