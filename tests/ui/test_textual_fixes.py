"""The Textual work-arounds: removed widgets are let go (Textual issue #6665), the
mended method answers as Textual's own did, drawn lines make their caches only
when they cache something, the pieces the compositor cuts lines into keep none,
and a line that a filter leaves as it is is not copied."""

from __future__ import annotations

import gc

from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.filter import ANSIToTruecolor, LineFilter
from textual.strip import Strip
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


def test_new_strips_share_one_empty_mapping_until_they_cache() -> None:
    assert "strip-caches" in textual_fixes.apply()
    first, second = Strip([Segment("hello world")]), Strip([Segment("good night")])
    for name in CACHES:
        assert getattr(first, name)._cache is getattr(second, name)._cache  # nothing of its own
    assert first.crop(0, 5).text == "hello"
    assert first._crop_cache._cache is not second._crop_cache._cache  # a dict of its own now
    assert len(first._crop_cache) == 1 and len(second._crop_cache) == 0
    assert second.crop(0, 4).text == "good"  # not the other line's answer
    assert first.crop(0, 5) is first.crop(0, 5)  # answered from the cache


def test_drawn_lines_still_divide_crop_and_style_as_before() -> None:
    textual_fixes.apply()
    line = Strip([Segment("abcdef"), Segment("ghij", RichStyle(bold=True))])
    assert [part.text for part in line.divide([3, 7, 10])] == ["abc", "defg", "hij"]
    assert line.divide([3, 7, 10]) is line.divide([3, 7, 10])
    assert line.crop(2, 8).text == "cdefgh"
    assert line.apply_style(RichStyle(italic=True)).text == "abcdefghij"


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


def test_the_pieces_of_a_divided_line_share_a_cache_that_keeps_nothing() -> None:
    assert "piece-caches" in textual_fixes.apply()
    line = Strip([Segment("abcdef"), Segment("ghij", RichStyle(bold=True))])
    pieces = line.divide([3, 7, 10])
    assert [piece.text for piece in pieces] == ["abc", "defg", "hij"]
    for piece in pieces:
        for name in CACHES:
            assert getattr(piece, name) is textual_fixes.KEEPS_NOTHING
    assert line.divide([3, 7, 10]) is pieces  # the line itself still remembers them
    assert line._crop_cache is not textual_fixes.KEEPS_NOTHING
    piece = pieces[1]
    first, again = piece.crop(1, 3), piece.crop(1, 3)
    assert first.text == again.text == "ef" and first is not again  # answered, not kept
    assert len(piece._crop_cache) == 0 and len(textual_fixes.KEEPS_NOTHING) == 0
    assert [p.text for p in piece.divide([2, 4])] == ["de", "fg"]
    assert piece.apply_style(RichStyle(italic=True)).text == "defg"
    whole = Strip([Segment("xyz")])
    assert whole.divide([3]) == [whole]  # one piece: the line itself, caches untouched
    assert whole._crop_cache is not textual_fixes.KEEPS_NOTHING


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
