"""What the terminal would receive when every network string is hostile.

The scripted session feeds hostile text into every field the network controls
(roster names and groups, statuses, bodies, requests, notices, errors, the
stream error text). Each screen is then rendered exactly as Textual writes it
to the terminal (the compositor's full update as escape sequences), and the
bytes are checked: the payloads' visible parts are there, their control
characters, bidi overrides and markup effects are not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from textual.app import App

from tests.ui.fake import ACCOUNT, Rig, contacts, log_text, wait_for
from xmpptui.models import ChatMessage, Show
from xmpptui.ui.screens.contact import ContactScreen
from xmpptui.xmpp import events as ev

SIZE = (120, 40)
BOB = "bob@example.org"
EVE = "eve@example.org"
# What XML 1.0 lets through: C1 controls (CSI, OSC, DCS, NEL), bidi overrides and
# isolates, zero-width characters (allowed in bodies, removed from names), and markup.
C1 = "\u009b2J\u009d0;PWNED\u0007\u0090q\u0085"
BIDI = "\u202e\u2066\u200b"
MARKUP = "[@click=app.quit]CLICK[/] [link=http://evil.example]LINK[/link] [b]BOLD"


def hostile(marker: str) -> str:
    return f"{marker}{C1}{BIDI}{MARKUP}"


def terminal_bytes(app: App[object]) -> str:
    """The full screen as Textual would write it to the terminal."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def assert_inert(data: str, *markers: str) -> None:
    for marker in markers:
        assert marker in data, f"{marker} is not on screen"
    bad = re.findall(r"[\u0080-\u009f\u202a-\u202e\u2066-\u2069\u0007]", data)
    assert not bad, f"control characters reached the terminal: {bad!r}"
    assert "\x1b]8;" not in data, "a hyperlink reached the terminal"
    assert "\x1b]0;" not in data and "\x1bP" not in data
    assert "[@click=app.quit]CLICK[/]" in data  # shown as text, not turned into an action


async def test_every_network_string_reaches_the_terminal_inert() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        now = datetime.now(UTC)
        rig.session.emit(
            ev.SessionStarted(f"{ACCOUNT}/test"),
            contacts((BOB, hostile("NAME1"), (hostile("GROUP1"),))),
            ev.PresenceChanged(BOB, hostile("RES1"), Show.AWAY, hostile("STATUS1")),
            ev.SubscriptionRequested(EVE, hostile("NICK1"), hostile("REQ1")),
            ev.MessageReceived(ChatMessage("m1", BOB, BOB, hostile("BODY1"), now, outgoing=False)),
            ev.ServerNotice(hostile("NOTICE1"), ""),
            ev.ErrorOccurred(hostile("ERROR1")),
        )
        await wait_for(pilot, lambda: "ERROR1" in log_text(rig.app))
        assert rig.app.main.tabs.peers == [BOB]  # the notice opened no tab
        await pilot.pause()
        assert_inert(terminal_bytes(rig.app), "NAME1", "GROUP1", "NICK1", "NOTICE1", "ERROR1")

        assert rig.app.main.tabs.select_peer(BOB)
        await wait_for(pilot, lambda: "BODY1" in terminal_bytes(rig.app))
        assert_inert(terminal_bytes(rig.app), "BODY1", "NAME1")

        rig.app.main.show_details(BOB)
        await wait_for(pilot, lambda: isinstance(rig.app.screen, ContactScreen))
        await pilot.pause()
        assert_inert(terminal_bytes(rig.app), "NAME1", "GROUP1", "RES1", "STATUS1")
        await pilot.press("escape")

        rig.session.emit(ev.StreamErrorReceived("policy-violation", hostile("STREAM1")))
        await wait_for(pilot, lambda: "STREAM1" in log_text(rig.app))
        rig.app.main.tabs.select_index(1)  # the console
        await pilot.pause()
        assert_inert(terminal_bytes(rig.app), "STREAM1")
        assert rig.app.is_running
