"""The Textual work-arounds: removed widgets are let go (Textual issue #6665), the
mended method answers as Textual's own did, drawn lines make their caches only
when asked for one and keep no divisions, a line that a filter leaves as it is is
not copied, and an update draws only the rows that change and are not covered."""

from __future__ import annotations

import gc
from collections.abc import Sequence

import pytest
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual._compositor import Compositor
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget
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
    assert "styles-cache" in textual_fixes.apply()
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


CACHES = textual_fixes.STRIP_CACHES


def _made(strip: Strip) -> list[str]:
    """The caches ``strip`` has made so far (read through the slots themselves)."""
    made = []
    for name in CACHES:
        lazy = Strip.__dict__[name]
        if isinstance(lazy, textual_fixes._CacheOnFirstUse):
            try:
                lazy._slot.__get__(strip, Strip)
            except AttributeError:
                continue
            made.append(name)
    return made


def test_new_strips_make_a_cache_only_when_one_is_asked_for() -> None:
    assert "strip-caches" in textual_fixes.apply()
    first, second = Strip([Segment("hello world")]), Strip([Segment("good night")])
    assert _made(first) == _made(second) == []
    assert first.crop(0, 5).text == "hello"
    assert _made(first) == ["_crop_cache"] and _made(second) == []
    assert len(first._crop_cache) == 1 and len(second._crop_cache) == 0
    assert second.crop(0, 4).text == "good"  # not the other line's answer
    assert first.crop(0, 5) is first.crop(0, 5)  # answered from the cache
    assert first._crop_cache is not second._crop_cache
    assert first._crop_cache._maxsize == CACHES["_crop_cache"]


def test_drawn_lines_still_divide_crop_and_style_as_before() -> None:
    textual_fixes.apply()
    line = Strip([Segment("abcdef"), Segment("ghij", RichStyle(bold=True))])
    pieces = line.divide([3, 7, 10])
    assert [part.text for part in pieces] == ["abc", "defg", "hij"]
    assert pieces[1].crop(1, 3).text == "ef"
    assert [p.text for p in pieces[1].divide([2, 4])] == ["de", "fg"]
    assert line.crop(2, 8).text == "cdefgh"
    assert line.crop(2, 8) is line.crop(2, 8)
    assert line.apply_style(RichStyle(italic=True)).text == "abcdefghij"
    assert line.crop_extend(8, 12, None).text == "ij  "
    assert line.extend_cell_length(12).cell_length == 12
    assert Strip([Segment("xyz")]).divide([3])[0].text == "xyz"


def test_no_line_keeps_its_divisions() -> None:
    textual_fixes.apply()
    line = Strip([Segment("abcdef"), Segment("ghij", RichStyle(bold=True))])
    first, again = line.divide([3, 7, 10]), line.divide([3, 7, 10])
    assert [p.text for p in first] == [p.text for p in again] == ["abc", "defg", "hij"]
    assert first is not again  # cut anew, not kept with the line
    assert line._divide_cache is textual_fixes.KEEPS_NOTHING and len(line._divide_cache) == 0


def test_the_lazy_cache_keeps_its_size_and_order() -> None:
    cache = textual_fixes.LazyFIFOCache(2)
    assert not cache and cache.get("a") is None and cache.misses == 1
    cache["a"], cache["b"], cache["c"] = 1, 2, 3  # "a", the first in, goes
    assert list(cache.keys()) == ["b", "c"] and cache.get("c") == 3 and cache.hits == 1
    cache["b"] = 20  # a known key replaces its value, nothing goes
    assert list(cache.keys()) == ["b", "c"] and cache.get("b") == 20
    cache.clear()
    assert len(cache) == 0 and cache.get("b") is None
    cache["d"] = 4
    assert textual_fixes.LazyFIFOCache(2).get("d") is None  # the shared mapping stayed empty
    nothing = textual_fixes.KEEPS_NOTHING
    nothing["e"] = 5
    assert nothing.get("e") is None and len(nothing) == 0


