"""App folders follow platformdirs/XDG, and what we create is private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xmpptui.store import paths

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux-only")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_locations_follow_xdg_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    assert paths.config_file() == tmp_path / "cfg" / "xmpptui" / "config.toml"
    assert paths.history_db() == tmp_path / "data" / "xmpptui" / "history.sqlite3"
    assert paths.log_file().name == "xmpptui.log"
    assert paths.log_file().is_relative_to(tmp_path / "state" / "xmpptui")


def test_locations_default_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert paths.config_file() == tmp_path / ".config" / "xmpptui" / "config.toml"
    assert paths.history_db() == tmp_path / ".local" / "share" / "xmpptui" / "history.sqlite3"


def test_private_dir_is_0700_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        target = paths.ensure_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)

    assert target.is_dir()
    assert mode(tmp_path / "a") == 0o700
    assert mode(target) == 0o700


def test_private_dir_leaves_existing_folders_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    paths.ensure_private_dir(tmp_path / "new")
    assert mode(tmp_path) == 0o755


def test_private_file_is_created_0600_and_existing_ones_tightened(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        created = paths.ensure_private_file(tmp_path / "sub" / "f.txt")
    finally:
        os.umask(old)
    loose = tmp_path / "loose.txt"
    loose.write_text("keep me")
    loose.chmod(0o644)

    paths.ensure_private_file(loose)

    assert mode(created) == 0o600
    assert mode(created.parent) == 0o700
    assert mode(loose) == 0o600
    assert loose.read_text() == "keep me"


def test_display_path_abbreviates_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.display_path(tmp_path / ".config" / "x.toml") == "~/.config/x.toml"
    assert paths.display_path(Path("/etc/x.toml")) == "/etc/x.toml"


def test_store_layer_imports_neither_textual_nor_slixmpp() -> None:
    code = (
        "import sys, xmpptui.store, xmpptui.store.history, xmpptui.store.logs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'slixmpp')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
