"""Bursts of messages through the real app and history: runs, order, duplicates, toasts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.ui.fake import ACCOUNT, FakePasswords, Rig, log_text, wait_for
from tests.ui.test_main_screen import BOB, CAROL, SIZE, online
from xmpptui.app import XmppTuiApp
from xmpptui.models import ChatMessage
from xmpptui.store.history import AsyncHistory
from xmpptui.xmpp import events as ev

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def message(n: int, peer: str = BOB, msg_id: str | None = None) -> ev.MessageReceived:
    body = f"burst {peer.split('@')[0]} {n}"
    when = START + timedelta(milliseconds=n)
    return ev.MessageReceived(ChatMessage(msg_id or f"{peer}-{n}", peer, peer, body, when, False))


def bodies(rig: Rig, peer: str) -> list[str]:
    view = rig.app.main.tabs.log_for(peer)
    return [m.body for m in view.messages] if view is not None else []


async def test_a_burst_into_the_open_tab_is_stored_shown_in_order_once_and_read(
    history: AsyncHistory,
) -> None:
    await history.add_many(ACCOUNT, [message(5).message])  # known before: not shown twice
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await rig.app.main.open_conversation(BOB)
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        burst = [message(n) for n in range(1, 601)]
        burst.insert(300, message(7))  # a duplicate inside the burst
        burst.insert(100, message(2, CAROL))  # another conversation in between
        rig.session.emit(*burst)
        await wait_for(pilot, lambda: len(bodies(rig, BOB)) == 600, timeout=20)
        assert bodies(rig, BOB) == [f"burst bob {n}" for n in range(1, 601)]
        assert bodies(rig, CAROL) == ["burst carol 2"]  # its tab opened in the background
        assert rig.app._unread == {CAROL: 1}
        await wait_for(pilot, lambda: len(rig.app._notifications) == 1)  # Carol's, at once
        # the last batch is on screen before its read mark is written: wait for the
        # mark, not for the app to quit in between (CI, on a loaded machine)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while await history.unread_counts(ACCOUNT) != {CAROL: 1} and loop.time() < deadline:
            await pilot.pause(0.01)
    stored = await history.recent(ACCOUNT, BOB, 1000)
    assert [m.body for m in stored] == [f"burst bob {n}" for n in range(1, 601)]
    assert await history.unread_counts(ACCOUNT) == {CAROL: 1}  # Bob's were read as they came


async def test_a_burst_into_a_background_tab_counts_unread_and_toasts_once(
    history: AsyncHistory,
) -> None:
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(*(message(n) for n in range(1, 301)))
        await wait_for(pilot, lambda: rig.app._unread.get(BOB) == 300, timeout=20)
        await pilot.pause(0.05)
        assert len(rig.app._notifications) == 1  # not 300: the rest is summed up later
        assert rig.app.main.tabs.active_peer is None  # still on the console
    assert await history.unread_counts(ACCOUNT) == {BOB: 300}


async def test_held_messages_get_one_summary_toast_unless_the_tab_was_opened(
    history: AsyncHistory,
) -> None:
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        rig.session.emit(message(1))
        await wait_for(pilot, lambda: len(rig.app._notifications) == 1)
        rig.session.emit(message(2), message(3))
        await wait_for(pilot, lambda: rig.app._unread.get(BOB) == 3)
        rig.app._release_toast(BOB)  # what the timer does after the gap
        await wait_for(pilot, lambda: len(rig.app._notifications) == 2)
        toasts = list(rig.app._notifications)
        assert toasts[-1].title == "Bob: 2 new messages"
        assert toasts[-1].message == "burst bob 3"
        rig.session.emit(message(4))
        await wait_for(pilot, lambda: rig.app._unread.get(BOB) == 4)
        await rig.app.main.open_conversation(BOB)  # read now: nothing to announce
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        rig.app._release_toast(BOB)
        await pilot.pause(0.05)
        assert len(rig.app._notifications) == 2


async def test_a_run_that_cannot_be_stored_at_once_is_stored_one_by_one(
    history: AsyncHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = history.add

    async def failing_many(account: str, messages: object) -> list[bool]:
        raise RuntimeError("the transaction failed")

    async def add_one(account: str, message: ChatMessage) -> bool:
        if message.id == f"{BOB}-2":
            raise RuntimeError("this one is refused")
        return await add(account, message)

    monkeypatch.setattr(history, "add_many", failing_many)
    monkeypatch.setattr(history, "add", add_one)
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await rig.app.main.open_conversation(BOB)
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        rig.session.emit(*(message(n) for n in range(1, 4)))
        await wait_for(pilot, lambda: len(bodies(rig, BOB)) == 2)
        await pilot.pause(0.05)
        assert bodies(rig, BOB) == ["burst bob 1", "burst bob 3"]  # never shown unstored
    assert [m.body for m in await history.recent(ACCOUNT, BOB)] == ["burst bob 1", "burst bob 3"]


async def test_an_open_tab_keeps_the_newest_and_scrolling_up_brings_back_the_rest(
    history: AsyncHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("xmpptui.app.KEPT_IN_TAB", 50)
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await rig.app.main.open_conversation(BOB)
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        view = rig.app.main.tabs.log_for(BOB)
        assert view is not None and view.keep == 50
        rig.session.emit(*(message(n) for n in range(1, 301)))
        await wait_for(pilot, lambda: bodies(rig, BOB)[-1:] == ["burst bob 300"], timeout=20)
        await wait_for(pilot, lambda: not view._dirty)
        assert 50 <= len(bodies(rig, BOB)) <= 62  # the rest is only in the history
        assert "burst bob 300" in log_text(rig.app, BOB)
        for _ in range(10):  # the user scrolls to the top, page after page
            if bodies(rig, BOB)[:1] == ["burst bob 1"]:
                break
            count = len(bodies(rig, BOB))
            view.scroll_home(animate=False)
            await wait_for(pilot, lambda: len(bodies(rig, BOB)) > count)  # noqa: B023
            # laid out, so that the next scroll to the top is seen (a dirty view ignores it)
            await wait_for(pilot, lambda: not view._dirty)
        assert bodies(rig, BOB) == [f"burst bob {n}" for n in range(1, 301)]
    assert len(await history.recent(ACCOUNT, BOB, 1000)) == 300


async def test_without_a_history_a_tab_keeps_every_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("xmpptui.app.KEPT_IN_TAB", 50)
    rig = Rig(FakePasswords())
    rig.app = XmppTuiApp(ACCOUNT, rig._make, rig.passwords)  # nothing would bring them back
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await rig.app.main.open_conversation(BOB)
        await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
        rig.session.emit(*(message(n) for n in range(1, 101)))
        await wait_for(pilot, lambda: len(bodies(rig, BOB)) == 100, timeout=20)
        view = rig.app.main.tabs.log_for(BOB)
        assert view is not None
        await wait_for(pilot, lambda: not view._dirty)
        assert bodies(rig, BOB) == [f"burst bob {n}" for n in range(1, 101)]
