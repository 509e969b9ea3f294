"""``xmpptui.heap``: no collection during start-up, one collection and a frozen heap
after it. Each case runs in a fresh interpreter (the collector is process state)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PAUSED = """
import gc
from xmpptui import heap
heap.pause()
assert not gc.isenabled()
garbage = [[] for _ in range(1000)]
for item in garbage:
    item.append(item)  # cycles: only the collector frees them
del garbage, item
assert gc.get_freeze_count() == 0
heap.settle()
assert gc.isenabled() and heap.settled()
frozen = gc.get_freeze_count()
assert frozen > 1000, frozen  # the start-up heap, out of later collections' sight
assert not any(type(o) is list and len(o) == 1 and o[0] is o for o in gc.get_objects())
heap.settle()  # once per process
assert gc.get_freeze_count() == frozen
print("ok")
"""

UNPAUSED = """
import gc
from xmpptui import heap
heap.settle()  # never paused (as under tests): freeze after the next full collection
assert gc.isenabled() and gc.get_freeze_count() == 0
gc.collect(1)
assert gc.get_freeze_count() == 0
gc.collect()
assert gc.get_freeze_count() > 0
print("ok")
"""


@pytest.mark.parametrize("script", [PAUSED, UNPAUSED], ids=["paused", "unpaused"])
def test_heap_policy(script: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_command_line_pauses_the_collector_before_the_app(tmp_path: Path) -> None:
    """``cli.main`` pauses collection before it starts the app (which settles it)."""
    probe = (
        "import gc, asyncio\n"
        "from xmpptui import cli\n"
        "async def fake_run_app(launch):\n"
        "    print('enabled' if gc.isenabled() else 'paused')\n"
        "    return 0\n"
        "cli.run_app = fake_run_app\n"
        "raise SystemExit(cli.main(['alice@example.org', '--password-command', 'true']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
        },
    )
    assert result.stdout.strip().splitlines()[-1:] == ["paused"], result.stderr
