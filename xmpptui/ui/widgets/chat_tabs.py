"""Chat tabs: a console tab for the app's own notices, then one tab per conversation.

Each conversation tab holds one ``ChatView``. Tab titles are names from the
roster (or JIDs), cleaned by ``render``, with the unread count: ``Bob (3)``.
The XML console (``open_xml_console``), when open, is the last tab; opening
and closing it post ``XmlConsoleToggled`` (the app starts or stops watching).

| call                 | meaning                                                  |
|----------------------|----------------------------------------------------------|
| ``select_index(1)``  | the console (alt+1 on the main screen)                   |
| ``select_index(n)``  | the (n-1)-th conversation in tab order (alt+2 .. alt+9)  |
| ``next_unread()``    | the next conversation after the current one with unread  |
|                      | messages, wrapping (``None``: nothing unread)            |
| ``peers``            | conversation JIDs in tab order (to save the open tabs)   |
| ``open_xml_console`` | the XML console tab, always last (``xml_console``: its   |
|                      | view); ``select_index`` counts it after the chats        |
"""

from __future__ import annotations

from contextlib import suppress

from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import TabbedContent, TabPane

from xmpptui.ui import render
from xmpptui.ui.widgets.chat_view import ChatView
from xmpptui.ui.widgets.xml_console import XmlConsoleView

CONSOLE_ID = "console"
XML_CONSOLE_ID = "xml-console"


