"""Run the real app in a pseudo-terminal and time what appears on its screen.

:class:`PtyApp` starts a command with a pty as its terminal (``TERM``, size
set with ``TIOCSWINSZ`` before it starts) and reads everything it writes in a
thread. Each chunk is timestamped (``time.monotonic``, the moment ``read``
returned) and the escape sequences are removed from it, so text that the
terminal would show is searchable even when colour changes split it: a
cursor move becomes a line break (text at two places never joins), every
other control sequence disappears.

Waiting is done with :meth:`PtyApp.expect` (register first, then act, then
wait), so output that arrives between acting and waiting is never missed::

    seen = app.expect("Connected as")
    app.send("\\r")
    moment = seen.wait(10, "the connected notice")

The clock is ``time.monotonic`` (``CLOCK_MONOTONIC``), the same in every
process of the machine, so helpers can report their own timestamps.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

#: A complete escape sequence: CSI, OSC / DCS / APC / PM / SOS strings, charset
#: selections and the other two-byte ones.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]P_^X].*?(?:\x07|\x1b\\)"
    r"|\x1b[()*+][0-~]"
    r"|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
#: An escape sequence that may still be incomplete at the end of a chunk.
_PARTIAL = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*|[\]P_^X][^\x07\x1b]*(?:\x1b)?|[()*+]|[ -/]*)?\Z", re.DOTALL
)
_CURSOR_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDGd]")
#: Synchronized output (DEC mode 2026): the app asks whether the terminal has it and,
#: when told yes, brackets every frame with SYNC_START/SYNC_END, so a frame is seen
#: whole, at the moment a real terminal would show it.
SYNC_QUERY = "\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"
SYNC_START, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
_CARRY = 256  # characters of earlier text kept to find a marker split between chunks

KEYS: Mapping[str, str] = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "backspace": "\x7f",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "ctrl+l": "\x0c",
    "ctrl+q": "\x11",
    "ctrl+r": "\x12",
    "ctrl+u": "\x15",
}


class ScreenTimeout(TimeoutError):
    """Something expected on the screen did not appear in time."""


class AppExited(RuntimeError):
    """The app ended while something was still expected from it."""


def strip_escapes(text: str) -> str:
    """``text`` as plain characters: cursor moves become line breaks, other sequences vanish."""
    text = _CURSOR_MOVE.sub("\n", text)
    return _ESCAPE.sub("", text)


class Waiter:
    """One awaited appearance of ``pattern`` (a literal or a compiled regex) in the output."""

    def __init__(
        self,
        screen: PtyApp,
        pattern: str | re.Pattern[str],
        accept: Callable[[re.Match[str]], bool] | None,
    ) -> None:
        self._screen = screen
        self.pattern = pattern
        self._regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        self._accept = accept
        self._carry = ""
        self.moment: float | None = None
        self.match: re.Match[str] | None = None
        self._event = threading.Event()

    def feed(self, text: str, moment: float) -> bool:
        """Look at newly arrived ``text``; True once found (then no longer fed)."""
        window = self._carry + text
        for found in self._regex.finditer(window):
            if found.end() <= len(self._carry):
                continue  # entirely in text already looked at
            if self._accept is None or self._accept(found):
                self.moment, self.match = moment, found
                self._event.set()
                return True
        self._carry = window[-_CARRY:]
        return False

    def wake(self) -> None:
        self._event.set()

    @property
    def seen(self) -> bool:
        return self.moment is not None

    def wait(self, timeout: float, what: str = "") -> float:
        """The moment it appeared; raises ``ScreenTimeout`` or ``AppExited``."""
        self._event.wait(timeout)
        if self.moment is not None:
            return self.moment
        self._screen.forget(self)
        described = what or repr(self.pattern)
        if self._screen.exited:
            raise AppExited(
                f"the app exited ({self._screen.exit_status()}) before {described} appeared; "
                f"last screen text: {self._screen.tail()!r}"
            )
        raise ScreenTimeout(
            f"{described} did not appear on screen within {timeout:g}s; "
            f"last screen text: {self._screen.tail()!r}"
        )


class FrameWaiter(Waiter):
    """The first whole frame (see ``SYNC_START``) whose plain text satisfies ``check``."""

    def __init__(self, screen: PtyApp, check: Callable[[str], bool], what: str) -> None:
        super().__init__(screen, what, None)
        self._check = check

    def feed_frame(self, text: str, moment: float) -> bool:
        if self._check(text):
            self.moment = moment
            self._event.set()
            return True
        return False


class Watch:
    """Every match of a regex in the output from now on, with its moment (for scrolling)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.hits: list[tuple[float, re.Match[str]]] = []
        self._carry = ""
        self.changed = threading.Condition()

    def feed(self, text: str, moment: float) -> None:
        window = self._carry + text
        found = [m for m in self.regex.finditer(window) if m.end() > len(self._carry)]
        self._carry = window[-_CARRY:]
        if found:
            with self.changed:
                self.hits.extend((moment, m) for m in found)
                self.changed.notify_all()


