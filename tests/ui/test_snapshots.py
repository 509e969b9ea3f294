"""Snapshot tests: the real app, scripted session, fixed size/clock/theme.

The scenes are the ones ``screenshots/generate.py`` draws for the README, and
the stored snapshots ARE ``screenshots/*.svg``: a change to what users see
fails here until the screenshots are regenerated (``make screenshots``) and
reviewed, so the README never shows a stale app.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshot_scenes", SHOTS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generator = _generator()
    out = tmp_path_factory.mktemp("snapshots")
    restore = generator.freeze()
    try:
        import asyncio

        asyncio.run(generator.main_screen(out))
        asyncio.run(generator.login_screen(out))
    finally:
        restore()
    return out


@pytest.mark.parametrize(
    "name",
    [
        "main.svg",  # roster with groups, a friend request, unread count; a chat
        "details.svg",  # the contact details view
        "login.svg",  # the password prompt
    ],
)
def test_screen_matches_snapshot(scenes: Path, name: str) -> None:
    drawn = (scenes / name).read_text()
    stored = (SHOTS / name).read_text()
    assert "Friend&#160;requests" in (scenes / "main.svg").read_text()
    assert drawn == stored, f"{name} changed: run `make screenshots`, look at it, commit it"
