"""The XML console flow of the app: watch the stream while its tab is open.

Part of the app coordinator (which alone may cross layers): ``XmppTuiApp``
inherits this. ``/xmlconsole`` (or ``/xml``, or the command palette) opens
the tab; ``ChatTabs.XmlConsoleToggled`` then turns the session's watching on,
and closing the tab (ctrl+w, ``/close``) turns it off, so a closed console
costs nothing. A session started while the tab is open (a new login) is
watched from its first byte. The session redacts and caps each text; the
view draws it inert and keeps only the newest entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

from xmpptui.app.account import AccountFlows
from xmpptui.ui.widgets.chat_tabs import ChatTabs
from xmpptui.xmpp import events as ev


class XmlConsoleFlows(AccountFlows):
    """The XML console side of :class:`xmpptui.app.XmppTuiApp`."""

    async def _ev_xml_traffic(self, event: ev.XmlTraffic) -> None:
        view = self._main.tabs.xml_console
        if view is not None:  # traffic still queued when the tab closed is dropped
            view.add(event.incoming, event.text)

    def on_chat_tabs_xml_console_toggled(self, event: ChatTabs.XmlConsoleToggled) -> None:
        if self.session is not None:
            self.session.watch_xml(event.open)

    def _start_session(self, password: str) -> None:
        super()._start_session(password)
        if self.session is not None and self._main.tabs.xml_console is not None:
            self.session.watch_xml(True)  # the login itself is shown

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "XML console",
            "Show the raw XML stream, passwords redacted (/xmlconsole)",
            self._main.tabs.open_xml_console,
        )
