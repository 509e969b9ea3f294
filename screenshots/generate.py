"""Regenerate the README screenshots from the real app with a scripted session.

    .venv/bin/python screenshots/generate.py

Fixed terminal size, clock, time zone and theme; no cursor blink. Writes
``screenshots/*.svg``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xmpptui.app import XmppTuiApp
from xmpptui.devtools.scripted import FixedPasswords, ScriptedSession
from xmpptui.models import ChatMessage, ChatState, Contact, Delivery, Show
from xmpptui.ui.widgets.chat import ChatView
from xmpptui.xmpp import events as ev

HERE = Path(__file__).parent
SIZE = (120, 34)
ME = "alice@example.org"
NOW = datetime(2026, 11, 21, 9, 41, tzinfo=UTC)
ROSTER = (
    Contact("bob@example.org", "Bob", ("Friends",), "both"),
    Contact("carol@example.org", "Carol", ("Friends",), "both"),
    Contact("dave@example.net", "Dave", ("Work",), "both"),
    Contact("erin@example.net", "Erin", ("Work",), "both"),
    Contact("frank@jabber.example", "", (), "to", ask=True),
)
PRESENCE = (
    ev.PresenceChanged("bob@example.org", "laptop", Show.CHAT, "Happy to chat"),
    ev.PresenceChanged("carol@example.org", "phone", Show.AWAY, "lunch"),
    ev.PresenceChanged("dave@example.net", "work", Show.DND, "in a meeting until 11"),
)
CHAT = (
    (-9, False, "Morning! Did the new build go out?"),
    (-8, True, "It did. Release notes are on the wiki."),
    (-6, False, "Great. Any trouble with the TLS change?"),
    (-5, True, "None so far. The certificate check is strict now, no silent fallbacks."),
    (-2, False, "Perfect. Lunch at noon? [b]not bold[/b], just brackets."),
)


def freeze() -> Callable[[], None]:
    """Fix the time zone and the clock; returns a function that undoes it."""
    old_tz, old_clock = os.environ.get("TZ"), ChatView.clock
    os.environ["TZ"] = "UTC"
    time.tzset()
    ChatView.clock = lambda: NOW.replace(tzinfo=None)

    def restore() -> None:
        if old_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old_tz
        time.tzset()
        ChatView.clock = old_clock

    return restore


def make_app(password: str | None) -> tuple[XmppTuiApp, list[ScriptedSession]]:
    sessions: list[ScriptedSession] = []

    def factory(pw: str) -> ScriptedSession:
        session = ScriptedSession(ME, pw)
        session.clock = lambda: NOW
        sessions.append(session)
        return session

    app = XmppTuiApp(ME, factory, FixedPasswords(ME, password))
    app.theme = "textual-dark"
    return app, sessions


async def settle(pilot: object, predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot state never reached")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def main_screen(out: Path = HERE) -> None:
    app, sessions = make_app("secret")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: sessions and sessions[0].started)
        session = sessions[0]
        session.emit(ev.SessionStarted(f"{ME}/xmpptui-laptop"), ev.RosterReceived(ROSTER))
        session.emit(*PRESENCE)
        session.emit(ev.SubscriptionRequested("grace@example.com", nick="Grace"))
        session.emit(ev.ClientInfoReceived("bob@example.org", "laptop", "Gajim", "1.9.5", "Linux"))
        carol = ChatMessage(
            "c1", "carol@example.org", "carol@example.org", "Are you coming?", NOW, False
        )
        session.emit(ev.MessageReceived(carol))
        for minutes, own, body in CHAT:
            sender = ME if own else "bob@example.org"
            message = ChatMessage(
                f"m{minutes}",
                "bob@example.org",
                sender,
                body,
                NOW + timedelta(minutes=minutes),
                own,
                state=(Delivery.DELIVERED if minutes < -6 else Delivery.SENT)
                if own
                else Delivery.RECEIVED,
            )
            session.emit(ev.MessageSent(message) if own else ev.MessageReceived(message))
        await settle(pilot, lambda: app.main.tabs.has_peer("bob@example.org"))
        await settle(pilot, lambda: len(app.main.tabs.log_for("bob@example.org").plain_lines) == 5)
        await settle(pilot, lambda: app.main.tabs.has_peer("carol@example.org"))
        await app.main.open_conversation("bob@example.org")
        session.emit(ev.ChatStateChanged("bob@example.org", ChatState.COMPOSING))
        bob_view = app.main.tabs.log_for("bob@example.org")
        await settle(pilot, lambda: bob_view is not None and bob_view.typing is not None)
        composer = app.main.composer
        composer.cursor_blink = False
        composer.value = "Sure, see you there"
        composer.cursor_position = len(composer.value)
        console = app.main.tabs.console
        await settle(pilot, lambda: any("wants to add you" in line for line in console.plain_lines))
        app.clear_notifications()  # toasts come and go with timers: keep them out
        await pilot.pause()
        app.save_screenshot("main.svg", str(out))
        app.main.show_details("bob@example.org")
        await settle(pilot, lambda: type(app.screen).__name__ == "ContactScreen")
        await pilot.pause()
        app.save_screenshot("details.svg", str(out))


async def login_screen(out: Path = HERE) -> None:
    app, _sessions = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        from xmpptui.ui.screens.password import PasswordScreen

        await settle(pilot, lambda: isinstance(app.screen, PasswordScreen))
        app.screen.query_one("#password").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.press(*"hunter2")
        await pilot.pause()
        app.save_screenshot("login.svg", str(out))


def main() -> None:
    freeze()
    asyncio.run(main_screen())
    asyncio.run(login_screen())
    print(f"wrote {', '.join(str(p) for p in sorted(HERE.glob('*.svg')))}")


if __name__ == "__main__":
    main()
