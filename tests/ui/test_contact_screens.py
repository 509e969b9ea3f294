"""ContactScreen, BlockedScreen and ConfirmScreen, driven with Pilot in a tiny host app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui.screens.blocked import BlockedScreen
from xmpptui.ui.screens.confirm import ConfirmScreen
from xmpptui.ui.screens.contact import ContactScreen
from xmpptui.ui.widgets.roster_model import ContactDetails, PendingRequest

SIZE = (100, 40)
HOSTILE = "[@click=app.quit]x[/] [b]b\x1b[2J\u202eevil"


class Host(App[None]):
    """Pushes one screen at start and records what it is dismissed with."""

    def __init__(self, make: Callable[[], ModalScreen[Any]]) -> None:
        super().__init__()
        self._make = make
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self._make(), self.results.append)


async def settle(pilot: Pilot[None], predicate: Callable[[], object]) -> None:
    """Let the app run until ``predicate()`` holds (at most 5 s)."""
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {predicate}")


def screen_text(app: App[None]) -> str:
    """The plain text of every Static on the current screen."""
    parts = []
    for static in app.screen.query(Static):
        content = static.content
        assert isinstance(content, Content | Text | str), type(content)
        parts.append(content.plain if isinstance(content, Content | Text) else content)
    return "\n".join(parts)


def bob(**changes: Any) -> ContactDetails:
    fields: dict[str, Any] = {
        "contact": Contact("bob@example.org", "Bob", ("Friends", "Work"), "to", ask=True),
        "resources": (
            ResourcePresence("phone", Show.AWAY, "on the train", 5),
            ResourcePresence("laptop", Show.DND, "", -1),
        ),
        "clients": {"phone": "Conversations 2.16"},
    }
    fields.update(changes)
    return ContactDetails(**fields)


# --- ContactScreen ------------------------------------------------------------------------


async def test_contact_screen_shows_everything_in_words() -> None:
    app = Host(lambda: ContactScreen(bob()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ContactScreen))
        text = screen_text(app)
        assert "Bob" in text and "bob@example.org" in text
        assert "to: you see their presence, they do not see yours" in text
        assert "you asked to see their presence, not answered yet" in text
        assert "asks to see your presence" not in text
        assert "Friends, Work" in text
        assert "phone  Away · on the train · priority 5 · Conversations 2.16" in text
        assert "laptop  Do not disturb · priority -1" in text


async def test_contact_screen_pending_request_offline_and_hostile_text() -> None:
    details = ContactDetails(
        Contact("eve@example.org", HOSTILE, (HOSTILE,), "none"),
        request=PendingRequest("eve@example.org", "Eve"),
    )
    app = Host(lambda: ContactScreen(details))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ContactScreen))
        text = screen_text(app)
        assert "none: neither of you sees the other's presence; asks to see your presence" in text
        assert "Offline" in text
        assert "[@click=app.quit]x[/] [b]b" in text
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.press("a")
        await settle(pilot, lambda: app.results)
        assert app.results == ["accept"]
        assert app.is_running


@pytest.mark.parametrize(
    ("key", "result"),
    [
        ("m", "message"),
        ("r", "rename"),
        ("g", "group"),
        ("x", "remove"),
        ("b", "block"),
        ("escape", None),
        ("q", None),
    ],
)
async def test_contact_screen_keys(key: str, result: str | None) -> None:
    app = Host(lambda: ContactScreen(bob()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ContactScreen))
        await pilot.press(key)
        await settle(pilot, lambda: app.results)
        assert app.results == [result]


async def test_contact_screen_accept_deny_only_while_they_ask() -> None:
    app = Host(lambda: ContactScreen(bob()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ContactScreen))
        await pilot.press("a", "d")
        await pilot.pause()
        assert app.results == [] and isinstance(app.screen, ContactScreen)


# --- BlockedScreen ------------------------------------------------------------------------


async def test_blocked_screen_unblocks_the_selected_raw_jid() -> None:
    evil = "spam\x1b[31m@example.org"
    app = Host(lambda: BlockedScreen(["zed@example.org", evil, "amy@example.org"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BlockedScreen))
        assert "Blocked (3)" in screen_text(app)
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert shown == ["amy@example.org", "spam\ufffd[31m@example.org", "zed@example.org"]
        await pilot.press("down", "u")
        await settle(pilot, lambda: app.results)
        assert app.results == [evil]  # the raw JID, to send back to the server


async def test_blocked_screen_enter_escape_and_empty() -> None:
    app = Host(lambda: BlockedScreen(["amy@example.org"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BlockedScreen))
        await pilot.press("enter")
        await settle(pilot, lambda: app.results)
        assert app.results == ["amy@example.org"]
    app = Host(lambda: BlockedScreen([]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, BlockedScreen))
        assert "Nobody is blocked." in screen_text(app)
        await pilot.press("u", "enter")
        await pilot.pause()
        assert app.results == []
        await pilot.press("escape")
        await settle(pilot, lambda: app.results)
        assert app.results == [None]


# --- ConfirmScreen ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "result"),
    [
        (("y",), True),
        (("n",), False),
        (("escape",), False),
        (("enter",), False),  # "No" has the focus
        (("shift+tab", "enter"), True),
    ],
)
async def test_confirm_screen_answers(keys: tuple[str, ...], result: bool) -> None:
    app = Host(lambda: ConfirmScreen(f"Remove {HOSTILE} from your contacts?"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert isinstance(app.focused, Button) and app.focused.id == "no"
        text = screen_text(app)
        assert "Remove [@click=app.quit]x[/] [b]b" in text
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.press(*keys)
        await settle(pilot, lambda: app.results)
        assert app.results == [result]
        assert app.is_running
