"""The XML console tab, in the real app fed by the scripted session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from tests.ui.fake import ACCOUNT, Rig, log_text, wait_for
from xmpptui.ui.screens.password import PasswordScreen
from xmpptui.ui.widgets.chat import XML_CONSOLE_ID, XmlConsoleView
from xmpptui.xmpp import events as ev

SIZE = (120, 40)
HOSTILE = "<message><body>[@click=app.quit]x[/] \x1b]0;pwned\x07 \u202eevil</body></message>"
SENT = '<message to="bob@example.org" type="chat"><body>hi</body></message>'


async def online(rig: Rig, pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: rig.sessions and rig.session.started)
    rig.session.emit(ev.SessionStarted(f"{ACCOUNT}/test"))


async def command(pilot: Pilot[Any], line: str) -> None:
    await pilot.press(*line, "enter")


def console(rig: Rig) -> XmlConsoleView:
    view = rig.app.main.tabs.xml_console
    assert view is not None, "the XML console is not open"
    return view


def drawn(view: XmlConsoleView) -> list[Strip]:
    return [view.render_line(y) for y in range(view.size.height)]


def row_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


async def test_the_command_opens_the_tab_shows_traffic_inert_and_closing_stops_watching() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        assert rig.session.xml_watch_calls == []  # nothing watched while the console is closed

        await command(pilot, "/xmlconsole")
        await wait_for(pilot, lambda: rig.session.xml_watching)
        tabs = rig.app.main.tabs
        assert tabs.active == XML_CONSOLE_ID
        view = console(rig)
        rig.session.emit(ev.XmlTraffic(False, SENT), ev.XmlTraffic(True, HOSTILE))
        await wait_for(pilot, lambda: sum("<message" in row_text(s) for s in drawn(view)) == 2)

        lines = view.plain_lines
        assert [line.split(" ")[1] for line in lines] == [">>>", "<<<"]  # sent, received
        assert lines[0].endswith(SENT)
        rows = [s for s in drawn(view) if "<message" in row_text(s)]
        sent_row, received_row = rows
        assert row_text(sent_row).split(" ")[1] == ">>>"
        assert row_text(received_row).split(" ")[1] == "<<<"
        # The marks have colours of their own: sent and received look different.
        marks = [next(seg for seg in row if seg.text.strip() in (">>>", "<<<")) for row in rows]
        assert marks[0].style is not None and marks[1].style is not None
        assert marks[0].style.color != marks[1].style.color
        # The hostile body is literal text: no markup, no action, no escape sequence.
        hostile = row_text(received_row)
        assert "[@click=app.quit]x[/]" in hostile
        assert "\ufffd]0;pwned\ufffd" in hostile
        assert not any(ch in hostile for ch in "\x1b\x07\u202e")
        assert all(not (seg.style and (seg.style.meta or seg.style.link)) for seg in received_row)
        await pilot.click(XmlConsoleView, offset=(30, 1))
        assert rig.app.is_running

        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: tabs.xml_console is None)
        assert rig.session.xml_watch_calls == [True, False]
        assert not rig.app.main.query(XmlConsoleView)
        rig.session.emit(ev.XmlTraffic(True, "<late/>"), ev.SessionStarted(f"{ACCOUNT}/x"))
        await wait_for(pilot, lambda: f"{ACCOUNT}/x" in log_text(rig.app))  # handled, dropped


async def test_alias_close_command_palette_and_help() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await command(pilot, "/xml")
        await wait_for(pilot, lambda: rig.session.xml_watching)
        await command(pilot, "/xml")  # already open: nothing new to watch
        await pilot.pause()
        assert rig.session.xml_watch_calls == [True]
        await command(pilot, "/close")
        await wait_for(pilot, lambda: not rig.session.xml_watching)
        assert rig.app.main.tabs.xml_console is None

        palette = {c.title: c for c in rig.app.get_system_commands(rig.app.screen)}
        await palette["XML console"].callback()
        await wait_for(pilot, lambda: rig.session.xml_watch_calls == [True, False, True])
        assert rig.app.main.tabs.active == XML_CONSOLE_ID

        await command(pilot, "/help xml")
        await wait_for(pilot, lambda: "/xmlconsole (or /xml)" in log_text(rig.app))


async def test_a_new_login_is_watched_while_the_console_is_open() -> None:
    rig = Rig()
    async with rig.app.run_test(size=SIZE) as pilot:
        await online(rig, pilot)
        await command(pilot, "/xmlconsole")
        await wait_for(pilot, lambda: rig.session.xml_watching)
        rig.session.emit(ev.AuthenticationFailed("The server rejected the password."))
        await wait_for(pilot, lambda: isinstance(rig.app.screen, PasswordScreen))
        await pilot.press(*"right", "enter")
        await wait_for(pilot, lambda: len(rig.sessions) == 2 and rig.session.started)
        assert rig.session.xml_watch_calls == [True]  # before it started: the login is shown


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield XmlConsoleView(max_entries=50, max_chars=10_000)

    @property
    def view(self) -> XmlConsoleView:
        return self.query_one(XmlConsoleView)


async def test_the_view_keeps_only_the_newest_entries_and_cuts_huge_texts() -> None:
    app = Host()
    when = datetime(2026, 11, 20, 9, 41, 7)
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.view
        for n in range(80):
            view.add(n % 2 == 1, f"<iq id='{n}'/>", when)
        await wait_for(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        assert view.entry_count == 50
        assert view.plain_lines[0] == "09:41:07 >>> <iq id='30'/>"
        assert view.plain_lines[-1] == "09:41:07 <<< <iq id='79'/>"
        assert "<iq id='79'/>" in row_text(drawn(view)[-1])  # it follows the newest

        view.scroll_to(y=20, animate=False)  # scrolled up: what is shown stays put,
        await wait_for(pilot, lambda: view.scroll_y == 20)
        top = row_text(drawn(view)[0])
        for n in range(80, 90):  # even while the oldest entries are dropped
            view.add(True, f"<iq id='{n}'/>", when)
        await wait_for(pilot, lambda: view.plain_lines[-1].endswith("<iq id='89'/>"))
        await wait_for(pilot, lambda: view.scroll_y == 10)
        assert row_text(drawn(view)[0]) == top

        view.add(True, "x" * 200_000, when)  # over the text cap and the view's character budget
        await wait_for(pilot, lambda: view.entry_count == 1)
        (line,) = view.plain_lines
        assert line.endswith(f"… ({200_000 - 64 * 1024} characters more)")

        # Wrapped rows hang under the text column.
        view.add(False, "y" * 100, when)
        await wait_for(pilot, lambda: any("yyy" in row for row in view.rendered_lines()))
        rows = [row for row in view.rendered_lines() if "y" in row]
        assert rows[0].startswith("09:41:07 >>> y") and rows[1].startswith(" " * 13 + "y")