class Counting(LineFilter):
    """A filter that changes nothing, and counts the lines it is asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        self.calls += 1
        return [Segment(s.text, s.style, s.control) for s in segments]


def test_a_line_a_filter_leaves_alone_is_its_own_result() -> None:
    assert "filter-copies" in textual_fixes.apply()
    counting, background = Counting(), Color(0, 0, 0)
    line = Strip([Segment("hello", RichStyle(color="#ff0000"))])
    assert line.apply_filter(counting, background) is line
    assert line.apply_filter(counting, background) is line
    assert counting.calls == 1  # remembered, not asked again
    truecolor = ANSIToTruecolor(DEFAULT_TERMINAL_THEME)
    assert line.apply_filter(truecolor, background) is line  # true colour already


def test_a_line_a_filter_changes_is_copied_once() -> None:
    textual_fixes.apply()
    truecolor, background = ANSIToTruecolor(DEFAULT_TERMINAL_THEME), Color(0, 0, 0)
    line = Strip([Segment("ab", RichStyle(color="red")), Segment("cd")])  # an ANSI colour
    copy = line.apply_filter(truecolor, background)
    assert copy is not line and copy.text == "abcd"
    assert copy._segments[0].style is not None and copy._segments[0].style.color is not None
    assert copy._segments[0].style.color.triplet is not None  # now a true colour
    assert line.apply_filter(truecolor, background) is copy  # the copy is remembered
    assert line._segments[0].style == RichStyle(color="red")  # the line itself unchanged


class Layered(App[None]):
    CSS = "#outer { background: red; } #inner { width: 1fr; height: 1fr; background: blue; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="outer"):
            yield Label("in front", id="inner")


async def test_lines_hidden_behind_others_are_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "shown-rows" in textual_fixes.apply()
    app = Layered()
    async with app.run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        ours = Compositor._render_chops
        theirs = ours.__wrapped__  # type: ignore[attr-defined]
        cut: list[Strip] = []
        divide = Strip.divide

        def counted(self: Strip, cuts: list[int]) -> Sequence[Strip]:
            cut.append(self)
            return divide(self, cuts)

        monkeypatch.setattr(Strip, "divide", counted)
        whole = compositor.size.region
        expected = theirs(compositor, whole, lambda y: True)
        cut_by_textual = len(cut)
        cut.clear()
        drawn = ours(compositor, whole, lambda y: True)
        assert [{x: s.text for x, s in line.items()} for line in drawn] == [
            {x: s.text for x, s in line.items()} for line in expected
        ]
        assert [{x: list(s) for x, s in line.items()} for line in drawn] == [
            {x: list(s) for x, s in line.items()} for line in expected
        ]  # the same segments: text and styles
        assert "in front" in drawn[0][0].text
        assert 0 < len(cut) < cut_by_textual  # the covered lines were not cut


class Partly(Layered):
    """``Layered`` with the label covering only the container's first two rows."""

    CSS = "#outer { background: red; } #inner { width: 1fr; height: 2; background: blue; }"


@pytest.mark.parametrize(
    ("rows", "inner", "outer"),
    [
        (range(4), [(0, 2)], [(2, 2)]),  # the container: only its rows not covered
        ((0, 3), [(0, 1)], [(3, 1)]),  # only the rows being updated, in runs
        ((0, 1), [(0, 2)], []),  # covered entirely: the container draws nothing
    ],
)
async def test_a_widget_draws_only_its_updated_rows_not_covered(
    monkeypatch: pytest.MonkeyPatch,
    rows: Sequence[int],
    inner: list[tuple[int, int]],
    outer: list[tuple[int, int]],
) -> None:
    assert "shown-rows" in textual_fixes.apply()
    app = Partly()
    async with app.run_test(size=(30, 6)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        ours = Compositor._render_chops
        theirs = ours.__wrapped__  # type: ignore[attr-defined]
        crop = Region(0, min(rows), 30, max(rows) - min(rows) + 1)
        expected = theirs(compositor, crop, set(rows).__contains__)
        drawn: dict[str | None, list[tuple[int, int]]] = {}
        render_lines = Widget.render_lines

        def spied(self: Widget, region: Region) -> list[Strip]:
            drawn.setdefault(self.id, []).append((region.y, region.height))
            return render_lines(self, region)

        monkeypatch.setattr(Widget, "render_lines", spied)
        chops = ours(compositor, crop, set(rows).__contains__)
        assert drawn.get("inner", []) == inner
        assert drawn.get("outer", []) == outer
        assert None not in drawn  # the screen, behind the container, was not drawn
        for y in rows:  # the same pieces, text and styles, as Textual's own
            assert {x: list(s) for x, s in chops[y].items()} == {
                x: list(s) for x, s in expected[y].items()
            }
        assert "in front" in chops[0][0].text
