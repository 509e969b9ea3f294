"""The benchmark rig: a private Prosody with the population, helper processes, app launches.

:class:`Bench` owns everything it starts (Prosody, the crowd of online
contacts, burst senders, bare receivers, the app under a pty) and stops it
all in :meth:`Bench.close`, also after an error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from benchmarks import fixtures as fx
from benchmarks.terminal import PtyApp
from xmpptui.devtools.demo import SOURCE_ROOT, app_environment, child_environment
from xmpptui.devtools.prosody import ProsodyServer
from xmpptui.store.history import History

COLUMNS, LINES = 120, 40
RESOURCE = "bench"


class BenchError(RuntimeError):
    """A benchmark step failed; ``str()`` is a sentence for the report."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What to prepare: how many runs of each scenario and how big things are."""

    runs: int
    burst_size: int
    history_size: int


class Helper:
    """A ``benchmarks.peers`` process that talks JSON lines on stdin/stdout."""

    def __init__(self, name: str, argv: Sequence[str], log: Path) -> None:
        self.name = name
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            env=child_environment(),
            cwd=SOURCE_ROOT,
            start_new_session=True,
            text=True,
        )
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.process.stdout is not None
        self._thread = threading.Thread(
            target=self._read, args=(self.process.stdout,), name=f"{name}-out", daemon=True
        )
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            with contextlib.suppress(ValueError):
                self._lines.put(json.loads(line))
        self._lines.put(None)

    def tell(self, **fields: Any) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(fields) + "\n")
            self.process.stdin.flush()
        except OSError as error:
            raise BenchError(
                f"the {self.name} helper is gone: {error}; {self._log_tail()}"
            ) from None

    def answer(self, key: str, timeout: float, what: str) -> dict[str, Any]:
        """The next line that has ``key``; raises ``BenchError`` on timeout or exit."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BenchError(
                    f"the {self.name} helper did not report {what} within {timeout:g}s"
                )
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise BenchError(f"the {self.name} helper exited before {what}: {self._log_tail()}")
            if key in line:
                return line

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            self._log_file.flush()
            return " ".join(self.log.read_text(errors="replace").split())[-600:]
        return ""

    def close(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                assert self.process.stdin is not None
                self.process.stdin.close()  # EOF: log out and exit
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        self._log_file.close()


class Bench:
    """The whole rig; use as a context manager."""

    def __init__(
        self, work: Path, plan: Plan, *, transcripts: bool = False, profile: bool = False
    ) -> None:
        self.work = work
        self.plan = plan
        self.transcripts = transcripts
        self.profile = profile
        self.password = secrets.token_urlsafe(18)
        self.password_file = work / "password"
        self.server = ProsodyServer(work / "prosody")
        self.population = fx.Population(self.server.domain, self.password)
        self.helpers: list[Helper] = []
        self.apps: list[PtyApp] = []
        self.history_template = work / "history-template.sqlite3"
        self._serial = 0

    # ---------------------------------------------------------------- setup
    def users_for(self, scenario: str) -> list[str]:
        return [f"{scenario}{run}" for run in range(1, self.plan.runs + 1)]

    def setup(self, log: Any) -> None:
        """Write the population, start Prosody, bring the crowd online, prefill history."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(self.password + "\n")
        self.password_file.chmod(0o600)
        pop = self.population
        r500 = fx.roster(500)
        pop.add_user("s500", r500)
        pop.add_user("s5000", fx.roster(5000, with_filter_set=True))
        users = ("br", "tr", "barepre", "bare", "baresm")
        for user in [u for scenario in users for u in self.users_for(scenario)]:
            pop.add_user(user, [*r500, fx.burst_peer(user)])
        pop.add_user("hist", [*r500, fx.history_peer()])
        started = time.monotonic()
        self.server.data_dir.mkdir(parents=True, exist_ok=True)
        fx.write_storage(self.server.data_dir, pop)
        log(f"wrote {len(pop.accounts)} accounts and {len(pop.rosters)} rosters "
            f"in {time.monotonic() - started:.2f}s")  # fmt: skip
        self.server.start()
        log(f"Prosody on {self.server.host}:{self.server.port} ({self.work})")
        accounts = self.work / "crowd.txt"
        accounts.write_text("".join(pop.jid(u) + "\n" for u in fx.online_users()))
        crowd = self._helper("crowd", "--accounts", str(accounts))
        started = time.monotonic()
        ready = crowd.answer("ready", 120, "the online contacts logged in")
        log(f"{ready['ready']} contacts online in {time.monotonic() - started:.2f}s")
        if self.plan.history_size:
            started = time.monotonic()
            fx.prefill_history(
                self.history_template, pop.jid("hist"), pop.jid(fx.HISTORY_PEER),
                self.plan.history_size,
            )  # fmt: skip
            log(f"prefilled {self.plan.history_size:,} messages in "
                f"{time.monotonic() - started:.2f}s")  # fmt: skip

    def _helper(self, role: str, *args: str) -> Helper:
        self._serial += 1
        argv = [
            sys.executable, "-m", "benchmarks.peers", role, *args,
            "--password-file", str(self.password_file), "--host", self.server.host,
            "--port", str(self.server.port), "--ca-file", str(self.server.ca_file),
        ]  # fmt: skip
        helper = Helper(role, argv, self.work / f"{role}-{self._serial}.log")
        self.helpers.append(helper)
        return helper

    def receiver(self, user: str, tag: str, count: int, *, sm: bool = False) -> Helper:
        """A bare slixmpp receiver logged in as ``user`` (waits until it is ready); with
        ``sm``, it enables stream management (XEP-0198) as xmpptui does."""
        helper = self._helper(
            "receiver", "--jid", self.population.jid(user), "--tag", tag, "--count", str(count),
            *(["--stream-management"] if sm else []),
        )  # fmt: skip
        helper.answer("ready", 60, "the bare receiver logged in")
        return helper

    def sender(self, receiver: str) -> Helper:
        """The (logged-in) helper that sends bursts to ``receiver``."""
        helper = self._helper("sender", "--jid", self.population.jid(fx.burst_user(receiver)))
        helper.answer("ready", 60, "the burst sender logged in")
        return helper

    def release(self, helper: Helper) -> None:
        helper.close()
        with contextlib.suppress(ValueError):
            self.helpers.remove(helper)

    # ---------------------------------------------------------------- the app
    def app(self, user: str, *, history: Path | None = None) -> tuple[PtyApp, Path]:
        """A not yet started app for ``user`` with its own config/data/keyring dirs.

        The history database is created first (a returning user's empty one),
        or copied from ``history``. Returns the app and its database path.
        """
        self._serial += 1
        state = self.work / "apps" / f"{self._serial:03d}-{user}"
        if state.exists():
            shutil.rmtree(state)
        state.mkdir(parents=True)
        env = app_environment(state)
        # platformdirs' user_data_dir on Linux: $XDG_DATA_HOME/xmpptui (see store/paths.py)
        database = state / "data" / "xmpptui" / "history.sqlite3"
        database.parent.mkdir(parents=True, mode=0o700)
        if history is not None:
            shutil.copyfile(history, database)
            database.chmod(0o600)
        else:
            History.open(database).close()
        # --profile: cProfile, switched on by the scenario around what it times
        module = "benchmarks.profiled" if self.profile else "xmpptui"
        argv = [
            sys.executable, "-m", module, self.population.jid(user),
            "--host", self.server.host, "--port", str(self.server.port),
            "--ca-file", str(self.server.ca_file),
            "--password-command", f"cat {shlex.quote(str(self.password_file))}",
            "--resource", RESOURCE,
        ]  # fmt: skip
        transcript = state / "terminal.bin" if self.transcripts else None
        app = PtyApp(argv, env=env, cwd=state, columns=COLUMNS, lines=LINES, transcript=transcript)
        self.apps.append(app)
        return app, database

    def profiling(self, app: PtyApp, on: bool) -> None:
        """With ``--profile``: switch the app's profiler on, or off (writing ``app.prof``)."""
        if self.profile:
            os.kill(app.pid, signal.SIGUSR1 if on else signal.SIGUSR2)

    def finish(self, app: PtyApp) -> None:
        """Quit the app (ctrl+q, then signals) and forget it."""
        try:
            app.stop()
        finally:
            with contextlib.suppress(ValueError):
                self.apps.remove(app)

    # ---------------------------------------------------------------- teardown
    def close(self) -> None:
        for app in list(self.apps):
            with contextlib.suppress(Exception):
                app.kill()
        self.apps.clear()
        for helper in reversed(self.helpers):
            with contextlib.suppress(Exception):
                helper.close()
        self.helpers.clear()
        self.server.stop()

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
