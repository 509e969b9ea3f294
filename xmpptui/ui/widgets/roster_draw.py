"""How one roster row is drawn: pieces of text with styles, cut to fit the width.

Pure functions over :class:`~xmpptui.ui.widgets.roster_rows.Row`; every
network string goes through :mod:`xmpptui.ui.render`.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from xmpptui.models import Show
from xmpptui.ui import render
from xmpptui.ui.widgets.roster_rows import Row

_SUBSCRIPTION_MARKS = {"to": "→ ", "from": "← ", "none": "× "}
Part = tuple[str, str, int]  # text, style ("@name": component class), flex (0 fixed, 1, 2)


def row_parts(row: Row) -> list[Part]:
    """The pieces of ``row``'s line, cleaned. Flex 2 shrinks first, then flex 1."""
    name = render.clean_identity(row.name) or render.clean_identity(row.jid)
    if row.kind == "group":
        arrow = "▶ " if row.collapsed else "▼ "
        return [(arrow, "dim", 0), (name, "@group", 1), (f" {row.online}/{row.total}", "dim", 0)]
    if row.kind == "request-header":
        return [(f"{row.name} ({row.total})", "@requests", 0)]
    if row.kind == "request":
        parts = [("? ", "@requests", 0), (render.clean_identity(row.jid), "", 1)]
        nick = render.clean_identity(row.name, max_len=32)
        return [*parts, (f" ({nick})", "dim", 2)] if nick else parts
    online = row.show is not Show.OFFLINE
    marker = render.presence_marker(row.show)
    parts = [(marker.plain + " ", str(marker.style), 0)]
    if not row.ask and row.subscription in _SUBSCRIPTION_MARKS:
        parts.append((_SUBSCRIPTION_MARKS[row.subscription], "dim", 0))
    parts.append((name, "" if online else "dim", 1))
    if row.ask:
        parts.append((" (pending)", "dim italic", 0))
    if row.unread:
        parts.append((f" ({row.unread})", "bold", 0))
    status = render.clean_identity(row.status, max_len=48)
    if status:
        parts.append((" " + status, "dim italic", 2))
    return parts


def fit_parts(parts: list[Part], width: int) -> list[Part]:
    """Cut flex-2 parts, then flex-1 parts (ending with ``…``) until ``parts`` fit ``width``."""
    excess = sum(cell_len(text) for text, _, _ in parts) - width
    fitted = list(parts)
    for flex in (2, 1):
        for index, (text, style, part_flex) in enumerate(fitted):
            if excess <= 0:
                return fitted
            if part_flex != flex:
                continue
            length = cell_len(text)
            keep = length - excess
            cut = "" if keep < 3 else set_cell_size(text, keep - 1) + render.ELLIPSIS
            excess -= length - cell_len(cut)
            fitted[index] = (cut, style, part_flex)
    return fitted
