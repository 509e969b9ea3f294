"""The composer driven with Pilot: send, line breaks, paste, history, completion,
chat states; and the pure completion rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual import events
from textual._text_area_theme import TextAreaTheme
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import TextArea

from xmpptui.models import ChatState
from xmpptui.ui import pace
from xmpptui.ui.commands import HELP
from xmpptui.ui.widgets.completion import complete
from xmpptui.ui.widgets.composer import PLACEHOLDER, Composer

PAUSE = 0.1  # seconds before "paused" (5 s in the app)
JIDS = ["bob@example.org", "bobby@example.net", "carol@example.org", "Bob \x1b[31mBuilder"]


def roster_completions(prefix: str) -> list[str]:
    return [j for j in JIDS if j.lower().startswith(prefix.lower())]


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        composer = Composer(id="composer", pause_delay=PAUSE)
        composer.jid_completions = roster_completions
        yield composer

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def on_composer_line_entered(self, event: Composer.LineEntered) -> None:
        self.seen.append(event)

    def on_composer_edit_last_requested(self, event: Composer.EditLastRequested) -> None:
        self.seen.append(event)

    def on_composer_typing(self, event: Composer.Typing) -> None:
        self.seen.append(event)

    def lines(self) -> list[str]:
        return [m.text for m in self.seen if isinstance(m, Composer.LineEntered)]

    def states(self) -> list[ChatState]:
        return [m.state for m in self.seen if isinstance(m, Composer.Typing)]


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


async def test_enter_sends_and_ctrl_j_or_alt_enter_break_the_line() -> None:
    app = Host()
    async with app.run_test() as pilot:
        assert app.composer.placeholder == PLACEHOLDER
        await pilot.press(*"hello", "enter")
        await settle(pilot, lambda: app.lines() == ["hello"])
        assert app.composer.value == ""
        await pilot.press("enter")  # nothing typed: nothing sent
        await pilot.press("a", "ctrl+j", "b", "alt+enter", "c", "enter")
        await settle(pilot, lambda: app.lines() == ["hello", "a\nb\nc"])


async def test_a_multi_line_paste_is_one_message() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.post_message(events.Paste("first line\nsecond line\n"))  # as the driver does
        await settle(pilot, lambda: app.composer.value == "first line\nsecond line\n")
        await pilot.press("enter")
        await settle(pilot, lambda: app.lines() == ["first line\nsecond line"])


async def test_history_with_up_and_down_and_edit_last_on_an_empty_line() -> None:
    app = Host()
    async with app.run_test() as pilot:
        composer = app.composer
        await pilot.press("up")  # empty: the app offers to correct the last message
        await settle(
            pilot, lambda: any(isinstance(m, Composer.EditLastRequested) for m in app.seen)
        )
        await pilot.press(*"one", "enter", *"two", "enter")
        await pilot.press(*"dra", "ctrl+j", *"ft")
        await pilot.press("up")  # on the second line: just moves up
        assert composer.value == "dra\nft"
        await pilot.press("up")
        assert composer.value == "two"
        await pilot.press("up", "up")
        assert composer.value == "one"
        await pilot.press("down")
        assert composer.value == "two"
        await pilot.press("down")
        assert composer.value == "dra\nft"  # back to the draft
        composer.value = ""
        await pilot.press("ctrl+up")  # from anywhere, also an empty line
        assert composer.value == "two"
        assert sum(isinstance(m, Composer.EditLastRequested) for m in app.seen) == 1


async def test_tab_completes_commands_and_jids() -> None:
    app = Host()
    async with app.run_test() as pilot:
        composer = app.composer
        await pilot.press(*"/ms", "tab")
        assert composer.value == "/msg "
        await pilot.press(*"car", "tab")
        assert composer.value == "/msg carol@example.org "
        composer.value = "/msg bo"
        await pilot.press("tab")  # bob@, bobby@, "Bob Builder": the common prefix, then cycle
        assert composer.value == "/msg bob"
        await pilot.press("tab")
        assert composer.value == "/msg bob@example.org "
        await pilot.press("tab")
        assert composer.value == "/msg bobby@example.net "
        await pilot.press("tab", "tab")  # the hostile name comes back cleaned
        assert composer.value == "/msg bob@example.org "
        composer.value = "/bl"
        await pilot.press("tab")
        assert composer.value == "/block"
        composer.value = ""
        await pilot.press("tab")  # nothing typed: tab leaves the composer alone
        assert composer.value == ""


def test_completion_rules() -> None:
    names = list(HELP)
    assert complete("/ms", names) is not None
    assert complete("/ms", names).candidates == ("/msg ",)  # type: ignore[union-attr]
    assert complete("//ms", names) is None  # an escaped message
    assert complete("hello ", names) is None  # no word before the cursor
    found = complete("hi bo", names, roster_completions)
    assert found is not None and found.start == 3 and found.word == "bo"
    assert found.candidates == (
        "bob@example.org ",
        "bobby@example.net ",
        "Bob \ufffd[31mBuilder ",
    )
    assert complete("/re", names) is not None
    assert {c.strip() for c in complete("/re", names).candidates} == {  # type: ignore[union-attr]
        "/remove",
        "/rename",
        "/retry",
        "/reconnect",
    }


async def test_typing_states_composing_paused_active() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press(*"hel")
        await settle(pilot, lambda: app.states() == [ChatState.COMPOSING])
        await settle(pilot, lambda: app.states() == [ChatState.COMPOSING, ChatState.PAUSED])
        await pilot.press("l", "o")
        await settle(pilot, lambda: app.states()[-1] is ChatState.COMPOSING)
        await pilot.press("enter")
        await settle(pilot, lambda: app.states()[-1] is ChatState.ACTIVE)
        assert app.lines() == ["hello"]
        assert app.states() == [
            ChatState.COMPOSING,
            ChatState.PAUSED,
            ChatState.COMPOSING,
            ChatState.ACTIVE,
        ]
        count = len(app.states())
        await pilot.press(*"/status away", "enter")  # commands are not "typing"
        await pilot.press("x", "backspace")  # typed, then emptied: active again
        await settle(pilot, lambda: app.states()[count:] == [ChatState.COMPOSING, ChatState.ACTIVE])


async def test_start_command_and_input_compatible_value() -> None:
    app = Host()
    async with app.run_test() as pilot:
        composer = app.composer
        composer.start_command()
        await pilot.pause()
        assert composer.has_focus and composer.value == "/" and composer.cursor_position == 1
        composer.value = "ab\ncd"
        composer.cursor_position = 4
        assert composer.cursor_location == (1, 1)
        assert composer.cursor_position == 4


async def test_a_passwd_line_never_enters_the_input_history() -> None:
    app = Host()
    async with app.run_test() as pilot:
        composer = app.composer
        await pilot.press(*"one", "enter")
        await pilot.press(*"/passwd hunter2", "enter")  # refused by the parser, sent anyway
        await pilot.press(*"/PASSWD", "enter")
        assert [m.text for m in app.seen if isinstance(m, Composer.LineEntered)][-2:] == [
            "/passwd hunter2",
            "/PASSWD",
        ]
        await pilot.press("ctrl+up")
        assert composer.value == "one"
        await pilot.press("ctrl+up")
        assert composer.value == "one"  # nothing earlier: the password line is not there


async def test_the_cursor_does_not_blink() -> None:
    """A blinking cursor redraws twice a second forever (idle CPU, SSH traffic)."""
    app = Host()
    async with app.run_test():
        assert app.composer.cursor_blink is False


async def test_keys_typed_are_reported_to_the_pace_of_big_redraws() -> None:
    """Each key hands the redraws waiting for it (``ui.pace``) the frame after its own."""
    app = Host()
    ran: list[str] = []
    async with app.run_test() as pilot:
        app.composer.focus()
        await pilot.pause()
        assert not pace.typing()
        pace.after_next_key(app, lambda: ran.append("redraw"))
        await pilot.press("x")
        await settle(pilot, lambda: ran == ["redraw"])
        assert pace.typing() and app.composer.value == "x"


async def test_a_key_that_is_not_typing_ends_the_typing() -> None:
    """Enter, a cursor move, a tab switch: what waits for the next key is drawn now
    (after Enter on ``/msg`` the new tab must not wait for a key that never comes)."""
    app = Host()
    ran: list[str] = []
    async with app.run_test() as pilot:
        app.composer.focus()
        await pilot.press("x", "y")
        assert pace.typing()
        pace.after_next_key(app, lambda: ran.append("redraw"))
        await pilot.press("left")
        await settle(pilot, lambda: ran == ["redraw"])
        assert not pace.typing()
        await pilot.press("z")
        assert pace.typing() and app.composer.value == "xzy"


async def test_leaving_the_composer_ends_the_typing() -> None:
    app = Host()
    async with app.run_test() as pilot:
        app.composer.focus()
        await pilot.press("x")
        assert pace.typing()
        app.composer.blur()
        await settle(pilot, lambda: not pace.typing())


async def test_keys_do_not_restyle_the_composer_but_a_theme_change_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drawing a key's echo skips TextArea's re-reading of its component styles (half of
    that frame); a new theme or the focus leaving still restyle it."""
    calls: list[str] = []
    original = TextAreaTheme.apply_css

    def counting(theme: TextAreaTheme, text_area: TextArea) -> None:
        calls.append("apply")
        original(theme, text_area)

    monkeypatch.setattr(TextAreaTheme, "apply_css", counting)
    app = Host()
    async with app.run_test() as pilot:
        composer = app.composer
        composer.focus()
        await pilot.press("a")
        await settle(pilot, lambda: composer.value == "a")
        await pilot.pause()
        calls.clear()
        await pilot.press(*"hello")
        await settle(pilot, lambda: composer.value == "ahello")
        await pilot.pause()
        assert calls == []  # five echoes, no restyling
        assert composer._theme is not None
        before = composer._theme.base_style
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(pilot, lambda: calls)  # the next frame restyles
        assert composer._theme is not None and composer._theme.base_style != before
        restyled = len(calls)
        composer.blur()
        await settle(pilot, lambda: len(calls) > restyled)