class ChatTabs(TabbedContent):
    """The tab strip and the views: ``console`` first, then one tab per peer JID."""

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

    class XmlConsoleToggled(Message):
        """The XML console tab was opened (``open``) or closed."""

        def __init__(self, open: bool) -> None:
            super().__init__()
            self.open = open

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._xml: XmlConsoleView | None = None
        self._pane_of: dict[str, str] = {}  # peer -> pane id, in tab order
        self._peer_of: dict[str, str] = {}
        self._views: dict[str, ChatView] = {}  # by peer; may not be mounted yet
        self._titles: dict[str, str] = {}
        self._unread: dict[str, int] = {}
        self._next = 0
        self.keep: int | None = None
        """Messages a conversation tab keeps while following the newest (``ChatCanvas.keep``):
        set by the app when the history holds them all; ``None``: every one."""

    @staticmethod
    def console_pane() -> TabPane:
        """The first, permanent tab; compose it inside ``with ChatTabs():``."""
        return TabPane("Console", ChatView(id="log-console"), id=CONSOLE_ID)

    @property
    def console(self) -> ChatView:
        return self.query_one("#log-console", ChatView)

    @property
    def active_peer(self) -> str | None:
        """The JID of the focused conversation, or None on the console."""
        return self._peer_of.get(self.active)

    @property
    def active_view(self) -> ChatView | XmlConsoleView:
        """The view of the current tab (the console's on the console)."""
        if self._xml is not None and self.active == XML_CONSOLE_ID:
            return self._xml
        peer = self.active_peer
        return self._views[peer] if peer is not None else self.console

    @property
    def xml_console(self) -> XmlConsoleView | None:
        """The XML console's view while its tab is open."""
        return self._xml

    async def open_xml_console(self) -> None:
        """Open the XML console as the last tab (or find it) and switch to it."""
        if self._xml is None:
            self._xml = XmlConsoleView(id="log-xml")
            await self.add_pane(TabPane(Content("XML console"), self._xml, id=XML_CONSOLE_ID))
            self._toggled(True)
        self.active = XML_CONSOLE_ID

    async def close_xml_console(self) -> None:
        """Close the XML console tab, if open (its traffic is dropped)."""
        if self._xml is not None:
            self._xml = None
            await self.remove_pane(XML_CONSOLE_ID)
            self._forget_closed()
            self._toggled(False)

    def _toggled(self, open: bool) -> None:
        # From us, not from whoever called: Textual stops a message one level
        # above its sender, and the caller is often the screen.
        self.post_message(self.XmlConsoleToggled(open).set_sender(self))

    @property
    def peers(self) -> list[str]:
        """The conversations' JIDs in tab order."""
        return list(self._pane_of)

    def has_peer(self, jid: str) -> bool:
        return jid in self._pane_of

    def log_for(self, jid: str) -> ChatView | None:
        return self._views.get(jid)

    async def open_peer(self, jid: str, title: str, *, focus: bool = True) -> ChatView:
        """Open (or find) the tab for ``jid``; switch to it when ``focus``."""
        pane_id = self._pane_of.get(jid)
        if pane_id is None:
            self._next += 1
            pane_id = f"chat-{self._next}"
            self._pane_of[jid] = pane_id
            self._peer_of[pane_id] = jid
            self._titles[jid] = title
            view = ChatView(jid, id=f"log-{pane_id}")
            view.keep = self.keep
            self._views[jid] = view
            before = XML_CONSOLE_ID if self._xml is not None else None  # it stays last
            await self.add_pane(TabPane(self._label(jid), view, id=pane_id), before=before)
        if focus:
            self.active = pane_id
        return self._views[jid]

    async def close_active(self) -> str | None:
        """Close the focused conversation tab (or the XML console); return the
        conversation's JID (the console stays)."""
        pane_id = self.active
        if pane_id == XML_CONSOLE_ID:
            await self.close_xml_console()
            return None
        jid = self._peer_of.pop(pane_id, None)
        if jid is None:
            return None
        del self._pane_of[jid], self._views[jid], self._titles[jid]
        self._unread.pop(jid, None)
        await self.remove_pane(pane_id)
        self._forget_closed()
        return jid

    def _forget_closed(self) -> None:
        """Drop what Textual's ``query_one`` remembered about a closed tab.

        Each node keeps the answers to its last 1,024 ``query_one`` calls, keyed by
        the DOM's change count, so a closed tab's widgets stayed alive until a
        thousand other answers pushed them out, with their styles and drawn lines
        (with the styles-cache leak of ``ui/textual_fixes.py``, 40 tabs opened and
        closed kept 8 MiB). The answers are simply found again.
        """
        for node in (*self.ancestors_with_self, *self.walk_children()):
            cache = getattr(node, "_query_one_cache", None)  # Textual's, private
            if cache is not None:
                cache.clear()

    def _tab_ids(self) -> list[str]:
        xml = [XML_CONSOLE_ID] if self._xml is not None else []
        return [CONSOLE_ID, *self._pane_of.values(), *xml]

    def cycle(self, step: int) -> None:
        """Switch to the next (``step`` 1) or previous (-1) tab, wrapping."""
        ids = self._tab_ids()
        if self.active in ids:
            self.active = ids[(ids.index(self.active) + step) % len(ids)]

    def select_index(self, number: int) -> bool:
        """Switch to tab ``number``: 1 is the console, 2.. the conversations in order
        (then the XML console, if open)."""
        ids = self._tab_ids()
        if not 1 <= number <= len(ids):
            return False
        self.active = ids[number - 1]
        return True

    def select_peer(self, jid: str) -> bool:
        """Switch to ``jid``'s tab if it is open."""
        pane_id = self._pane_of.get(jid)
        if pane_id is not None:
            self.active = pane_id
        return pane_id is not None

    # ------------------------------------------------------ titles, unread
    def set_title(self, jid: str, title: str) -> None:
        """Rename ``jid``'s tab (e.g. after a roster rename)."""
        if jid in self._pane_of:
            self._titles[jid] = title
            self._relabel(jid)

    def set_unread(self, jid: str, count: int) -> None:
        """Show ``count`` unread messages in ``jid``'s tab title (0 hides it)."""
        if jid not in self._pane_of or self._unread.get(jid, 0) == count:
            return
        if count > 0:
            self._unread[jid] = count
        else:
            self._unread.pop(jid, None)
        self._relabel(jid)

    def unread(self, jid: str) -> int:
        return self._unread.get(jid, 0)

    def next_unread(self) -> str | None:
        """The first conversation after the current tab (wrapping) with unread messages."""
        peers = self.peers
        current = self.active_peer
        start = peers.index(current) + 1 if current in peers else 0
        for jid in peers[start:] + peers[:start]:
            if self._unread.get(jid, 0) > 0 and jid != current:
                return jid
        return None

    def title_of(self, jid: str) -> str:
        """The tab title as shown (plain), e.g. ``Bob (3)``."""
        return self._label(jid).plain

    def _label(self, jid: str) -> Content:
        label = render.identity_content(self._titles.get(jid, jid))
        count = self._unread.get(jid, 0)
        return label + Content(" ") + Content.styled(f"({count})", "bold") if count else label

    def _relabel(self, jid: str) -> None:
        pane_id = self._pane_of[jid]
        with suppress(NoMatches):  # not mounted yet: the pane is created with the label
            self.get_tab(pane_id).label = self._label(jid)
