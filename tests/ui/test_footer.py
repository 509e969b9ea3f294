"""The key footer keeps only the keys it shows (Textual's own kept every key it had
ever built while the focus moved: Textual issue #6666)."""

from __future__ import annotations

import gc
import weakref

from textual.widgets._footer import FooterKey

from tests.ui.fake import Rig, wait_for
from tests.ui.test_main_screen import SIZE, online
from xmpptui import heap
from xmpptui.ui.widgets.composer import Composer
from xmpptui.ui.widgets.roster import RosterView


def _shown(rig: Rig) -> list[FooterKey]:
    return list(rig.app.screen.query(FooterKey))


async def test_focus_changes_do_not_pile_up_footer_keys() -> None:
    rig = Rig()
    built: weakref.WeakSet[FooterKey] = weakref.WeakSet()
    rebuilds = 0

    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        # Start-up's gc.freeze() (xmpptui/heap.py) comes with the next full collection:
        # make it come now, not at a moment that depends on how much was allocated.
        await wait_for(pilot, heap.settled)
        gc.collect()

        def note_keys() -> None:
            nonlocal rebuilds
            keys = _shown(rig)
            rebuilds += not any(key in built for key in keys)
            built.update(keys)

        async def move_focus(times: int) -> None:
            for _ in range(times):
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: isinstance(rig.app.focused, RosterView))
                await pilot.pause()
                note_keys()
                await pilot.press("escape")
                await wait_for(pilot, lambda: isinstance(rig.app.focused, Composer))
                await pilot.pause()
                note_keys()

        def kept() -> int:
            """Keys built earlier, replaced since, and still alive."""
            gc.collect()
            shown = {id(key) for key in _shown(rig)}
            return sum(1 for key in built if id(key) not in shown)

        await move_focus(2)
        before = kept()  # keys built before start-up's gc.freeze() may stay: a one-time cost
        rebuilds = 0
        await move_focus(10)
        assert rebuilds == 20  # the footer did build new keys on each focus change
        assert kept() <= before
        assert [key.description for key in _shown(rig)][:2] == ["Roster", "Presence"]


async def test_a_binding_change_that_shows_the_same_keys_keeps_them() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await pilot.pause()
        before = _shown(rig)
        assert [key.description for key in before][:2] == ["Roster", "Presence"]
        published: list[object] = []
        rig.app.screen.bindings_updated_signal.subscribe(rig.app, published.append)
        for _ in range(3):  # what Textual does at every focus change, keys or not
            rig.app.screen.refresh_bindings()
        await wait_for(pilot, lambda: len(published) == 3)
        for _ in range(3):
            await pilot.pause()
        assert _shown(rig) == before  # the very same widgets: nothing was rebuilt
        await pilot.press("ctrl+r")  # the roster: other keys, built anew
        await wait_for(pilot, lambda: isinstance(rig.app.focused, RosterView))
        await wait_for(pilot, lambda: not any(key in before for key in _shown(rig)))
        assert "Roster" not in [key.description for key in _shown(rig)][:1]
