"""A terminal driver whose input thread sleeps until there is input.

Textual's ``LinuxDriver`` reads the keyboard on a thread that wakes ten times a
second (``select(0.1)``) to see whether the app is stopping and whether a lone
Escape has waited long enough to be a key. Idle, that was all of xmpptui's CPU
(0.1-0.2 % of a core; the event loop itself sleeps). Here the thread waits on
two descriptors with no timeout: the terminal, and a pipe that the driver's
``exit_event`` writes to when it is set. A timeout is used only while the
parser holds a half-read escape sequence, for exactly as long as it has left.
Events go straight to the app's queue (``post_message`` is thread-safe), and
each key is stamped on arrival for ``ui.pace`` (keys go first). Everything else
(terminal modes, parsing, suspend and resume) is Textual's.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
import weakref
from codecs import getincrementaldecoder
from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from xmpptui.ui import pace

#: How often to look for a timed-out escape sequence when the parser does not
#: say when (a Textual release that renamed its private deadline): Textual's own.
POLL = 0.1


class WakingEvent(threading.Event):
    """A ``threading.Event`` that also writes a byte to a pipe when set, so a
    thread blocked in ``select`` on the pipe's other end wakes up to see it."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        # A full pipe wakes the reader anyway; a closed one has no reader.
        with contextlib.suppress(OSError):
            os.write(self._wake_fd, b"\0")


_UNKNOWN = object()


def _deadline(parser: XTermParser) -> float | None:
    """Seconds until the parser's pending escape times out; ``None``: nothing pending."""
    deadline = getattr(parser, "_timeout_time", _UNKNOWN)
    if deadline is None:
        return None
    if not isinstance(deadline, float | int):
        return POLL
    return max(0.0, deadline - get_time())


def read_input(
    fileno: int,
    wake_fd: int,
    stop: threading.Event,
    deliver: Callable[[Message], None],
    parser: XTermParser | None = None,
    selector_factory: Callable[[], selectors.BaseSelector] = selectors.SelectSelector,
) -> None:
    """Read ``fileno`` and deliver parsed events until ``stop`` is set.

    Blocks in ``select`` with no timeout unless an escape sequence is pending;
    ``stop`` must wake the thread by writing to ``wake_fd``'s pipe (``WakingEvent``).
    """
    parser = parser or XTermParser()
    decode = getincrementaldecoder("utf-8")().decode
    selector = selector_factory()
    selector.register(fileno, selectors.EVENT_READ, "input")
    selector.register(wake_fd, selectors.EVENT_READ, "wake")

    def hand_over(events: Iterable[Message]) -> None:
        for event in events:
            deliver(event)

    try:
        while not stop.is_set():
            for key, _mask in selector.select(_deadline(parser)):
                if key.data == "wake":
                    _drain(wake_fd)
                    continue
                raw = os.read(fileno, 4096)
                if not raw:  # end of input (a closed pipe): stop watching it, or it spins
                    selector.unregister(fileno)
                    continue
                if data := decode(raw):  # "": the first bytes of a character so far
                    hand_over(parser.feed(data))
            hand_over(parser.tick())
    finally:
        selector.close()
        _drain(wake_fd)
        with contextlib.suppress(Exception):  # end of input: a half sequence is dropped
            for _event in parser.feed(""):
                pass


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):  # BlockingIOError: empty
        while os.read(fd, 512):
            pass


class QuietDriver(LinuxDriver):
    """``LinuxDriver`` with an input thread that sleeps until input or exit."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event = WakingEvent(self._wake_write)
        # Not closed in close(): Textual calls that on suspend (ctrl+z) too.
        weakref.finalize(self, _close, self._wake_read, self._wake_write)

    def send_message(self, message: Message) -> None:
        # Textual's driver wraps each event in a coroutine and a Task on the loop, which
        # then posts it: one turn of the loop (with whatever else is ready) more than
        # ``post_message``, which is thread-safe by itself (call_soon_threadsafe).
        self._app.post_message(message)

    def process_message(self, message: Message) -> None:
        if isinstance(message, events.Key):
            pace.key_arrived()  # the network and due redraws let it go first (ui.pace)
        super().process_message(message)

    def run_input_thread(self) -> None:
        read_input(
            self.fileno,
            self._wake_read,
            self.exit_event,
            self.process_message,
            XTermParser(self._debug),
        )


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def quiet(driver_class: type[Any]) -> type[Any]:
    """``QuietDriver`` in place of Textual's ``LinuxDriver``; any other driver as is
    (one named by TEXTUAL_DRIVER, Textual's headless driver in tests)."""
    return QuietDriver if driver_class is LinuxDriver else driver_class
