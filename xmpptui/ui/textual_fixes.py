"""Work-arounds for Textual leaks that a chat client running for weeks would hit,
for the memory Textual's drawn lines take, and for the lines it drew only to hide
them behind others.

``apply()`` is called when an app is created; it is idempotent, and each fix steps
aside when the Textual it finds no longer has the fault. The footer's leak (Textual
issue #6666) is mended in ``widgets/footer.py``, and the ``query_one`` cache's
answers about closed tabs in ``widgets/chat_tabs.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from textual import strip as strip_module
from textual._compositor import Compositor
from textual._styles_cache import StylesCache
from textual.cache import FIFOCache
from textual.color import Color
from textual.geometry import Region
from textual.style import Style

__all__ = ["apply"]

_applied: list[str] | None = None


def apply() -> list[str]:
    """Apply the fixes this Textual needs; returns the names of those in force."""
    global _applied
    if _applied is None:
        fixes = {
            "styles-cache": _unpin_styles_caches,
            "shown-rows": _only_shown_rows_drawn,
            "strip-caches": _strips_cache_on_first_use,
            "filter-copies": _unfiltered_lines_not_copied,
        }
        _applied = [name for name, fix in fixes.items() if fix()]
    return list(_applied)


def _unpin_styles_caches() -> bool:
    """Textual issue #6665: ``StylesCache.get_inner_outer`` is an instance method
    under ``lru_cache(1024)``, so the cache's keys hold the ``StylesCache`` of every
    widget drawn lately, removed ones too, and with it the widget's drawn lines (a
    chat tab's are about 60 KiB). Opening and closing 25 tabs grew the app by 5 MiB.
    The method uses only its two colours, so they become the whole key."""
    method: Any = StylesCache.__dict__.get("get_inner_outer")
    compute: Callable[[Any, Color, Color], tuple[Style, Style]] | None = getattr(
        method, "__wrapped__", None
    )
    if compute is None or not hasattr(method, "cache_info"):
        return False  # no longer cached per instance: nothing to mend

    @lru_cache(1024)
    def by_colours(base_background: Color, background: Color) -> tuple[Style, Style]:
        return compute(None, base_background, background)

    def get_inner_outer(
        self: StylesCache, base_background: Color, background: Color
    ) -> tuple[Style, Style]:
        return by_colours(base_background, background)

    get_inner_outer.__doc__ = method.__doc__
    setattr(StylesCache, "get_inner_outer", get_inner_outer)  # noqa: B010 (a method, replaced)
    return True


_NOTHING: Mapping[Any, Any] = MappingProxyType({})


class LazyFIFOCache(FIFOCache[Hashable, Any]):
    """A ``FIFOCache`` without a dict of its own until its first entry: until then it
    reads from one shared, read-only empty mapping."""

    __slots__ = ()

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._cache = _NOTHING  # type: ignore[assignment]
        self.hits = 0
        self.misses = 0

    def set(self, key: Hashable, value: Any) -> None:
        cache = self._cache
        if cache is _NOTHING:
            self._cache = {key: value}
            return
        if key not in cache and len(cache) >= self._maxsize:
            for first_key in cache:
                cache.pop(first_key)
                break
        cache[key] = value

    __setitem__ = set

    def clear(self) -> None:
        self._cache = _NOTHING  # type: ignore[assignment]


class _KeepsNothing(LazyFIFOCache):
    """A cache that keeps nothing (one, shared by every line, for their divisions)."""

    __slots__ = ()

    def set(self, key: Hashable, value: Any) -> None:
        return None

    __setitem__ = set

    def clear(self) -> None:
        return None


KEEPS_NOTHING: FIFOCache[Hashable, Any] = _KeepsNothing(0)


class _CacheOnFirstUse:
    """A ``Strip`` cache slot that makes its cache the first time it is asked for."""

    __slots__ = ("_maxsize", "_slot")

    def __init__(self, slot: Any, maxsize: int) -> None:
        self._slot = slot  # the slot's own member descriptor
        self._maxsize = maxsize

    def __get__(self, strip: Any, owner: type | None = None) -> Any:
        if strip is None:
            return self
        try:
            return self._slot.__get__(strip, owner)
        except AttributeError:
            cache = LazyFIFOCache(self._maxsize)
            self._slot.__set__(strip, cache)
            return cache

    def __set__(self, strip: Any, value: Any) -> None:
        self._slot.__set__(strip, value)


# Strip's slots as of Textual 8, and the sizes Textual gives its caches
STRIP_CACHES = {
    "_divide_cache": 4, "_crop_cache": 16, "_style_cache": 16, "_filter_cache": 4,
    "_line_length_cache": 4, "_crop_extend_cache": 4, "_offsets_cache": 4,
}  # fmt: skip
_STRIP_VALUES = ("_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count")


def _strips_cache_on_first_use() -> bool:
    """Every Textual ``Strip`` (one drawn line) made seven caches for what is derived
    from it (crops, divisions, styles...), and most stay empty all their life.
    A strip now has no cache until one is asked for.

    And none keeps its divisions: the compositor cuts each line into pieces where
    widgets meet (``Strip.divide``), most of them pieces of the blank lines of
    containers hidden behind their children, and Textual kept them (2,360 after the
    benchmark's burst). A line is cut again at each frame instead; that costs burst
    CPU only where ``_only_shown_rows_drawn`` does not spare the hidden lines the
    cutting (with both, burst CPU as before: 0.53 s)."""
    strip_class = strip_module.Strip
    init = strip_class.__init__
    if set(getattr(strip_class, "__slots__", ())) != {*STRIP_CACHES, *_STRIP_VALUES}:
        return False  # not the Strip this was written for
    if init.__code__.co_varnames[:3] != ("self", "segments", "cell_length"):
        return False

    def __init__(self: Any, segments: Iterable[Any], cell_length: int | None = None) -> None:
        self._segments = list(segments)
        self._cell_length = cell_length
        self._render_cache = None
        self._link_ids = None
        self._cell_count = None

    __init__.__doc__ = init.__doc__
    for name, size in STRIP_CACHES.items():
        if name != "_divide_cache":
            setattr(strip_class, name, _CacheOnFirstUse(strip_class.__dict__[name], size))
    setattr(strip_class, "_divide_cache", KEEPS_NOTHING)  # noqa: B010 (a slot, replaced)
    setattr(strip_class, "__init__", __init__)  # noqa: B010 (a method, replaced)
    return True


def _unfiltered_lines_not_copied() -> bool:
    """Before a line reaches the screen, Textual passes it through the app's line
    filters (``Strip.apply_filter``); the one always on turns the theme's ANSI
    colours into true colours. It makes a new ``Strip`` for every line, kept in the
    line's cache, even when nothing changed, which is nearly always: our styles are
    true colours already. Such a line is now its own result, and its cache remembers
    that instead of a copy."""
    strip_class = strip_module.Strip
    slots = getattr(strip_class, "__slots__", ())
    if not all(name in slots for name in ("_filter_cache", "_segments", "_cell_length")):
        return False  # not the Strip this was written for
    unchanged = strip_class([])  # the cache's mark for "the line itself"

    def apply_filter(self: Any, filter: Any, background: Color) -> Any:
        key = (filter, background)
        filtered = self._filter_cache.get(key)
        if filtered is None:
            segments = filter.apply(self._segments, background)
            if segments == self._segments:
                filtered = unchanged
            else:
                filtered = strip_class(segments, self._cell_length)
            self._filter_cache[key] = filtered
        return self if filtered is unchanged else filtered

    apply_filter.__doc__ = strip_class.apply_filter.__doc__
    setattr(strip_class, "apply_filter", apply_filter)  # noqa: B010 (a method, replaced)
    return True


# Compositor._render_chops of Textual 8, whose loop _only_shown_rows_drawn repeats
_RENDER_CHOPS_NAMES = (
    "self", "crop", "is_rendered_line", "cuts", "chops", "renders", "intersection",
    "region", "clip", "strips", "render_region", "y", "strip", "chops_line",
    "final_cuts", "cut_strips", "get_chops_line", "cut",
)  # fmt: skip


def _only_shown_rows_drawn() -> bool:
    """To draw an update, the compositor goes through the widgets from front to back,
    has each one that overlaps the changed area draw itself, and cuts their lines
    into pieces where widgets meet, keeping a piece only where nothing in front has
    one already. Each widget drew all its lines, however few had changed: for a
    key's echo in the composer (3 rows), the chat tabs and the four containers
    behind them drew 190 lines, only to throw them away. Now a widget draws only
    the rows that are both being updated and not yet covered by what is in front
    (rows it did not draw stay due in its own cache); what is drawn is the same."""
    original = Compositor._render_chops
    if original.__code__.co_varnames != _RENDER_CHOPS_NAMES:
        return False  # not the loop this repeats

    def _render_chops(
        self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Any]]:
        cuts = self.cuts
        chops: list[dict[int, Any]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        intersection = Region.intersection
        crop_overlaps, top, bottom = crop.overlaps, crop.y, crop.bottom
        for widget, (region, clip) in list(self.visible_widgets.items()):
            if not crop_overlaps(clip):
                continue
            render_region = intersection(region, clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            wanted: list[tuple[int, list[int]]] = []  # rows to draw, with their cuts
            for y in range(max(render_region.y, top), min(render_region.bottom, bottom)):
                if not is_rendered_line(y):
                    continue
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                get = chops[y].get
                if all(get(cut) is not None for cut in final_cuts[:-1]):
                    continue  # every piece would fall behind what is in front
                wanted.append((y, final_cuts))
            for run in _runs(wanted):
                first_y = run[0][0]
                strips = widget.render_lines(
                    Region(render_x - region.x, first_y - region.y, render_region.width, len(run))
                )
                for (y, final_cuts), strip in zip(run, strips, strict=False):
                    chops_line = chops[y]
                    get = chops_line.get
                    pieces = strip.divide([cut - render_x for cut in final_cuts[1:]])
                    for cut, piece in zip(final_cuts, pieces, strict=False):
                        if get(cut) is None:  # front to back: the first piece for a cut wins
                            chops_line[cut] = piece
        return chops

    _render_chops.__doc__ = original.__doc__
    _render_chops.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(Compositor, "_render_chops", _render_chops)  # noqa: B010 (a method, replaced)
    return True


def _runs(rows: list[tuple[int, list[int]]]) -> Iterable[list[tuple[int, list[int]]]]:
    """``rows`` (in order) in runs of consecutive row numbers."""
    run: list[tuple[int, list[int]]] = []
    for row in rows:
        if run and row[0] != run[-1][0] + 1:
            yield run
            run = []
        run.append(row)
    if run:
        yield run
