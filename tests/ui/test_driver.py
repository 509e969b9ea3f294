"""The input thread of ``ui/driver.py``: it sleeps in ``select`` with no timeout
until a key or the exit comes, waits with a timeout only while a lone Escape
may still become a sequence, and the exit event wakes it."""

from __future__ import annotations

import os
import queue
import selectors
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size
from textual.message import Message

from xmpptui.ui import pace
from xmpptui.ui.driver import QuietDriver, WakingEvent, quiet, read_input

WAIT = 5.0


class Recording(selectors.SelectSelector):
    """Records the timeout of every ``select`` call, in order."""

    timeouts: queue.Queue[float | None]

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        self.timeouts.put(timeout)
        return super().select(timeout)


class Reader:
    def __init__(self) -> None:
        self.keys_r, self.keys_w = os.pipe()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        self.stop = WakingEvent(self.wake_w)
        self.events: queue.Queue[Message] = queue.Queue()
        self.timeouts: queue.Queue[float | None] = queue.Queue()
        self.thread = threading.Thread()

    def start(self) -> None:
        recording = type("R", (Recording,), {"timeouts": self.timeouts})
        self.thread = threading.Thread(
            target=read_input,
            args=(self.keys_r, self.wake_r, self.stop, self.events.put),
            kwargs={"selector_factory": recording},
            daemon=True,
        )
        self.thread.start()

    def key(self) -> str:
        event = self.events.get(timeout=WAIT)
        assert isinstance(event, events.Key)
        return event.key

    def next_timeout(self) -> float | None:
        return self.timeouts.get(timeout=WAIT)

    def close(self) -> None:
        for fd in (self.keys_r, self.keys_w, self.wake_r, self.wake_w):
            os.close(fd)


@pytest.fixture
def reader() -> Iterator[Reader]:
    r = Reader()
    r.start()
    yield r
    r.stop.set()
    r.thread.join(WAIT)
    r.close()


def test_idle_thread_waits_without_timeout_and_keys_arrive(reader: Reader) -> None:
    assert reader.next_timeout() is None  # nothing typed: sleep until input
    os.write(reader.keys_w, b"a")
    assert reader.key() == "a"
    assert reader.next_timeout() is None  # back to sleep, no polling
    os.write(reader.keys_w, "é".encode())
    assert reader.key() == "é"


def test_lone_escape_becomes_a_key_after_its_delay(reader: Reader) -> None:
    assert reader.next_timeout() is None
    os.write(reader.keys_w, b"\x1b")
    waited = reader.next_timeout()
    assert waited is not None and 0 < waited <= 0.2  # Textual's ESCAPE_DELAY at most
    assert reader.key() == "escape"


def test_exit_event_wakes_a_sleeping_thread(reader: Reader) -> None:
    assert reader.next_timeout() is None  # asleep in select
    reader.stop.set()
    reader.thread.join(WAIT)
    assert not reader.thread.is_alive()


def test_a_new_thread_after_an_exit_reads_again(reader: Reader) -> None:
    """Suspend and resume: Textual sets the event, joins, clears it, starts anew."""
    assert reader.next_timeout() is None
    reader.stop.set()
    reader.thread.join(WAIT)
    reader.stop.clear()
    reader.start()
    assert reader.next_timeout() is None  # the stale wake byte was drained
    os.write(reader.keys_w, b"b")
    assert reader.key() == "b"


def test_set_after_close_of_the_pipe_is_harmless() -> None:
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    event = WakingEvent(w)
    event.set()
    assert event.is_set()


def test_quiet_replaces_only_the_linux_driver() -> None:
    assert quiet(LinuxDriver) is QuietDriver
    assert quiet(HeadlessDriver) is HeadlessDriver


def test_the_app_runs_on_the_quiet_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from xmpptui.app import XmppTuiApp

    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    app: Any = XmppTuiApp.__new__(XmppTuiApp)
    assert XmppTuiApp.get_driver_class(app) is QuietDriver


def test_a_key_from_the_terminal_is_stamped_on_arrival(monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver marks each key as on its way (``pace.key_pending``): the network and
    the chat view's redraws yield to it until its echo had its turn."""
    delivered: list[Message] = []
    monkeypatch.setattr(LinuxDriver, "process_message", lambda _self, m: delivered.append(m))
    driver = QuietDriver.__new__(QuietDriver)  # no terminal needed for this path
    assert not pace.key_pending()
    driver.process_message(events.Resize(Size(80, 24), Size(80, 24)))
    assert not pace.key_pending()
    driver.process_message(events.Key("a", "a"))
    assert pace.key_pending()
    assert len(delivered) == 2  # both handed on to Textual


def test_events_go_straight_to_the_apps_thread_safe_queue() -> None:
    """No coroutine and Task per event (one more turn of the loop for every key):
    ``post_message`` is thread-safe by itself."""
    posted: list[tuple[Message, str]] = []

    class App:
        def post_message(self, message: Message) -> bool:
            posted.append((message, threading.current_thread().name))
            return True

    driver = QuietDriver.__new__(QuietDriver)
    driver._app = App()  # type: ignore[assignment]
    key = events.Key("a", "a")
    reader = threading.Thread(target=driver.send_message, args=(key,), name="input")
    reader.start()
    reader.join(WAIT)
    assert posted == [(key, "input")]


def test_a_character_split_across_reads_arrives_whole(reader: Reader) -> None:
    assert reader.next_timeout() is None
    encoded = "é".encode()
    os.write(reader.keys_w, encoded[:1])  # decodes to "" for now: not the end of input
    assert reader.next_timeout() is None
    os.write(reader.keys_w, encoded[1:])
    assert reader.key() == "é"


def test_the_end_of_input_is_not_read_again_and_again(reader: Reader) -> None:
    """A closed input is always "readable": watched further, the thread would spin."""
    assert reader.next_timeout() is None
    os.close(reader.keys_w)
    reader.keys_w = os.open(os.devnull, os.O_WRONLY)  # for close() at the end
    assert reader.next_timeout() is None  # the select after the end of input: asleep
    time.sleep(0.2)  # a spinning thread would call select thousands of times meanwhile
    assert reader.timeouts.qsize() <= 1
    reader.stop.set()
    reader.thread.join(WAIT)
    assert not reader.thread.is_alive()
