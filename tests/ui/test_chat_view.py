"""ChatView and SearchScreen driven with Pilot in a tiny host app."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui import pace
from xmpptui.ui.screens.search import SearchHit, SearchScreen
from xmpptui.ui.widgets.chat_view import ChatView

SIZE = (80, 20)
BOB = "bob@example.org"
ME = "alice@example.org"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HOSTILE = "[@click=app.quit]x[/] [b]bold\x1b[2J\u202eevil"


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def msg(id: str, body: str = "hi", minutes: float = 0, *, own: bool = False) -> ChatMessage:
    state = Delivery.PENDING if own else Delivery.RECEIVED
    sender = ME if own else BOB
    return ChatMessage(id, BOB, sender, body, T0 + timedelta(minutes=minutes), own, state=state)


class Host(App[None]):
    """One ChatView above an Input; records what the view posts and copies."""

    def __init__(self) -> None:
        super().__init__()
        self.tops: list[str] = []
        self.urls: list[str] = []
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(id="elsewhere")  # first: it has the focus at start
        yield ChatView(BOB, id="view")

    @property
    def view(self) -> ChatView:
        return self.query_one(ChatView)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)

    def on_chat_view_top_reached(self, event: ChatView.TopReached) -> None:
        self.tops.append(event.peer)

    def on_chat_view_open_url_requested(self, event: ChatView.OpenUrlRequested) -> None:
        self.urls.append(event.url)


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


def screen_rows(view: ChatView) -> list[str]:
    """What the view draws right now, row by row."""
    return ["".join(s.text for s in view.render_line(y)) for y in range(view.size.height)]


def fill(view: ChatView, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        view.add_message(msg(f"m{i}", f"message {i}", minutes=i), "Bob")


async def drawn(pilot: Pilot[None], view: ChatView, count: int = 5) -> None:
    """``count`` messages in ``view``, laid out and drawn."""
    fill(view, count)
    await settle(pilot, lambda: view.model.height > 0 and not view._dirty)


def stream_message_due(view: ChatView) -> None:
    """A message arrives in a stream whose paced redraw is on the way and due now."""
    view._flush_pending = True
    view.add_message(msg("s1", "streamed", minutes=50), "Bob")
    view._last_change = view._last_flush = time.monotonic() - 1
    view._paced()


async def test_hostile_text_is_drawn_literally() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        app.view.add_message(msg("e1", HOSTILE), HOSTILE)
        await settle(pilot, lambda: any("bold" in row for row in screen_rows(app.view)))
        text = "\n".join(screen_rows(app.view))
        assert "[@click=app.quit]x[/] [b]bold" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "── Friday 20 November 2026 ──" in text
        assert app.is_running


async def test_follows_the_bottom_and_keeps_position_when_scrolled_up() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        fill(view, 100)
        await settle(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        assert "message 99" in screen_rows(view)[-1]
        view.scroll_to(y=10, animate=False)
        await pilot.pause()
        top = screen_rows(view)[0]
        fill(view, 5, start=100)
        await settle(pilot, lambda: view.model.height == 106)
        assert view.scroll_y == 10 and screen_rows(view)[0] == top


async def test_a_burst_is_laid_out_once_per_frame() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        await pilot.pause()
        before = view.relayout_count
        fill(view, 2000)
        await settle(pilot, lambda: view.model.height == 2002)  # two days
        assert view.relayout_count - before <= 2
        assert view.scroll_y == view.max_scroll_y


async def test_scrolling_to_the_top_asks_for_older_history_once() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        fill(view, 100, start=100)
        await settle(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        view.scroll_home(animate=False)
        await settle(pilot, lambda: app.tops == [BOB])
        top = screen_rows(view)[1]
        # the app loads an older page: what the user looks at stays put
        view.add_messages([msg(f"m{i}", f"message {i}", minutes=i) for i in range(100)], str)
        await settle(pilot, lambda: len(view.messages) == 200)
        await pilot.pause()
        assert top.rstrip().endswith("message 100")
        assert view.scroll_y > 0 and screen_rows(view)[1].rstrip().endswith("message 100")
        view.scroll_home(animate=False)
        await settle(pilot, lambda: app.tops == [BOB, BOB])


async def test_a_view_that_follows_keeps_only_the_newest_and_a_page_brings_the_rest() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        view.keep = 100
        fill(view, 400)  # one burst, one relayout: trimmed once, down to 100
        await settle(pilot, lambda: view.model.height > 0 and not view._dirty)
        assert [m.id for m in view.messages] == [f"m{i}" for i in range(300, 400)]
        assert "message 399" in screen_rows(view)[-1]
        for i in range(400, 440):  # one by one: trimmed when 125 are reached, not each time
            view.add_message(msg(f"m{i}", f"message {i}", minutes=i), "Bob")
            await pilot.pause()
        await settle(pilot, lambda: not view._dirty and view.messages[-1].id == "m439")
        assert 100 <= len(view.messages) <= 125 and view.scroll_y == view.max_scroll_y
        # The user goes back: pages from the history are kept while they read.
        oldest = int(view.messages[0].id[1:])
        view.scroll_home(animate=False)
        await settle(pilot, lambda: app.tops == [BOB])
        page = [msg(f"m{i}", f"message {i}", minutes=i) for i in range(oldest - 200, oldest)]
        assert view.add_messages(page, str, older=True) == 200
        view.add_message(msg("m520", "message 520", minutes=520), "Bob")
        await settle(pilot, lambda: not view._dirty and view.messages[-1].id == "m520")
        assert view.messages[0].id == f"m{oldest - 200}" and view.scroll_y < view.max_scroll_y
        # Back at the newest: the next message trims again.
        view.scroll_end(animate=False)
        await settle(pilot, lambda: view.scroll_y == view.max_scroll_y)
        view.add_message(msg("m521", "message 521", minutes=521), "Bob")
        await settle(pilot, lambda: not view._dirty and len(view.messages) == 100)
        assert view.messages[-1].id == "m521" and "message 521" in screen_rows(view)[-1]


async def test_up_on_the_first_message_asks_for_older_history() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        fill(app.view, 3)
        app.view.focus()
        await pilot.press("up", "up", "up", "up")
        await settle(pilot, lambda: app.tops == [BOB])
        assert app.view.selected_message is not None
        assert app.view.selected_message.id == "m0"


async def test_y_copies_the_url_or_the_text_and_o_asks_the_app() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        view.add_message(msg("a", "see https://example.org/x?y=1."), "Bob")
        view.add_message(msg("b", "plain \x1b[31mtext", minutes=1), "Bob")
        await pilot.pause()
        assert app.copied == []  # nothing is copied without asking
        view.focus()  # selects the newest message
        await pilot.press("y")
        assert app.copied == ["plain \ufffd[31mtext"]
        await pilot.press("up", "y", "o")
        assert app.copied[-1] == "https://example.org/x?y=1"
        await settle(pilot, lambda: app.urls == ["https://example.org/x?y=1"])


async def test_enter_or_e_expands_a_large_message() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        view.add_message(msg("big", "\n".join(f"line {i}" for i in range(3000))), "Bob")
        await settle(pilot, lambda: view.model.height == 8)
        assert "more lines" in "".join(screen_rows(view))
        view.focus()
        await pilot.press("e")
        await settle(pilot, lambda: view.model.height == 3001)
        await pilot.press("enter")
        await settle(pilot, lambda: view.model.height == 8)


async def test_states_corrections_and_typing_are_shown() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        view.add_message(msg("m", "helo", own=True), "me")
        await settle(pilot, lambda: "me: helo ◷" in "\n".join(screen_rows(view)))
        assert view.update_state("m", Delivery.DELIVERED)
        assert view.apply_correction("m", "hello")
        await settle(pilot, lambda: "me: hello (edited) ✓✓" in "\n".join(screen_rows(view)))
        assert view.last_own_message() == view.messages[0]
        view.set_typing(f"{HOSTILE} is typing…")
        await pilot.pause()
        assert view.typing is not None and view.typing.endswith("evil is typing…")
        assert "\x1b" not in view.typing and "\u202e" not in view.typing
        shot = app.export_screenshot()
        assert "is&#160;typing…" in shot
        view.set_typing(None)
        assert view.typing is None


async def test_scroll_to_message_selects_and_shows_it() -> None:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        fill(view, 300)
        await settle(pilot, lambda: view.scroll_y == view.max_scroll_y > 0)
        assert view.scroll_to_message("m42")
        assert not view.scroll_to_message("nope")
        await pilot.pause()
        assert any(row.rstrip().endswith("message 42") for row in screen_rows(view))
        assert view.selected_message is not None and view.selected_message.id == "m42"


async def test_search_screen_lists_results_and_returns_the_chosen_one() -> None:
    results = [
        msg("r1", f"{HOSTILE} the word NEEDLE here"),
        msg("r2", "another needle", minutes=5, own=True),
    ]
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        chosen: list[SearchHit | None] = []
        app.push_screen(SearchScreen("needle", results, {BOB: "Bob"}.__getitem__), chosen.append)
        await settle(pilot, lambda: app.screen.query(OptionList))
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert prompts[0].startswith("2026-11-20 09:00  Bob  Bob: …")  # cut before the match
        assert "bold\ufffd[2Jevil the word NEEDLE here" in prompts[0]
        first = options.get_option_at_index(0).prompt
        assert isinstance(first, Text)
        assert [first.plain[s.start : s.end] for s in first.spans if s.style == "reverse"] == [
            "NEEDLE"
        ]
        assert "\x1b" not in prompts[0] and "\u202e" not in prompts[0]
        assert "me: another needle" in prompts[1]
        await pilot.press("down", "enter")
        await settle(pilot, lambda: chosen == [SearchHit(BOB, "r2")])
        app.push_screen(SearchScreen("nothing", []), chosen.append)
        await settle(pilot, lambda: app.screen.query("#empty"))
        await pilot.press("escape")
        await settle(pilot, lambda: chosen[-1:] == [None] and len(chosen) == 2)


async def test_100k_messages_and_a_2000_burst_stay_cheap() -> None:
    history = [msg(f"h{i}", f"old message {i}", minutes=i / 10) for i in range(100_000)]
    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.view
        await pilot.pause()
        start = time.perf_counter()
        view.add_messages(history, lambda jid: "Bob")
        added = time.perf_counter()
        await settle(pilot, lambda: len(view.messages) == 100_000 and view.model.height > 0)
        shown = time.perf_counter()
        assert screen_rows(view)[-1].rstrip().endswith("old message 99999")
        view.scroll_to(y=view.max_scroll_y // 2, animate=False)
        await pilot.pause()
        middle = time.perf_counter()
        rows = screen_rows(view)
        drawn = time.perf_counter()
        assert any("old message 5" in row for row in rows)
        view.scroll_end(animate=False)
        await pilot.pause()
        burst_start = time.perf_counter()
        for i in range(2000):
            view.add_message(msg(f"b{i}", f"burst {i}", minutes=20_000 + i / 60), "Bob")
        burst_added = time.perf_counter()
        await settle(pilot, lambda: screen_rows(view)[-1].rstrip().endswith("burst 1999"))
        burst_shown = time.perf_counter()
        print(
            f"\nChatView 100k: bulk add {added - start:.3f}s, to screen {shown - added:.3f}s, "
            f"scroll to the middle {middle - shown:.3f}s, draw {len(rows)} rows "
            f"{drawn - middle:.4f}s; burst of 2000: add {burst_added - burst_start:.3f}s, "
            f"to screen {burst_shown - burst_added:.3f}s"
        )
        assert len(view.messages) == 102_000


async def test_a_stream_redraw_waits_for_the_frame_of_a_typed_key() -> None:
    """While keys are typed, a due redraw of a stream of messages runs right after the
    next key's frame (``ui.pace``), never in the way of that key's echo."""
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view, box = app.view, app.query_one(Input)
        await drawn(pilot, view)
        pace.key_typed(box)  # the user is typing
        before = view.relayout_count
        stream_message_due(view)
        await pilot.pause()
        assert view.relayout_count == before  # held for the next key
        pace.key_typed(box)
        await settle(pilot, lambda: view.relayout_count == before + 1)
        assert "streamed" in "\n".join(screen_rows(view))


async def test_a_held_redraw_comes_anyway_when_typing_stops(monkeypatch) -> None:
    monkeypatch.setattr(pace, "TYPING_GAP", 0.05)
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        await drawn(pilot, view)
        pace.key_typed(app.query_one(Input))
        before = view.relayout_count
        stream_message_due(view)
        assert view.relayout_count == before
        await settle(pilot, lambda: view.relayout_count == before + 1)  # no key came


async def test_a_message_while_typing_waits_for_the_next_key() -> None:
    """Not only streams: any redraw due while the user types follows the next key's
    frame (the first messages of a burst redraw the whole view: 10-30 ms)."""
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view, box = app.view, app.query_one(Input)
        await drawn(pilot, view)
        pace.key_typed(box)
        before = view.relayout_count
        view.add_message(msg("r1", "a reply", minutes=50), "Bob")
        await pilot.pause()
        assert view.relayout_count == before  # held for the next key
        pace.key_typed(box)
        await settle(pilot, lambda: view.relayout_count == before + 1)
        assert "a reply" in "\n".join(screen_rows(view))


async def test_a_redraw_waits_while_a_key_is_on_its_way(monkeypatch) -> None:
    """A key that just arrived from the terminal goes first (``pace.key_pending``)."""
    monkeypatch.setattr(pace, "KEY_WAIT", 0.3)
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        await drawn(pilot, view)
        before = view.relayout_count
        pace.key_arrived()
        view.add_message(msg("k1", "after the key", minutes=50), "Bob")
        await pilot.pause()
        assert pace.key_pending() and view.relayout_count == before
        await settle(pilot, lambda: view.relayout_count == before + 1)
        assert not pace.key_pending()
        assert "after the key" in "\n".join(screen_rows(view))
