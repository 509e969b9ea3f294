"""``python -m benchmarks`` (``make bench``): measure xmpptui as a person sees it (issue 7).

Starts a private Prosody (the test rig's), writes 5,000+ accounts and their
mutual subscriptions straight into its storage, keeps 50 contacts online, and
drives the real app in a pseudo-terminal (120x40) for each scenario: start-up
(500 and 5,000 contacts, roster filter), a 2,000-message burst (against a bare
slixmpp receiver on the same burst), typing during a burst, a 100,000-message
history, and idling. Prints a table with the targets of issue 7, writes JSON and
a Markdown fragment for the README.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks import report, scenarios
from benchmarks.rig import Bench, BenchError, Plan
from benchmarks.terminal import AppExited, ScreenTimeout
from xmpptui.devtools.demo import SOURCE_ROOT, child_environment
from xmpptui.devtools.prosody import ProsodyError

SCENARIOS = ("startup_500", "startup_5000", "burst", "typing", "history")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"

_started = time.monotonic()


def log(text: str) -> None:
    print(f"[{time.monotonic() - _started:7.1f}s] {text}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs of each scenario (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="1 run, 5 s idle: for development, not for the README"
    )
    parser.add_argument(
        "--only", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    parser.add_argument("--idle-seconds", type=float, help="idle window (default 30; quick: 5)")
    parser.add_argument("--burst-size", type=int, default=2000)
    parser.add_argument("--history-size", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results path")
    parser.add_argument("--work-dir", type=Path, help="keep the rig here (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir afterwards")
    parser.add_argument(
        "--transcripts", action="store_true", help="save each app's raw terminal output"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile each app while it is timed (apps/*/app.prof in the kept work dir; slower)",
    )
    args = parser.parse_args(argv)
    if args.profile:
        args.keep = True
    if args.quick:
        args.runs = 1
    if args.idle_seconds is None:
        args.idle_seconds = 5.0 if args.quick else 30.0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    chosen = tuple(args.only or SCENARIOS)
    plan = Plan(
        runs=args.runs,
        burst_size=args.burst_size,
        history_size=args.history_size if "history" in chosen else 0,
    )
    work = (
        args.work_dir.resolve()
        if args.work_dir
        else Path(tempfile.mkdtemp(prefix="xmpptui-bench-"))
    )
    samples: report.Samples = defaultdict(list)
    per_run: list[dict[str, Any]] = []
    failures: list[str] = []
    phases: dict[str, Any] = {}
    try:
        with Bench(work, plan, transcripts=args.transcripts, profile=args.profile) as bench:
            bench.setup(log)
            _warm_up(bench)
            for run in range(1, args.runs + 1):
                for name in chosen:
                    metrics = _attempt(name, run, _scenario(name, bench, run, args), failures)
                    if metrics is None:
                        continue
                    per_run.append({"scenario": name, "run": run, "metrics": metrics})
                    for key, value in metrics.items():
                        target = samples[f"{name}.{key}"]
                        if isinstance(value, list):
                            target.extend(value)
                        else:
                            target.append(value)
        phases = _phases()
    except (ProsodyError, BenchError) as error:
        log(f"the rig failed: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted: everything started was stopped")
        return 130
    finally:
        if args.keep or args.work_dir:
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    rows = report.evaluate(samples)
    _print(rows, samples, phases, failures, args.runs)
    _write(args, rows, samples, per_run, phases, failures)
    return 1 if failures else 0


def _scenario(
    name: str, bench: Bench, run: int, args: argparse.Namespace
) -> Callable[[], scenarios.Metrics]:
    if name == "startup_500":
        return lambda: scenarios.startup_500(bench, run, args.idle_seconds)
    function: Callable[[Bench, int], scenarios.Metrics] = getattr(scenarios, name)
    return lambda: function(bench, run)


def _attempt(
    name: str, run: int, job: Callable[[], scenarios.Metrics], failures: list[str]
) -> scenarios.Metrics | None:
    log(f"{name} run {run}…")
    started = time.monotonic()
    try:
        metrics = job()
    except (BenchError, ScreenTimeout, AppExited, OSError) as error:
        failures.append(f"{name} run {run}: {error}")
        log(f"{name} run {run} FAILED: {error}")
        return None
    shown = ", ".join(
        f"{k}={_brief(v)}" for k, v in metrics.items() if not k.startswith(("first_", "connected"))
    )
    log(f"{name} run {run} done in {time.monotonic() - started:.1f}s: {shown}")
    return metrics


def _brief(value: float | list[float]) -> str:
    if isinstance(value, list):
        if not value:
            return "[]"
        return f"[n={len(value)} med={statistics.median(value):.4f} max={max(value):.4f}]"
    return f"{value:.4g}"


def _warm_up(bench: Bench) -> None:
    """Bytecode written (an installed app has it; ``PYTHONDONTWRITEBYTECODE`` in the
    environment would otherwise make every launch compile xmpptui again), then one
    unmeasured start-up: page cache and Prosody warm."""
    compileall.compile_dir(Path(SOURCE_ROOT) / "xmpptui", quiet=1)
    compileall.compile_dir(Path(SOURCE_ROOT) / "benchmarks", quiet=1)
    log("warm-up start-up (not measured)…")
    try:
        scenarios.startup_500(bench, 0, 0)
    except (ScreenTimeout, AppExited, BenchError) as error:
        raise BenchError(f"the app does not even start: {error}") from None


# ----------------------------------------------------------------- start-up phases
def _phases() -> dict[str, Any]:
    """Interpreter and import costs, outside the pty: where start-up time goes."""
    env = child_environment()

    def wall(argv: list[str]) -> float:
        times = []
        for _ in range(3):
            started = time.monotonic()
            subprocess.run(argv, env=env, cwd=SOURCE_ROOT, capture_output=True, timeout=60)
            times.append(time.monotonic() - started)
        return statistics.median(times)

    python = sys.executable
    result: dict[str, Any] = {
        "python_startup_s": wall([python, "-c", "pass"]),
        "cli_help_s": wall([python, "-m", "xmpptui", "--help"]),
        "import_app_s": wall([python, "-c", "import xmpptui.app, xmpptui.xmpp.session"]),
    }
    done = subprocess.run(
        [python, "-X", "importtime", "-c", "import xmpptui.app, xmpptui.xmpp.session"],
        env=env, cwd=SOURCE_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    heaviest: dict[str, int] = {}  # top-level package -> its costliest import (cumulative)
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+(\S+)$", line)
        if found:
            package = found[2].split(".")[0]
            if package not in ("xmpptui", "site", "encodings"):
                heaviest[package] = max(heaviest.get(package, 0), int(found[1]))
    ranked = sorted(heaviest.items(), key=lambda item: -item[1])[:8]
    result["heaviest_imports_ms"] = {name: us / 1000 for name, us in ranked}
    return result


# ----------------------------------------------------------------- output
def _print(
    rows: list[dict[str, Any]],
    samples: report.Samples,
    phases: dict[str, Any],
    failures: list[str],
    runs: int,
) -> None:
    print()
    print(f"xmpptui benchmarks (median of {runs} run(s); spread = min–max; pooled per key for "
          "key latencies)")  # fmt: skip
    print(report.text_table(rows))
    lines = report.phase_lines(samples)
    if lines or phases:
        print("\nstart-up phases:")
        print("\n".join(lines))
        if phases:
            print(
                f"  python -c pass {phases['python_startup_s']:.3f} s · "
                f"xmpptui --help {phases['cli_help_s']:.3f} s · "
                f"import xmpptui.app+session {phases['import_app_s']:.3f} s"
            )
            heavy = ", ".join(f"{k} {v:.0f}" for k, v in phases["heaviest_imports_ms"].items())
            print(f"  heaviest packages imported (ms, cumulative, nested ones overlap): {heavy}")
    if failures:
        print("\nfailures:")
        for failure in failures:
            print(f"  - {failure}")


def _write(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    samples: report.Samples,
    per_run: list[dict[str, Any]],
    phases: dict[str, Any],
    failures: list[str],
) -> None:
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": _meta(args),
        "table": rows,
        "phases": phases,
        "summaries": {k: report.summary(v) for k, v in sorted(samples.items()) if v},
        "runs": per_run,
        "failures": failures,
    }
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    markdown = output.with_suffix(".md")
    markdown.write_text(report.markdown_table(rows, args.runs))
    print(f"\nwrote {output} and {markdown}")


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=SOURCE_ROOT, capture_output=True,
        text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "runs": args.runs,
        "quick": args.quick,
        "idle_seconds": args.idle_seconds,
        "burst_size": args.burst_size,
        "history_size": args.history_size,
        "terminal": "pty 120x40, TERM=xterm-256color, synchronized output (mode 2026) on",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "textual": version("textual"),
        "slixmpp": version("slixmpp"),
    }


if __name__ == "__main__":
    raise SystemExit(main())
