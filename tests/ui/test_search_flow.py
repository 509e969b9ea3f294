"""/search over the real history database, with the scripted session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ui.fake import ACCOUNT, FakePasswords, Rig, wait_for
from tests.ui.test_main_screen import BOB, SIZE, online
from xmpptui.app import XmppTuiApp
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
    rig = Rig(FakePasswords())
    rig.app = XmppTuiApp(ACCOUNT, rig._make, rig.passwords, history=history)
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
