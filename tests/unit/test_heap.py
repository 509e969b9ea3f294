"""``xmpptui.heap``: no collection during start-up, one collection and a frozen heap
after it. Each case runs in a fresh interpreter (the collector is process state)."""

from __future__ import annotations

import subprocess
import sys

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
