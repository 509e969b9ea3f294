"""How one chat entry looks: pure functions from a message or notice to lines of parts.

No Textual here (Rich only for cell widths), so the layout is tested without an
app. A *part* is ``(text, style_name)``; a *line* is a tuple of parts; the
widget (``chat_view.py``) maps style names to colours. Every string from the
network goes through ``render.clean_body`` / ``render.clean_identity`` first
and is never parsed as markup.

| line          | looks like                                                |
|---------------|-----------------------------------------------------------|
| day separator | ``── Friday 20 November 2026 ──`` (centred)               |
| message       | ``09:41 Bob: body`` (sender coloured: own vs peer)        |
| grouped       | ``09:42      body`` (same sender within ``GROUP_GAP``)    |
| wrapped       | hanging indent under the body start                       |
| outgoing      | body then `` ◷`` pending, `` ✓`` sent, `` ✓✓`` delivered, |
|               | `` ✗ not sent (retry: /retry)`` failed                    |
| corrected     | body then `` (edited)``                                   |
| large (>10kB) | first ``COLLAPSED_LINES`` lines, then                     |
|               | ``… [N more lines — enter/e to expand]``                  |
| notice        | ``09:41 text`` in the notice's style                      |

URLs are styled (``url``) but stay plain text: no link, nothing opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, TypeAlias

from rich.cells import cell_len, split_graphemes

from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui import render

Part: TypeAlias = tuple[str, str]
Line: TypeAlias = tuple[Part, ...]

TIME_CELLS: Final = 6  # "HH:MM "
NAME_MAX: Final = 32  # sender names are cut to this many characters
MIN_BODY: Final = 12  # below this many cells beside the prefix, the body starts below it
LARGE_BYTES: Final = 10 * 1024  # bodies above this are collapsed until expanded
COLLAPSED_LINES: Final = 6

MARKS: Final = {
    Delivery.PENDING: "◷",
    Delivery.SENT: "✓",
    Delivery.DELIVERED: "✓✓",
    Delivery.FAILED: "✗ not sent (retry: /retry)",
}
"""Delivery marker drawn after an outgoing message (none for ``RECEIVED``)."""

EDITED: Final = "(edited)"

_URL: Final = re.compile(r"(?:https?|ftp)://[^\s<>\"']+|xmpp:[^\s<>\"']+|www\.[^\s<>\"']+", re.I)
_URL_TAIL: Final = ".,;:!?)]}>'\""
_TOKEN: Final = re.compile(r"\S+\s*|\s+")


def local(when: datetime) -> datetime:
    """``when`` in the local time zone (a naive time is taken as local already)."""
    return when.astimezone() if when.tzinfo is not None else when


def local_day(when: datetime) -> date:
    return local(when).date()


def time_label(when: datetime) -> str:
    return local(when).strftime("%H:%M")


def day_label(day: date) -> str:
    """``── Friday 20 November 2026 ──``."""
    return f"── {day:%A} {day.day} {day:%B} {day.year} ──"


def display_name(name: str) -> str:
    return render.clean_identity(name, NAME_MAX) or "?"


def display_body(body: str) -> str:
    """The cleaned body with tabs as spaces (what is measured and drawn)."""
    return render.clean_body(body).replace("\t", "    ")


def is_large(body: str) -> bool:
    return len(body) * 4 > LARGE_BYTES and len(body.encode("utf-8", "replace")) > LARGE_BYTES


def suffix(message: ChatMessage) -> str:
    """What follows the body: `` (edited)`` and the delivery marker of an outgoing message."""
    text = f" {EDITED}" if message.edited else ""
    mark = MARKS.get(message.state, "") if message.outgoing else ""
    return f"{text} {mark}" if mark else text


def plain_cells(body: str) -> int:
    """The cell width of a body that is drawn on one line as it is, else -1.

    Cheap for the common short ASCII message; -1 means "lay it out to know".
    """
    if len(body) > 2000:
        return -1
    if body.isascii():
        return len(body) if body.isprintable() else -1
    cleaned = render.clean_body(body)
    return -1 if "\n" in cleaned or "\t" in cleaned else cell_len(cleaned)


def find_urls(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each URL in ``text``, trailing punctuation left out."""
    spans = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TAIL:
            end -= 1
        if end - start > 4:
            spans.append((start, end))
    return spans


