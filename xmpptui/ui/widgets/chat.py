"""Chat tabs: a console tab for the app's own notices, one tab per conversation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widgets import RichLog, TabbedContent, TabPane

from xmpptui.models import ChatMessage
from xmpptui.ui import render

CONSOLE_ID = "console"


class ChatLog(RichLog):
    """The scrolling lines of one tab. Lines are Rich ``Text``: never markup.

    Messages already shown (same id) are not shown again.
    """

    DEFAULT_CSS = """
    ChatLog {
        background: $surface;
        border: none;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    clock: ClassVar[Callable[[], datetime]] = datetime.now
    """Where notices get their time (screenshots freeze it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=True, id=id)
        self.can_focus = False
        self._shown: set[str] = set()
        self._plain: list[str] = []

    @property
    def plain_lines(self) -> list[str]:
        """What this log holds, as plain text, one entry per line written.

        (RichLog renders lazily: a background tab has no rendered lines yet.)
        """
        return self._plain

    def _write_line(self, line: Text) -> None:
        self._plain.append(line.plain)
        self.write(line)

    def add_message(self, message: ChatMessage, sender_name: str) -> bool:
        """Append a message unless it is already shown; return whether it was added."""
        if message.id in self._shown:
            return False
        self._shown.add(message.id)
        local = message.timestamp.astimezone()
        self._write_line(
            render.message_line(local, sender_name, message.body, own=message.outgoing)
        )
        return True

    def add_notice(self, text: str, *, style: str = "dim", when: datetime | None = None) -> None:
        """Append a line from the app itself (help, connection state, errors)."""
        line = Text()
        stamp = (when or ChatLog.clock()).strftime("%H:%M")
        line.append(f"{stamp} ", style="dim")
        line.append_text(render.body_text(text, style=style))
        self._write_line(line)


class ChatTabs(TabbedContent):
    """The tab strip and the logs: ``console`` first, then one tab per peer JID."""

    DEFAULT_CSS = """
    ChatTabs {
        height: 1fr;
    }
    ChatTabs > ContentSwitcher {
        height: 1fr;
    }
    ChatTabs TabPane {
        padding: 0;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pane_of: dict[str, str] = {}
        self._peer_of: dict[str, str] = {}
        self._logs: dict[str, ChatLog] = {}  # by peer; children may not be mounted yet
        self._next = 0

    @staticmethod
    def console_pane() -> TabPane:
        """The first, permanent tab; compose it inside ``with ChatTabs():``."""
        return TabPane("Console", ChatLog(id="log-console"), id=CONSOLE_ID)

    @property
    def console(self) -> ChatLog:
        return self.query_one("#log-console", ChatLog)

    @property
    def active_peer(self) -> str | None:
        """The JID of the focused conversation, or None on the console."""
        return self._peer_of.get(self.active)

    @property
    def peers(self) -> Iterable[str]:
        return self._pane_of.keys()

    def has_peer(self, jid: str) -> bool:
        return jid in self._pane_of

    def log_for(self, jid: str) -> ChatLog | None:
        return self._logs.get(jid)

    async def open_peer(self, jid: str, title: str, *, focus: bool = True) -> ChatLog:
        """Open (or find) the tab for ``jid``; switch to it when ``focus``."""
        pane_id = self._pane_of.get(jid)
        if pane_id is None:
            self._next += 1
            pane_id = f"chat-{self._next}"
            self._pane_of[jid] = pane_id
            self._peer_of[pane_id] = jid
            log = ChatLog(id=f"log-{pane_id}")
            self._logs[jid] = log
            await self.add_pane(TabPane(render.identity_content(title), log, id=pane_id))
        if focus:
            self.active = pane_id
        return self._logs[jid]

    async def close_active(self) -> str | None:
        """Close the focused conversation tab; return its JID (the console stays)."""
        pane_id = self.active
        jid = self._peer_of.pop(pane_id, None)
        if jid is None:
            return None
        del self._pane_of[jid]
        del self._logs[jid]
        await self.remove_pane(pane_id)
        return jid

    def cycle(self, step: int) -> None:
        """Switch to the next (``step`` 1) or previous (-1) tab, wrapping."""
        ids = [CONSOLE_ID, *self._pane_of.values()]
        if self.active in ids:
            self.active = ids[(ids.index(self.active) + step) % len(ids)]
