"""Work-arounds for Textual leaks that a chat client running for weeks would hit,
and for the memory Textual's drawn lines take.

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
from textual._styles_cache import StylesCache
from textual.cache import FIFOCache
from textual.color import Color
from textual.style import Style

__all__ = ["apply"]

_applied: list[str] | None = None


def apply() -> list[str]:
    """Apply the fixes this Textual needs; returns the names of those in force."""
    global _applied
    if _applied is None:
        fixes = {
            "styles-cache": _unpin_styles_caches,
            "strip-caches": _lazy_strip_caches,
            "piece-caches": _pieces_keep_nothing,
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


def _lazy_strip_caches() -> bool:
    """Every Textual ``Strip`` (one drawn line) makes seven ``FIFOCache``s for what is
    derived from it (crops, divisions, styles...), and most of them stay empty: with
    their dicts, 900 bytes per line, 3 MiB of the app after a message burst. The
    strips get caches that make their dict at the first entry (half the bytes while
    empty): RSS after the benchmark's burst went from 63.1 to 61.5 MiB."""
    init = strip_module.Strip.__init__
    if getattr(strip_module, "FIFOCache", None) is not FIFOCache:
        return False  # no longer Textual's FIFOCache there: nothing known to mend
    if "FIFOCache" not in init.__code__.co_names or "_cache" not in FIFOCache.__slots__:
        return False
    setattr(strip_module, "FIFOCache", LazyFIFOCache)  # noqa: B010 (a module global, replaced)
    return True


class _KeepsNothing(LazyFIFOCache):
    """A cache that keeps nothing (one, shared by every piece of a divided line)."""

    __slots__ = ()

    def set(self, key: Hashable, value: Any) -> None:
        return None

    __setitem__ = set

    def clear(self) -> None:
        return None


KEEPS_NOTHING: FIFOCache[Hashable, Any] = _KeepsNothing(0)
STRIP_CACHES = (
    "_divide_cache", "_crop_cache", "_style_cache", "_filter_cache",
    "_line_length_cache", "_crop_extend_cache", "_offsets_cache",
)  # fmt: skip


def _pieces_keep_nothing() -> bool:
    """Textual's compositor cuts every drawn line into pieces where widgets meet
    (``Strip.divide``), and each piece is a ``Strip`` with seven caches of its own,
    kept as long as the line is: 2,360 pieces after the benchmark's burst. A piece
    is only written out, or cropped once for a partial update; nothing asks it the
    same question twice. So the pieces share one cache that keeps nothing: the same
    answers, computed again if ever asked again. RSS after the burst: 58.75 -> 57.95
    MiB (two interleaved runs each way), burst CPU unchanged."""
    strip_class = strip_module.Strip
    slots = getattr(strip_class, "__slots__", ())
    if not all(name in slots for name in STRIP_CACHES):
        return False  # not the Strip this was written for
    divide = strip_class.divide

    def divide_into_lean_pieces(self: Any, cuts: Iterable[int]) -> Sequence[Any]:
        pieces: Sequence[Any] = divide(self, cuts)
        for piece in pieces:
            if piece is not self and piece._crop_cache is not KEEPS_NOTHING:
                for name in STRIP_CACHES:
                    setattr(piece, name, KEEPS_NOTHING)
        return pieces

    setattr(strip_class, "divide", divide_into_lean_pieces)  # noqa: B010 (a method, replaced)
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
