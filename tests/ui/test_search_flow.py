"""/search over the real history database, with the scripted session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ui.fake import ACCOUNT, Rig, log_text, wait_for
from tests.ui.test_main_screen import BOB, SIZE, online
from xmpptui.models import ChatMessage
from xmpptui.store.history import AsyncHistory
from xmpptui.ui.screens.search import SearchScreen


async def test_search_finds_an_old_message_and_jumps_to_it(tmp_path: Path) -> None:
    history = AsyncHistory(tmp_path / "history.sqlite3")
    await history.open()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    old = [
        ChatMessage(f"m{n}", BOB, BOB, f"filler message {n}", start + timedelta(minutes=n), False)
        for n in range(1000)
    ]
    old[3] = ChatMessage(
        "needle-id", BOB, BOB, "the [b]haystack[/b] needle", old[3].timestamp, False
    )
    await history.add_many(ACCOUNT, old)
    rig = Rig(history=history)
    try:
        async with rig.app.run_test(size=SIZE) as pilot:
            await online(rig, pilot)
            await pilot.press(*"/search needle", "enter")
            await wait_for(pilot, lambda: isinstance(rig.app.screen, SearchScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
            view = rig.app.main.tabs.log_for(BOB)
            assert view is not None
            # Only the newest page was loaded on opening; the jump loaded back to the hit.
            await wait_for(pilot, lambda: any(m.id == "needle-id" for m in view.messages))
            assert len(view.messages) > 200
    finally:
        await history.close()


async def test_restored_tabs_get_names_and_read_messages_stay_read(tmp_path: Path) -> None:
    from tests.ui.test_main_screen import incoming

    history = AsyncHistory(tmp_path / "history.sqlite3")
    await history.open()
    await history.save_open_tabs(ACCOUNT, [BOB])
    rig = Rig(history=history)
    try:
        async with rig.app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: rig.app.main.tabs.has_peer(BOB))
            assert rig.app.main.tabs.title_of(BOB) == BOB  # no roster yet
            await online(rig, pilot)
            await wait_for(pilot, lambda: rig.app.main.tabs.title_of(BOB) == "Bob")
            await pilot.press("alt+2")
            await wait_for(pilot, lambda: rig.app.main.tabs.active_peer == BOB)
            rig.session.emit(incoming("read while open", msg_id="r1"))
            await wait_for(pilot, lambda: "read while open" in log_text(rig.app, BOB))
        assert await history.unread_counts(ACCOUNT) == {}
    finally:
        await history.close()


async def test_restored_messages_get_the_contact_name_once_the_roster_came(
    tmp_path: Path,
) -> None:
    """A tab restored before login showed its stored messages as ``bob@…: text``; when
    the roster names the contact, they read ``Bob: text`` like the new ones."""
    history = AsyncHistory(tmp_path / "history.sqlite3")
    await history.open()
    await history.save_open_tabs(ACCOUNT, [BOB])
    then = datetime.now(UTC) - timedelta(minutes=5)
    await history.add_many(ACCOUNT, [ChatMessage("old1", BOB, BOB, "stored hello", then, False)])
    rig = Rig(history=history)
    try:
        async with rig.app.run_test(size=SIZE) as pilot:
            # The tab is restored from the history off the loop: wait for it, then its text.
            await wait_for(pilot, lambda: rig.app.main.tabs.has_peer(BOB))
            await wait_for(pilot, lambda: "stored hello" in log_text(rig.app, BOB))
            assert f"{BOB}: stored hello" in log_text(rig.app, BOB)  # no roster yet
            await online(rig, pilot)
            await wait_for(pilot, lambda: "Bob: stored hello" in log_text(rig.app, BOB))
            assert f"{BOB}: stored hello" not in log_text(rig.app, BOB)
    finally:
        await history.close()
