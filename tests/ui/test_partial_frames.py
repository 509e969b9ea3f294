"""What the terminal shows after the app's partial updates is what a whole new frame
would show: no row is left stale. (The compositor fixes in ``ui/textual_fixes``
draw only the rows that changed and are not covered; this holds them to it.)"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.cells import get_character_cell_size
from textual._compositor import Compositor, LayoutUpdate

from tests.ui.fake import ACCOUNT, Rig, wait_for
from tests.ui.test_main_screen import BOB, CAROL, SIZE, incoming, online
from xmpptui.app import XmppTuiApp
from xmpptui.models import ChatMessage, Show
from xmpptui.store.history import AsyncHistory
from xmpptui.ui import textual_fixes
from xmpptui.xmpp import events as ev

_SEQUENCE = re.compile(
    r"\x1b\[(?P<params>[0-9;?]*)(?P<final>[A-Za-z])"  # CSI: cursor moves, colours
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: links
    r"|(?P<text>[^\x1b]+)"
)


class Terminal:
    """Cells written by cursor moves and text, as a terminal keeps them."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[" "] * width for _ in range(height)]
        self.x = self.y = 0

    def feed(self, data: str) -> None:
        for match in _SEQUENCE.finditer(data):
            if match["final"] == "H":
                row, _, column = (match["params"] or "1;1").partition(";")
                self.y, self.x = int(row or 1) - 1, int(column or 1) - 1
            elif match["text"]:
                self._write(match["text"])

    def _write(self, text: str) -> None:
        for char in text:
            if char == "\n":
                self.y, self.x = self.y + 1, 0
                continue
            if char == "\r":
                self.x = 0
                continue
            width = get_character_cell_size(char)
            if not 0 <= self.y < self.height or not 0 <= self.x < self.width:
                continue
            if width == 0:  # combining: joins the cell before
                self.cells[self.y][max(self.x - 1, 0)] += char
                continue
            self.cells[self.y][self.x] = char
            if width == 2 and self.x + 1 < self.width:
                self.cells[self.y][self.x + 1] = ""
            self.x += width

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]


def watch(app: XmppTuiApp) -> Terminal:
    """A terminal fed with every update the app writes (headless too)."""
    terminal = Terminal(*SIZE)
    display = app._display

    def shown(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            terminal.feed(renderable.render_segments(app.console))
        display(screen, renderable)

    app._display = shown  # type: ignore[method-assign]
    return terminal


def whole_frame(app: XmppTuiApp) -> list[str]:
    compositor = app.screen._compositor
    terminal = Terminal(*SIZE)
    update = LayoutUpdate([[strip] for strip in compositor.render_strips()], compositor.size.region)
    terminal.feed(update.render_segments(app.console))
    return terminal.lines()


def stale_rows(app: XmppTuiApp, terminal: Terminal) -> list[str]:
    """The rows where the terminal differs from a whole new frame."""
    return [
        f"row {y}: shown {got!r}, whole frame {want!r}"
        for y, (got, want) in enumerate(zip(terminal.lines(), whole_frame(app), strict=True))
        if got != want
    ]


async def settled(app: XmppTuiApp, pilot: Any, terminal: Terminal, step: str) -> None:
    """Wait until the terminal shows what a whole new frame would (paced redraws, of a
    stream or of the roster, come a few frames later); fail with the rows left stale."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while stale := stale_rows(app, terminal):
        if loop.time() > deadline:
            raise AssertionError(f"after {step}:\n" + "\n".join(stale))
        await pilot.pause(0.02)


@pytest.mark.parametrize("fixed", [True, False], ids=["ours", "textuals"])
async def test_partial_updates_add_up_to_the_whole_screen(
    fixed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "shown-rows" in textual_fixes.apply()
    if not fixed:  # the same steps with Textual's own drawing: proves the terminal model
        theirs = Compositor._render_chops.__wrapped__  # type: ignore[attr-defined]
        monkeypatch.setattr(Compositor, "_render_chops", theirs)
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        terminal = watch(rig.app)
        await online(rig, pilot)
        await settled(rig.app, pilot, terminal, "login")
        await rig.app.main.open_conversation(BOB)
        rig.session.emit(*(incoming(f"line {n} from Bob", msg_id=f"b{n}") for n in range(30)))
        await wait_for(pilot, lambda: "line 29 from Bob" in "".join(terminal.lines()))
        await settled(rig.app, pilot, terminal, "a conversation")
        await pilot.press(*"hello there")
        await settled(rig.app, pilot, terminal, "typing")
        rig.session.emit(ev.PresenceChanged(CAROL, "desk", Show.DND, "busy"))
        await settled(rig.app, pilot, terminal, "a presence")
        await pilot.press("ctrl+r", "f")
        await pilot.press(*"car")
        await settled(rig.app, pilot, terminal, "the roster filter")
        await pilot.press("escape")
        await settled(rig.app, pilot, terminal, "the filter closed")
        rig.session.emit(*(incoming(f"burst {n}", msg_id=f"x{n}") for n in range(300)))
        rig.session.emit(incoming("from Carol", CAROL, "c1"))  # a toast
        await wait_for(pilot, lambda: "burst 299" in "".join(terminal.lines()))
        await settled(rig.app, pilot, terminal, "a burst and a toast")
        await rig.app.main.open_conversation(CAROL)
        await settled(rig.app, pilot, terminal, "another tab")
        await rig.app.main.open_conversation(BOB)
        await settled(rig.app, pilot, terminal, "back to the first tab")


async def test_restored_tabs_filled_from_history_are_drawn_whole(history: AsyncHistory) -> None:
    """Last run's tabs come back in the background; ``/msg`` to one of them shows its
    history and the new message: every row of it reaches the terminal."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    old = [
        ChatMessage(
            f"h{n}", BOB, BOB if n % 3 else ACCOUNT, f"old line {n} " + "word " * (n % 25),
            start + timedelta(minutes=n), outgoing=not n % 3,
        )
        for n in range(60)
    ]  # fmt: skip
    await history.add_many(ACCOUNT, old)
    await history.save_open_tabs(ACCOUNT, [BOB, CAROL])
    rig = Rig(history=history)
    async with rig.app.run_test(size=SIZE) as pilot:
        terminal = watch(rig.app)
        await online(rig, pilot)
        await wait_for(pilot, lambda: rig.app.main.tabs.has_peer(BOB))
        await settled(rig.app, pilot, terminal, "login with restored tabs")
        await pilot.press(*f"/msg {BOB} a new line", "enter")
        await wait_for(pilot, lambda: "a new line" in "".join(terminal.lines()))
        await settled(rig.app, pilot, terminal, "/msg to a restored tab")
        rig.session.emit(incoming("and an answer", msg_id="r1"))
        await wait_for(pilot, lambda: "and an answer" in "".join(terminal.lines()))
        await settled(rig.app, pilot, terminal, "the answer")
