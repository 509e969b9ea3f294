"""Work-arounds for Textual leaks that a chat client running for weeks would hit.

``apply()`` is called when an app is created; it is idempotent, and each fix steps
aside when the Textual it finds no longer has the fault. The footer's leak (Textual
issue #6666) is mended in ``widgets/footer.py``, and the ``query_one`` cache's
answers about closed tabs in ``widgets/chat_tabs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style

__all__ = ["apply"]

_applied: list[str] = []


def apply() -> list[str]:
    """Apply the fixes this Textual needs; returns the names of those in force."""
    if not _applied and _unpin_styles_caches():
        _applied.append("styles-cache")
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