def first_url(text: str) -> str | None:
    spans = find_urls(text)
    return text[spans[0][0] : spans[0][1]] if spans else None


def wrap(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """Word-wrap ``text`` into ``(start, end)`` ranges: ``first`` cells on the first
    line (0: nothing fits there), ``rest`` on the others. Newlines always break;
    words longer than a line are cut between graphemes. Drawn lines drop their
    trailing spaces."""
    rest = max(rest, 1)
    ranges: list[tuple[int, int]] = []
    width = first
    if width < 1:
        ranges.append((0, 0))
        width = rest
    start = 0
    for para in text.split("\n"):
        end = start + len(para)
        plain = para.isascii() and para.isprintable()  # one cell per character
        if (len(para) if plain else cell_len(para)) <= width:
            ranges.append((start, end))
        elif plain and not para.startswith(" "):
            _wrap_plain(text, start, end, width, rest, ranges)
        else:
            _wrap_paragraph(text, start, end, width, rest, ranges)
        width = rest
        start = end + 1
    return ranges


def _wrap_plain(
    text: str, start: int, end: int, width: int, rest: int, out: list[tuple[int, int]]
) -> None:
    """``_wrap_paragraph`` for printable ASCII not starting with a space (the common
    case), by index arithmetic: a line breaks before the first word that ends past
    it, and a word longer than a line is cut every ``width`` characters."""
    line_start = start
    while end - line_start > width:
        limit = line_start + width
        if text[limit] == " ":  # every word up to here fits: break before the next one
            word = limit
            while word < end and text[word] == " ":
                word += 1
            if word == end:
                break
            out.append((line_start, word))
            line_start = word
        else:
            word = text.rfind(" ", line_start, limit) + 1
            if word > line_start:  # the word across the edge goes to the next line
                out.append((line_start, word))
                line_start = word
            else:  # it is longer than a line: cut it
                out.append((line_start, limit))
                line_start = limit
        width = rest
    out.append((line_start, end))


def _wrap_paragraph(
    text: str, start: int, end: int, width: int, rest: int, out: list[tuple[int, int]]
) -> None:
    line_start, used = start, 0
    for match in _TOKEN.finditer(text, start, end):
        token_start = match.start()
        token = match.group()
        word = token.rstrip() or token
        cells = cell_len(word)
        spaces = cell_len(token[len(word) :])
        if used + cells <= width:
            used += cells + spaces
            continue
        if used:
            out.append((line_start, token_start))
            line_start, used, width = token_start, 0, rest
        if cells <= width:
            used = cells + spaces
            continue
        spans, _ = split_graphemes(word)  # hard-cut a word longer than a line
        for g_start, _g_end, g_cells in spans:
            if used + g_cells > width and used:
                out.append((line_start, token_start + g_start))
                line_start, used, width = token_start + g_start, 0, rest
            used += g_cells
        used += spaces
    out.append((line_start, end))


def _styled(text: str, start: int, end: int, urls: list[tuple[int, int]], style: str) -> Line:
    """``text[start:end]`` (trailing spaces dropped) with the URL spans marked."""
    piece = text[start:end].rstrip()
    end = start + len(piece)
    parts: list[Part] = []
    at = start
    for u_start, u_end in urls:
        if u_end <= at or u_start >= end:
            continue
        if u_start > at:
            parts.append((text[at:u_start], style))
        parts.append((text[max(u_start, at) : min(u_end, end)], "url"))
        at = min(u_end, end)
    if at < end:
        parts.append((text[at:end], style))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where the lines of a body break (``body_lines`` draws it, ``body_height`` counts)."""

    ranges: list[tuple[int, int]]
    indent: int
    hidden: int  # lines left out (collapsed)


def _plan(text: str, prefix_cells: int, width: int, tail: str, collapse: bool) -> _Plan | None:
    """``None`` when the body and tail fit beside the prefix on one line."""
    if "\n" not in text and prefix_cells + _cells(text) + _cells(tail) <= width:
        return None
    fits_beside = width - prefix_cells >= MIN_BODY
    indent = prefix_cells if fits_beside else min(prefix_cells, TIME_CELLS)
    ranges = wrap(text, width - prefix_cells if fits_beside else 0, width - indent)
    hidden = len(ranges) - COLLAPSED_LINES if collapse else 0
    if hidden > 0:
        ranges = ranges[:COLLAPSED_LINES]
    return _Plan(ranges, indent, max(hidden, 0))


def _cells(text: str) -> int:
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def body_lines(
    text: str,
    prefix: Line,
    width: int,
    *,
    style: str = "body",
    tail: str = "",
    tail_style: str = "mark",
    collapse: bool = False,
) -> list[Line]:
    """Lay out ``text`` after ``prefix`` in ``width`` cells with a hanging indent,
    ``tail`` (a marker) after the last line, collapsed when ``collapse``."""
    plan = _plan(text, sum(_cells(t) for t, _ in prefix), width, tail, collapse)
    if plan is None:
        urls = find_urls(text)
        return [(*prefix, *_styled(text, 0, len(text), urls, style), *_tail(tail, tail_style))]
    urls = find_urls(text) if "." in text or ":" in text else []
    pad: Part = (" " * plan.indent, "")
    lines = [
        (*(prefix if i == 0 else (pad,)), *_styled(text, s, e, urls, style))
        for i, (s, e) in enumerate(plan.ranges)
    ]
    if plan.hidden:
        lines.append((pad, _more(plan.hidden)))
    if tail:
        last = lines[-1]
        if sum(_cells(t) for t, _ in last) + _cells(tail) <= width:
            lines[-1] = (*last, (tail, tail_style))
        else:
            lines.append((pad, (tail.lstrip(), tail_style)))
    return lines


def body_height(
    text: str, prefix_cells: int, width: int, *, tail: str = "", collapse: bool = False
) -> int:
    """``len(body_lines(...))`` for a prefix of ``prefix_cells`` cells, without drawing."""
    plan = _plan(text, prefix_cells, width, tail, collapse)
    if plan is None:
        return 1
    height = len(plan.ranges) + (plan.hidden > 0)
    if tail:
        if plan.hidden:
            last = plan.indent + _cells(_more(plan.hidden)[0])
        else:
            start, end = plan.ranges[-1]
            beside = prefix_cells if len(plan.ranges) == 1 else plan.indent
            last = beside + _cells(text[start:end].rstrip())
        height += last + _cells(tail) > width
    return height


def _more(hidden: int) -> Part:
    return (f"… [{hidden} more lines — enter/e to expand]", "more")


def _tail(tail: str, style: str) -> Line:
    return ((tail, style),) if tail else ()


def message_lines(
    message: ChatMessage, name: str, width: int, *, grouped: bool, expanded: bool
) -> list[Line]:
    """The lines of one message (without its day separator)."""
    own = "own" if message.outgoing else "peer"
    who: Part = (" " * (cell_len(name) + 2), "") if grouped else (f"{name}: ", own)
    prefix: Line = ((f"{time_label(message.timestamp)} ", "time"), who)
    tail = suffix(message)
    tail_style = "failed" if message.outgoing and message.state is Delivery.FAILED else "mark"
    collapse = not expanded and is_large(message.body)
    return body_lines(
        display_body(message.body),
        prefix,
        width,
        style="own-body" if message.outgoing else "body",
        tail=tail,
        tail_style=tail_style,
        collapse=collapse,
    )


def message_height(message: ChatMessage, name_cells: int, width: int, *, expanded: bool) -> int:
    """``len(message_lines(...))`` (the same whether grouped or not), without drawing:
    the prefix is ``HH:MM name: `` (``name_cells`` for the name)."""
    collapse = not expanded and is_large(message.body)
    prefix_cells = TIME_CELLS + name_cells + 2
    body = display_body(message.body)
    return body_height(body, prefix_cells, width, tail=suffix(message), collapse=collapse)


def notice_lines(text: str, style: str, when: datetime, width: int) -> list[Line]:
    """The lines of one notice: ``HH:MM text`` in the notice's own Rich style."""
    prefix: Line = ((f"{time_label(when)} ", "time"),)
    return body_lines(display_body(text), prefix, width, style=f"={style}")


def separator_line(day: date, width: int) -> Line:
    label = day_label(day)
    left = max((width - cell_len(label)) // 2, 0)
    return ((" " * left, ""), (label, "sep"))


def message_plain(message: ChatMessage, name: str) -> str:
    """``HH:MM sender: body`` plus markers, as plain text (for tests and search)."""
    body = render.clean_body(message.body)
    return f"{time_label(message.timestamp)} {name}: {body}{suffix(message)}"


def notice_plain(text: str, when: datetime) -> str:
    return f"{time_label(when)} {render.clean_body(text)}"
