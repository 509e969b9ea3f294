"""The command line: errors before the UI starts are one sentence and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xmpptui import __version__


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose home, config, data and state dirs are under ``tmp_path``."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return python(tmp_path, "-m", "xmpptui", *args)


def python(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a fresh interpreter, in ``isolated_env`` (plus ``env``)."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**isolated_env(tmp_path), **(env or {})},
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"xmpptui {__version__}"


def test_help_lists_the_contract_options(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--resource", "--register", "--password-command"):
        assert option in result.stdout
    assert "--ca-file" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("not a jid",), "is not a valid JID"),
        (("@example.org",), "is not a valid JID"),
        (("alice@example.org/phone",), "use --resource"),
        (("alice@example.org", "--port", "70000"), "--port must be from 1 to 65535"),
        (("alice@example.org", "--ca-file", "/nonexistent/ca.pem"), "does not exist"),
        ((), "Which account?"),
    ],
)
def test_usage_errors_are_one_sentence(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config" / "xmpptui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[accounts."alice@example.org"]\nport = "five"\n')
    result = run(tmp_path, "alice@example.org")
    assert result.returncode == 2
    assert "config.toml" in result.stderr and "port" in result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_text() == '[accounts."alice@example.org"]\nport = "five"\n'


def test_resource_is_created_once_per_installation_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from xmpptui import cli
    from xmpptui.store.config import load_config

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    args = cli.build_parser().parse_args(["alice@example.org"])
    first = cli.resolve(args).resource
    assert re.fullmatch(r"xmpptui-[a-z0-9-]+-[a-z0-9]{4}", first)
    assert (
        load_config(tmp_path / "config" / "xmpptui" / "config.toml")
        .account("alice@example.org")
        .resource
        == first
    )  # type: ignore[union-attr]
    assert cli.resolve(args).resource == first
    explicit = cli.build_parser().parse_args(["alice@example.org", "--resource", "phone"])
    assert cli.resolve(explicit).resource == "phone"


def test_priority_and_keys_come_from_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xmpptui import cli

    config = tmp_path / "config" / "xmpptui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[accounts."alice@example.org"]\nresource = "desk"\npriority = -5\n'
        '[keys]\n"tab.next" = "ctrl+n"\n'
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    launch = cli.resolve(cli.build_parser().parse_args(["alice@example.org"]))
    assert launch.priority == -5 and launch.resource == "desk"
    assert launch.keymap == {"tab.next": "ctrl+n"}


@pytest.mark.parametrize(("given", "expected"), [(None, 1000), ("30", 30)])
def test_textual_frame_grid_is_lifted_unless_the_user_set_one(
    tmp_path: Path, given: str | None, expected: int
) -> None:
    """``main`` sets TEXTUAL_FPS before Textual is imported (a key's echo must not wait
    for a 60 Hz slot); a value in the environment wins."""
    probe = (
        "import sys\n"
        "from xmpptui import cli\n"
        "try:\n"
        "    cli.main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "from textual import constants\n"
        "print(constants.MAX_FPS)\n"
    )
    result = python(tmp_path, "-c", probe, env={} if given is None else {"TEXTUAL_FPS": given})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == str(expected)


def test_the_command_line_pauses_the_collector_before_the_app(tmp_path: Path) -> None:
    """``cli.main`` pauses garbage collection before it starts the app (which settles
    it: ``xmpptui.heap``)."""
    probe = (
        "import gc, asyncio\n"
        "from xmpptui import cli\n"
        "async def fake_run_app(launch):\n"
        "    print('enabled' if gc.isenabled() else 'paused')\n"
        "    return 0\n"
        "cli.run_app = fake_run_app\n"
        "raise SystemExit(cli.main(['alice@example.org', '--password-command', 'true']))\n"
    )
    result = python(tmp_path, "-c", probe)
    assert result.stdout.strip().splitlines()[-1:] == ["paused"], result.stderr


def test_the_command_line_shortens_the_gil_switch_interval(tmp_path: Path) -> None:
    """The terminal's input thread and Textual's output thread wait at most
    ``SWITCH_INTERVAL`` for the loop's thread to let go of the GIL (keys first)."""
    probe = (
        "import sys\n"
        "from xmpptui import cli\n"
        "async def fake_run_app(launch):\n"
        "    print(sys.getswitchinterval())\n"
        "    return 0\n"
        "cli.run_app = fake_run_app\n"
        "raise SystemExit(cli.main(['alice@example.org', '--password-command', 'true']))\n"
    )
    result = python(tmp_path, "-c", probe)
    from xmpptui.cli import SWITCH_INTERVAL

    assert SWITCH_INTERVAL < 0.005  # shorter than CPython's default
    assert result.stdout.strip().splitlines()[-1:] == [str(SWITCH_INTERVAL)], result.stderr
