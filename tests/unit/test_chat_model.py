"""The chat model and layout without Textual: order, de-duplication, grouping,
day separators, wrapping, collapsing, delivery states, corrections, and a
100,000-message tab."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui.widgets import chat_layout as lay
from xmpptui.ui.widgets.chat_model import GROUP_GAP, ChatModel

T0 = datetime(2026, 11, 20, 9, 41, tzinfo=UTC)  # a Friday
BOB = "bob@example.org"
ME = "alice@example.org"


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Local time is UTC here, so times and days are predictable."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def msg(
    id: str,
    body: str = "hi",
    minutes: float = 0,
    *,
    own: bool = False,
    state: Delivery | None = None,
    sender: str | None = None,
) -> ChatMessage:
    return ChatMessage(
        id,
        BOB,
        sender or (ME if own else BOB),
        body,
        T0 + timedelta(minutes=minutes),
        own,
        state=state or (Delivery.SENT if own else Delivery.RECEIVED),
    )


def add(model: ChatModel, *messages: ChatMessage) -> None:
    for m in messages:
        model.add_message(m, "me" if m.outgoing else "Bob")


def drawn(model: ChatModel, width: int = 80) -> list[str]:
    model.layout(width)
    return [
        "".join(text for text, _ in line).rstrip()
        for i in range(len(model))
        for line in model.lines(i)
    ]


def test_late_messages_land_in_time_order_and_ties_keep_arrival_order() -> None:
    model = ChatModel()
    add(model, msg("b", minutes=2), msg("d", minutes=4), msg("a", minutes=1))
    add(model, msg("c", minutes=2), msg("z", minutes=-60))
    assert [m.id for m in model.messages] == ["z", "a", "b", "c", "d"]


def test_each_id_is_shown_once_including_in_bulk() -> None:
    model = ChatModel()
    assert model.add_message(msg("a"), "Bob")
    assert not model.add_message(msg("a", "carbon copy"), "Bob")
    page = [(msg(f"p{i}", minutes=-i), "Bob") for i in range(100)] + [(msg("a"), "Bob")]
    assert model.add_messages(page) == 100
    assert model.add_messages(page) == 0
    assert len(model) == 101
    assert [m.id for m in model.messages][:2] == ["p99", "p98"]
    assert model.messages[-1].body == "hi"  # the first copy stays


def test_messages_without_an_id_are_never_merged() -> None:
    model = ChatModel()
    add(model, msg(""), msg(""))
    assert len(model) == 2


def test_day_separator_and_time_sender_body() -> None:
    model = ChatModel()
    add(model, msg("a", "[b]hello[/b]"), msg("b", "next day", minutes=24 * 60))
    lines = drawn(model)
    assert lines[0].strip() == "── Friday 20 November 2026 ──"
    assert lines[1] == "09:41 Bob: [b]hello[/b]"
    assert lines[2].strip() == "── Saturday 21 November 2026 ──"
    assert lines[3] == "09:41 Bob: next day"


def test_consecutive_messages_of_one_sender_are_grouped() -> None:
    model = ChatModel()
    gap = GROUP_GAP / 60
    add(
        model,
        msg("a", "one"),
        msg("b", "two", minutes=1),
        msg("c", "later", minutes=1 + gap + 1),
        msg("d", "mine", minutes=1 + gap + 2, own=True),
        msg("e", "mine too", minutes=1 + gap + 3, own=True),
    )
    lines = drawn(model)[1:]
    assert lines[0] == "09:41 Bob: one"
    assert lines[1] == "09:42      two"  # sender shown once, body aligned
    assert lines[2].startswith("09:48 Bob: later")
    assert lines[3].startswith("09:49 me: mine")
    assert lines[4].startswith("09:50     mine too")
    # plain_lines never groups: every message says who wrote it
    assert model.plain_lines()[1] == "09:42 Bob: two"


def test_long_bodies_wrap_with_a_hanging_indent_and_rewrap_per_width() -> None:
    words = [f"word{i}" for i in range(60)]
    model = ChatModel()
    add(model, msg("a", " ".join(words)))
    for width in (40, 73, 120):
        lines = drawn(model, width)[1:]
        assert all(cell_len(line) <= width for line in lines)
        assert lines[0].startswith("09:41 Bob: word0")
        assert all(line.startswith(" " * len("09:41 Bob: ")) for line in lines[1:])
        assert " ".join(" ".join(lines).split()[2:]) == " ".join(words)
    assert len(drawn(model, 40)) > len(drawn(model, 120))
    assert model.height == len(drawn(model, 120))


def test_newlines_long_words_and_wide_characters() -> None:
    model = ChatModel()
    add(model, msg("a", "first\nsecond"), msg("b", "x" * 100, minutes=10))
    add(model, msg("c", "漢字" * 30, minutes=20))
    lines = drawn(model, 40)
    assert lines[1:3] == ["09:41 Bob: first", "           second"]
    assert all(cell_len(line) <= 40 for line in lines)
    x_lines = [line for line in lines if "x" in line]
    assert "".join(line.split()[-1] for line in x_lines) == "x" * 100
    assert len(x_lines) == 4  # 29 cells beside "09:51 Bob: "


def test_narrow_width_puts_the_body_under_a_long_name() -> None:
    model = ChatModel()
    model.add_message(msg("a", "some words that need room"), "A Rather Long Name Indeed")
    lines = drawn(model, 34)
    assert all(cell_len(line) <= 34 for line in lines)
    assert " ".join(" ".join(lines[1:]).split()[3:]).endswith("some words that need room")


def test_large_bodies_are_collapsed_until_expanded() -> None:
    body = "\n".join(f"line {i}" for i in range(2000))  # > 10 kB
    model = ChatModel()
    add(model, msg("big", body), msg("small", minutes=1))
    lines = drawn(model)
    more = lay.COLLAPSED_LINES + 1
    assert lines[more].strip() == f"… [{2000 - lay.COLLAPSED_LINES} more lines — enter/e to expand]"
    assert model.height == 1 + more + 1
    assert model.set_expanded("big", True)
    assert not model.set_expanded("small", True)  # small ones are never collapsed
    assert len(drawn(model)) == 1 + 2000 + 1
    assert model.plain_lines()[0].endswith("line 1999")  # plain text is always whole


def test_delivery_states_show_and_never_go_back() -> None:
    model = ChatModel()
    add(model, msg("m", "hello", own=True, state=Delivery.PENDING))
    assert drawn(model)[-1] == "09:41 me: hello ◷"
    assert model.update_state("m", Delivery.DELIVERED)
    assert drawn(model)[-1] == "09:41 me: hello ✓✓"
    assert not model.update_state("m", Delivery.SENT)  # a late server ack
    assert model.update_state("m", Delivery.FAILED)
    assert drawn(model)[-1] == "09:41 me: hello ✗ not sent (retry: /retry)"
    assert not model.update_state("unknown", Delivery.SENT)
    assert model.messages[0].state is Delivery.FAILED


def test_corrections_replace_the_body_and_say_so() -> None:
    model = ChatModel()
    add(model, msg("m", "helo", own=True), msg("n", "yes", minutes=1))
    assert model.apply_correction("m", "hello")
    assert drawn(model)[1] == "09:41 me: hello (edited) ✓"
    assert model.plain_lines()[0] == "09:41 me: hello (edited) ✓"
    assert not model.apply_correction("nope", "x")
    assert model.last_own_message() == model.messages[0]


def test_notices_are_ordered_by_time_and_styled() -> None:
    model = ChatModel()
    add(model, msg("a"))
    model.add_notice("Connected.", "red", datetime(2026, 11, 20, 9, 40))
    assert model.plain_lines() == ["09:40 Connected.", "09:41 Bob: hi"]
    model.layout(80)
    assert model.lines(0)[1][-1] == ("Connected.", "=red")


def test_hostile_text_stays_inert() -> None:
    evil = "[@click=app.quit]x[/] \x1b[2J\u202eevil\x9b"
    model = ChatModel()
    model.add_message(msg("a", evil), evil)
    text = "\n".join(drawn(model)) + "\n".join(model.plain_lines())
    assert "[@click=app.quit]x[/]" in text
    assert not any(c in text for c in "\x1b\u202e\x9b")


def test_urls_are_marked_but_stay_text() -> None:
    assert lay.first_url("see https://example.org/a_(b)?q=1, ok") == "https://example.org/a_(b)?q=1"
    assert lay.find_urls("no url here") == []
    model = ChatModel()
    add(model, msg("a", "go to https://example.org."))
    model.layout(80)
    parts = model.lines(0)[1]
    assert ("https://example.org", "url") in parts


def test_wrap_ranges() -> None:
    assert lay.wrap("ab cd", 2, 2) == [(0, 3), (3, 5)]
    assert lay.wrap("abc", 0, 5) == [(0, 0), (0, 3)]  # nothing fits on the first line
    assert lay.wrap("abcdef", 4, 4) == [(0, 4), (4, 6)]
    assert lay.wrap("a\n\nb", 5, 5) == [(0, 1), (2, 2), (3, 4)]


_WRAP_CASES = [
    "the quick brown fox jumps over the lazy dog",
    "a  b   c    d",
    "supercalifragilisticexpialidocious is long",
    "ab supercalifragilisticexpialidocious",
    "word   ",
    "  leading spaces then words",
    "x" * 50,
    "mixed déjà vu and 日本語 text here",
    "line one\nline two is a bit longer\n\nlast",
]


@pytest.mark.parametrize("text", _WRAP_CASES)
def test_plain_text_wraps_exactly_like_the_general_case(text: str) -> None:
    """The index-arithmetic wrap of printable ASCII gives the ranges of the token loop."""

    def general(first: int, rest: int) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        width, start = first, 0
        if width < 1:
            ranges.append((0, 0))
            width = rest
        for para in text.split("\n"):
            end = start + len(para)
            if cell_len(para) <= width:
                ranges.append((start, end))
            else:
                lay._wrap_paragraph(text, start, end, width, rest, ranges)
            width, start = rest, end + 1
        return ranges

    for first in range(0, 14):
        for rest in range(1, 14):
            assert lay.wrap(text, first, rest) == general(first, rest), (first, rest)


@pytest.mark.parametrize("body", [*_WRAP_CASES, "y" * 20_000, "line\n" * 3000])
@pytest.mark.parametrize("own", [False, True])
def test_heights_are_counted_without_drawing_and_match_the_lines(body: str, own: bool) -> None:
    for state in (Delivery.SENT, Delivery.FAILED) if own else (Delivery.RECEIVED,):
        message = msg("h", body, own=own, state=state)
        for name in ("Bob", "日本語の名前"):
            for width in (1, 5, 12, 20, 33, 80):
                for open_ in (False, True):
                    drawn = lay.message_lines(message, name, width, grouped=False, expanded=open_)
                    counted = lay.message_height(message, cell_len(name), width, expanded=open_)
                    assert counted == len(drawn), (name, width, open_)


def test_100k_messages_add_and_draw_only_what_is_visible() -> None:
    messages = [
        msg(f"id{i}", f"message number {i}", minutes=i / 3, own=i % 5 == 0) for i in range(100_000)
    ]
    model = ChatModel()
    start = time.perf_counter()
    for m in messages:
        model.add_message(m, "me" if m.outgoing else "Bob")
    added = time.perf_counter()
    height = model.layout(100)
    laid_out = time.perf_counter()
    rows = range(height - 50, height)
    visible = [model.lines(model.locate(y)[0]) for y in rows]
    drawn_at = time.perf_counter()
    model.add_message(msg("late", "from the archive", minutes=-1), "Bob")
    model.layout(100)
    late = time.perf_counter()
    assert model.layout(60) == height + 1  # short messages: one row each, at any width
    rewrapped = time.perf_counter()
    print(
        f"\n100k: add {added - start:.3f}s, heights {laid_out - added:.3f}s, "
        f"50 visible rows {drawn_at - laid_out:.4f}s, late insert + relayout "
        f"{late - drawn_at:.3f}s, new width {rewrapped - late:.3f}s"
    )
    days = len({m.timestamp.date() for m in messages})
    assert height == 100_000 + days
    assert model.messages[0].id == "late"
    index, line = model.locate(model.height - 1)
    assert index == len(model) - 1 and line == 0
    assert "".join(t for t, _ in visible[-1][-1]).endswith("message number 99999")


def test_renaming_a_sender_redraws_and_relays_out_only_their_messages() -> None:
    model = ChatModel()
    model.add_message(msg("a", "first", minutes=1), BOB)  # named by JID: no roster yet
    model.add_message(msg("b", "mine", minutes=2, own=True), "me")
    model.add_message(msg("c", "x" * 66, minutes=30), BOB)  # wraps at 80 under the long name
    before = drawn(model)
    assert before[1].endswith(f"{BOB}: first") and len(before) == 5
    assert model.rename(BOB, "Bob") == 2
    after = drawn(model)
    assert after[1].endswith("Bob: first") and "me: mine" in after[2]
    assert len(after) == 4  # the long one fits on one line under the short name
    assert model.rename(BOB, "Bob") == 0  # nothing to do the second time


def test_trim_forgets_the_oldest_and_leaves_what_is_older_to_the_history() -> None:
    model = ChatModel()
    add(model, *(msg(f"m{i}", f"message {i}", minutes=i) for i in range(10)))
    model.add_notice("connected", "dim", T0 + timedelta(minutes=2.5))
    assert model.trim(4) == 7  # six messages and the notice
    assert [m.id for m in model.messages] == ["m6", "m7", "m8", "m9"]
    assert model.floor == (T0 + timedelta(minutes=6)).timestamp()
    rows = drawn(model)  # the day separator, then the four, the first with its sender
    assert len(rows) == 5 and rows[1].endswith("Bob: message 6") and rows[4].endswith("message 9")
    # Below the floor: a late message (or a forgotten one again) waits for its page.
    assert not model.add_message(msg("late", "late", minutes=5.5), "Bob")
    assert not model.add_message(msg("m3", "message 3", minutes=3), "Bob")
    assert model.add_message(msg("m10", "message 10", minutes=10), "Bob")
    assert not model.add_message(msg("m8", "message 8", minutes=8), "Bob")  # still once
    # A page from the history (the user scrolled up) goes below the floor, and lowers it.
    page = [msg(f"m{i}", f"message {i}", minutes=i) for i in (3, 4, 5)]
    page.append(msg("late", "late", minutes=5.5))
    assert model.add_messages(((m, "Bob") for m in page), older=True) == 4
    assert [m.id for m in model.messages][:5] == ["m3", "m4", "m5", "late", "m6"]
    assert model.floor == (T0 + timedelta(minutes=3)).timestamp()
    assert model.add_message(msg("m2b", "between", minutes=3.5), "Bob")  # above it now
    assert model.trim(100) == 0  # fewer than that: nothing to forget


def test_trim_does_not_cut_between_messages_of_the_same_time() -> None:
    model = ChatModel()
    add(model, msg("a", minutes=0), msg("b", minutes=1), msg("c", minutes=1), msg("d", minutes=2))
    assert model.trim(2) == 1  # "b" and "c" share a time: both stay, the floor is theirs
    assert [m.id for m in model.messages] == ["b", "c", "d"]
    assert model.add_message(msg("e", minutes=1), "Bob")  # the floor's own time is above it
    assert model.trim(1) == 3 and [m.id for m in model.messages] == ["d"]
    same = ChatModel()
    add(same, msg("x", minutes=5), msg("y", minutes=5))
    assert same.trim(1) == 0 and same.floor is None  # no cut between two times
