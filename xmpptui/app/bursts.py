"""Bursts from the session: events taken in runs, toasts coalesced.

A contact (or the server archive) may send thousands of messages in seconds.
Handled one by one, each costs a trip to the history thread, a transaction and
a redraw, and a toast each buries the screen. The helpers here are free of
Textual and of the protocol:

- :func:`runs` regroups a stream of events: each run of consecutive
  *batchable* events that have already arrived (at most ``limit``) comes as one
  list, anything else alone, all in order. The app stores a run in one
  transaction and redraws once. Nothing waits for a run to fill: a lone
  message is handled as soon as it arrives.
- :class:`ToastGate` decides when a conversation may show a toast: at once
  for the first message, then at most one every ``gap`` seconds, which sums up
  what arrived meanwhile.

The start-up heap, frozen out of the collector's sight, is ``xmpptui.heap``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Most events in one run (a run's drawing must stay well under a frame).
RUN_LIMIT = 200
#: Seconds between two toasts of one conversation.
TOAST_GAP = 5.0


async def runs(
    source: AsyncIterable[T], batchable: Callable[[T], bool], limit: int = RUN_LIMIT
) -> AsyncGenerator[list[T], None]:
    """The items of ``source`` in order, in lists: a run of consecutive ``batchable`` items
    already received (at most ``limit``), or one other item.

    A task reads ``source`` ahead into a queue of our own, so a run holds what
    had arrived while the previous one was being handled. An error of
    ``source`` is raised here once the items before it are taken. Close the
    generator (``contextlib.aclosing``) to stop the reading task.
    """
    inbox: deque[T] = deque()
    arrived = asyncio.Event()

    async def read() -> None:
        try:
            async for item in source:
                inbox.append(item)
                arrived.set()
        finally:
            arrived.set()

    reader = asyncio.create_task(read(), name="xmpptui-event-reader")
    reader.add_done_callback(_retrieved)  # raised below, or not wanted after a close
    try:
        while True:
            if not inbox:
                if reader.done():
                    reader.result()  # the source's error, if any
                    return
                arrived.clear()
                await arrived.wait()
                continue
            run = [inbox.popleft()]
            if batchable(run[0]):
                while inbox and len(run) < limit and batchable(inbox[0]):
                    run.append(inbox.popleft())
            yield run
    finally:
        reader.cancel()


def _retrieved(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True, slots=True)
class Summary:
    """What one toast says: ``count`` new messages, the newest reading ``last``."""

    count: int
    last: str


class ToastGate:
    """At most one toast per conversation every ``gap`` seconds.

    :meth:`offer` answers a :class:`Summary` to show now, or ``None``: held.
    The caller then asks :meth:`timer` whether it must schedule a call to
    :meth:`release` (one pending call per conversation), which answers the
    summary of everything held. :meth:`forget` drops what is held (the
    conversation is being read).
    """

    def __init__(self, gap: float = TOAST_GAP, clock: Callable[[], float] = time.monotonic):
        self._gap = gap
        self._clock = clock
        self._shown: dict[str, float] = {}  # peer -> when its last toast showed
        self._held: dict[str, Summary] = {}
        self._timed: set[str] = set()  # peers with a release scheduled

    def offer(self, peer: str, count: int, last: str) -> Summary | None:
        """``count`` new messages from ``peer``, the newest reading ``last``."""
        now = self._clock()
        held = self._held.get(peer)
        if held is None and now - self._shown.get(peer, now - self._gap) >= self._gap:
            self._shown[peer] = now
            return Summary(count, last)
        self._held[peer] = Summary(count + (held.count if held else 0), last)
        return None

    def timer(self, peer: str) -> float | None:
        """Seconds until :meth:`release` for ``peer`` is due, if no call is scheduled yet."""
        if peer not in self._held or peer in self._timed:
            return None
        self._timed.add(peer)
        return max(self._shown.get(peer, 0.0) + self._gap - self._clock(), 0.0)

    def release(self, peer: str) -> Summary | None:
        """The scheduled call: what was held for ``peer`` (now counted as shown), if anything."""
        self._timed.discard(peer)
        held = self._held.pop(peer, None)
        if held is not None:
            self._shown[peer] = self._clock()
        return held

    def forget(self, peer: str) -> None:
        """``peer``'s messages are being read: nothing held is worth a toast."""
        self._held.pop(peer, None)


__all__ = [
    "RUN_LIMIT",
    "TOAST_GAP",
    "Summary",
    "ToastGate",
    "runs",
]
