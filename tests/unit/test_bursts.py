"""Runs of session events and toast coalescing (``xmpptui.app.bursts``), without an app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from xmpptui.app.bursts import Summary, ToastGate, runs


class Source:
    """An event stream fed by the test (like a session's queue)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.closed = False

    def put(self, *items: object) -> None:
        for item in items:
            self.queue.put_nowait(item)

    async def events(self) -> AsyncIterator[object]:
        try:
            while (item := await self.queue.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self.closed = True


def is_message(item: object) -> bool:
    return isinstance(item, str) and item.startswith("m")


async def take(taken: AsyncIterator[list[object]], count: int) -> list[list[object]]:
    return [await anext(taken) for _ in range(count)]


async def test_consecutive_batchable_events_that_arrived_come_as_one_run_in_order() -> None:
    source = Source()
    source.put("m1", "m2", "m3", "presence", "m4", "m5", "state", "state")
    async with aclosing(runs(source.events(), is_message)) as taken:
        got = await take(taken, 5)
    assert got == [["m1", "m2", "m3"], ["presence"], ["m4", "m5"], ["state"], ["state"]]


async def test_a_run_holds_at_most_limit_events() -> None:
    source = Source()
    source.put(*(f"m{n}" for n in range(7)))
    async with aclosing(runs(source.events(), is_message, limit=3)) as taken:
        got = await take(taken, 3)
    assert got == [["m0", "m1", "m2"], ["m3", "m4", "m5"], ["m6"]]


async def test_a_lone_event_is_handed_over_without_waiting_for_more() -> None:
    source = Source()
    async with aclosing(runs(source.events(), is_message)) as taken:
        first = asyncio.ensure_future(anext(taken))
        await asyncio.sleep(0)
        source.put("m1")
        assert await asyncio.wait_for(first, 1) == ["m1"]
        source.put("m2", "m3")  # what arrives while a run is handled makes the next run
        assert await asyncio.wait_for(anext(taken), 1) == ["m2", "m3"]


async def test_the_end_of_the_source_ends_the_runs_after_what_was_left() -> None:
    source = Source()
    source.put("m1", "x", None)
    async with aclosing(runs(source.events(), is_message)) as taken:
        assert [run async for run in taken] == [["m1"], ["x"]]


async def test_an_error_of_the_source_is_raised_after_the_events_before_it() -> None:
    source = Source()
    source.put("m1", "m2", RuntimeError("stream broke"))
    async with aclosing(runs(source.events(), is_message)) as taken:
        assert await anext(taken) == ["m1", "m2"]
        with pytest.raises(RuntimeError, match="stream broke"):
            await anext(taken)


async def test_closing_the_runs_stops_reading_the_source() -> None:
    source = Source()
    source.put("m1")
    async with aclosing(runs(source.events(), is_message)) as taken:
        assert await anext(taken) == ["m1"]
    for _ in range(3):
        await asyncio.sleep(0)
    assert source.closed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_first_toast_shows_then_one_per_gap_summing_up_what_was_held() -> None:
    clock = Clock()
    gate = ToastGate(gap=5.0, clock=clock)
    assert gate.offer("bob", 1, "hi") == Summary(1, "hi")
    assert gate.offer("bob", 3, "again") is None  # just had one: held
    assert gate.timer("bob") == 5.0  # schedule one release ...
    assert gate.offer("bob", 2, "and again") is None
    assert gate.timer("bob") is None  # ... only one
    clock.now += 5
    assert gate.release("bob") == Summary(5, "and again")
    assert gate.release("bob") is None
    clock.now += 1
    assert gate.offer("bob", 1, "soon after") is None
    assert gate.timer("bob") == pytest.approx(4.0)


def test_conversations_have_their_own_gap_and_a_read_one_drops_what_was_held() -> None:
    clock = Clock()
    gate = ToastGate(gap=5.0, clock=clock)
    assert gate.offer("bob", 1, "b") == Summary(1, "b")
    assert gate.offer("carol", 2, "c") == Summary(2, "c")
    assert gate.offer("bob", 1, "b2") is None
    gate.forget("bob")  # the user opened Bob's tab
    clock.now += 5
    assert gate.release("bob") is None
    assert gate.offer("bob", 1, "b3") == Summary(1, "b3")  # the gap has passed
