"""Growing or shrinking a Line-API view without a layout of the whole screen."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView

__all__ = ["set_virtual_size"]


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give ``view`` its new content size.

    Not ``view.virtual_size = size``: that reactive asks for a layout of the whole
    screen and a repaint of every widget on it, at every message, stanza or filter
    key that changes the number of rows. The rows are the view's alone; only a
    scrollbar appearing or going needs the screen's layout, and ``_scroll_update``
    asks for that itself (``show_vertical_scrollbar`` is a layout reactive).
    """
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