class PtyApp:
    """A command running on a pseudo-terminal of ``columns`` x ``lines``."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        columns: int = 120,
        lines: int = 40,
        transcript: Path | None = None,
        sync_output: bool = True,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.size = (columns, lines)
        self.transcript = transcript
        self.sync_output = sync_output
        self.frames = 0
        self._frame: list[str] | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.bytes_read = 0
        self._master = -1
        self._lock = threading.Lock()
        self._waiters: list[Waiter] = []
        self._watches: list[Watch] = []
        self._tail = ""
        self._reader: threading.Thread | None = None
        self._eof = threading.Event()
        self._last_output = 0.0
        self._output = threading.Condition()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> float:
        """Start the command; returns the launch moment (just before the fork)."""
        master, slave = os.openpty()
        columns, lines = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {**self.env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)}
        self._master = master
        try:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            self._master = -1
            raise
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._read_loop, name="pty-reader", daemon=True)
        self._reader.start()
        return self.started_at

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def exit_status(self) -> str:
        if self.process is None or self.process.returncode is None:
            return "still running"
        return f"exit status {self.process.returncode}"

    def stop(self, keys: str = KEYS["ctrl+q"], timeout: float = 10.0) -> None:
        """Ask the app to quit with ``keys``, then SIGTERM, then SIGKILL; close the pty."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                if keys:
                    self.send(keys)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGTERM)
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait()
        if self._reader is not None:
            self._eof.wait(2)  # the reader sees EIO once the last writer closed
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
        if self._reader is not None:
            self._reader.join(2)
            self._reader = None

    def kill(self) -> None:
        """Stop at once (used on errors and Ctrl-C)."""
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()
        self.stop(keys="")

    # ------------------------------------------------------------ input
    def send(self, data: str) -> float:
        """Write ``data`` to the terminal (as if typed); returns the moment just before."""
        if self._master < 0:
            raise AppExited("the terminal is closed")
        raw = data.encode()
        moment = time.monotonic()
        while raw:
            written = os.write(self._master, raw)
            raw = raw[written:]
        return moment

    def key(self, name: str) -> float:
        """Press a named key (``KEYS``) or type one character."""
        return self.send(KEYS.get(name, name))

    # ------------------------------------------------------------ output
    def expect(
        self,
        pattern: str | re.Pattern[str],
        accept: Callable[[re.Match[str]], bool] | None = None,
    ) -> Waiter:
        """Start looking for ``pattern`` in output from now on; ``wait()`` on the result."""
        waiter = Waiter(self, pattern, accept)
        with self._lock:
            self._waiters.append(waiter)
        if self._eof.is_set():
            waiter.wake()
        return waiter

    def expect_frame(self, check: Callable[[str], bool], what: str = "a frame") -> FrameWaiter:
        """Like ``expect``, for the first whole frame from now on whose text passes ``check``."""
        waiter = FrameWaiter(self, check, what)
        with self._lock:
            self._waiters.append(waiter)
        if self._eof.is_set():
            waiter.wake()
        return waiter

    def forget(self, waiter: Waiter) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def watch(self, regex: re.Pattern[str]) -> Watch:
        """Record every match of ``regex`` from now on (until ``unwatch``)."""
        watch = Watch(regex)
        with self._lock:
            self._watches.append(watch)
        return watch

    def unwatch(self, watch: Watch) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._watches.remove(watch)

    def wait_quiet(self, quiet: float, timeout: float, what: str = "the screen") -> float:
        """Wait until nothing was written for ``quiet`` seconds; returns the last output moment.

        Raises ``ScreenTimeout`` if output never pauses that long within ``timeout``.
        """
        deadline = time.monotonic() + timeout
        with self._output:
            while True:
                now = time.monotonic()
                if now - self._last_output >= quiet:
                    return self._last_output
                if now > deadline:
                    raise ScreenTimeout(f"{what} never stopped changing for {quiet:g}s")
                self._output.wait(min(self._last_output + quiet, deadline) - now + 0.001)

    def tail(self, size: int = 400) -> str:
        """The last ``size`` characters of screen text (for error messages)."""
        with self._lock:
            text = self._tail
        return " ".join(text.split())[-size:]

    def _read_loop(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        log = self.transcript.open("wb") if self.transcript is not None else None
        try:
            while True:
                try:
                    data = os.read(self._master, 65536)
                except OSError:
                    break  # EIO: the app and its children closed the terminal
                if not data:
                    break
                moment = time.monotonic()
                with self._output:
                    self.bytes_read += len(data)
                    self._last_output = moment
                    self._output.notify_all()
                if log is not None:
                    log.write(data)
                text = pending + decoder.decode(data)
                partial = _PARTIAL.search(text)
                if partial is not None and partial.start() < len(text):
                    text, pending = text[: partial.start()], text[partial.start() :]
                else:
                    pending = ""
                if self.sync_output and SYNC_QUERY in text:
                    with contextlib.suppress(OSError):
                        os.write(self._master, SYNC_REPLY)
                self._split_frames(text, moment)
        finally:
            if log is not None:
                log.close()
            self._eof.set()
            with self._lock:
                waiters = list(self._waiters)
            for waiter in waiters:
                waiter.wake()

    def _split_frames(self, text: str, moment: float) -> None:
        """Pass on text outside frames at once, and each frame whole when it ends."""
        while text:
            if self._frame is None:
                head, found, text = text.partition(SYNC_START)
                self._dispatch(strip_escapes(head), moment)
                if found:
                    self._frame = []
            else:
                head, found, text = text.partition(SYNC_END)
                self._frame.append(head)
                if found:
                    frame, self._frame = "".join(self._frame), None
                    self.frames += 1
                    self._dispatch(strip_escapes(frame), moment, frame=True)

    def _dispatch(self, text: str, moment: float, *, frame: bool = False) -> None:
        if not text and not frame:
            return
        with self._lock:
            self._tail = (self._tail + text)[-4000:]
            waiters = list(self._waiters)
            watches = list(self._watches)
        done = [
            w
            for w in waiters
            if (w.feed_frame(text, moment) if isinstance(w, FrameWaiter) else w.feed(text, moment))
            if frame or not isinstance(w, FrameWaiter)
        ]
        if done:
            with self._lock:
                self._waiters = [w for w in self._waiters if w not in done]
        for watch in watches:
            watch.feed(text, moment)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
