"""The Textual work-arounds: removed widgets are let go (Textual issue #6665), and
the mended method answers as Textual's own did."""

from __future__ import annotations

import gc

from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.style import Style
from textual.widgets import Label

from xmpptui.ui import textual_fixes


class Cards(App[None]):
    def compose(self) -> ComposeResult:
        yield Vertical(id="list")

    async def rebuild(self, n: int) -> None:
        box = self.query_one("#list", Vertical)
        await box.remove_children()
        await box.mount_all(Label(f"card {n}.{i}") for i in range(10))


def _styles_caches() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, StylesCache))


async def test_removed_widgets_do_not_keep_their_drawn_lines() -> None:
    assert textual_fixes.apply() == ["styles-cache"]
    app = Cards()
    async with app.run_test(size=(40, 20)) as pilot:
        await app.rebuild(0)
        await pilot.pause()
        before = _styles_caches()
        for n in range(1, 31):  # 300 labels drawn, then removed
            await app.rebuild(n)
            await pilot.pause()
        assert len(app.query(Label)) == 10
        assert app.query(Label).first().content == "card 30.0"  # they were drawn anew
        assert _styles_caches() <= before  # Textual's own kept all 300


def test_the_mended_method_answers_like_textuals() -> None:
    textual_fixes.apply()
    base, background = Color(10, 20, 30), Color(200, 100, 50, a=0.5)
    inner, outer = StylesCache().get_inner_outer(base, background)
    assert inner == Style(background=base + background)
    assert outer == Style(background=base)


def test_apply_is_idempotent() -> None:
    first = textual_fixes.apply()
    method = StylesCache.get_inner_outer
    assert textual_fixes.apply() == first
    assert StylesCache.get_inner_outer is method
