"""``python -m benchmarks.profiled JID …``: xmpptui under cProfile, only while asked.

``--profile`` runs each app through this module: SIGUSR1 switches the
profiler on, SIGUSR2 switches it off and writes ``app.prof`` in the working
directory (the app's state dir). The scenarios send them around what they
time, so the profile shows the measured window, not start-up and teardown.
Read it with ``python -m pstats app.prof`` (or any pstats viewer).
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
from pathlib import Path
from types import FrameType

_profiler = cProfile.Profile()


def _start(_signum: int, _frame: FrameType | None) -> None:
    _profiler.enable()


def _stop(_signum: int, _frame: FrameType | None) -> None:
    _profiler.disable()
    _profiler.dump_stats(Path.cwd() / "app.prof")


def main() -> None:
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    sys.argv = ["xmpptui", *sys.argv[1:]]
    runpy.run_module("xmpptui", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
