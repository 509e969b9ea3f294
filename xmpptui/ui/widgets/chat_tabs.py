"""Chat tabs: a console tab for the app's own notices, then one tab per conversation.

Each tab holds one ``ChatView``. Tab titles are names from the roster (or
JIDs), cleaned by ``render``, with the unread count: ``Bob (3)``.

| call                 | meaning                                                  |
|----------------------|----------------------------------------------------------|
| ``select_index(1)``  | the console (alt+1 on the main screen)                   |
| ``select_index(n)``  | the (n-1)-th conversation in tab order (alt+2 .. alt+9)  |
| ``next_unread()``    | the next conversation after the current one with unread  |
|                      | messages, wrapping (``None``: nothing unread)            |
| ``peers``            | conversation JIDs in tab order (to save the open tabs)   |
"""

from __future__ import annotations

from contextlib import suppress

from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import TabbedContent, TabPane

from xmpptui.ui import render
from xmpptui.ui.widgets.chat_view import ChatView

CONSOLE_ID = "console"


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pane_of: dict[str, str] = {}  # peer -> pane id, in tab order
        self._peer_of: dict[str, str] = {}
        self._views: dict[str, ChatView] = {}  # by peer; may not be mounted yet
        self._titles: dict[str, str] = {}
        self._unread: dict[str, int] = {}
        self._next = 0

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
    def active_view(self) -> ChatView:
        """The view of the current tab (the console's on the console)."""
        peer = self.active_peer
        return self._views[peer] if peer is not None else self.console

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
            self._views[jid] = view
            await self.add_pane(TabPane(self._label(jid), view, id=pane_id))
        if focus:
            self.active = pane_id
        return self._views[jid]

    async def close_active(self) -> str | None:
        """Close the focused conversation tab; return its JID (the console stays)."""
        pane_id = self.active
        jid = self._peer_of.pop(pane_id, None)
        if jid is None:
            return None
        del self._pane_of[jid], self._views[jid], self._titles[jid]
        self._unread.pop(jid, None)
        await self.remove_pane(pane_id)
        return jid

    def cycle(self, step: int) -> None:
        """Switch to the next (``step`` 1) or previous (-1) tab, wrapping."""
        ids = [CONSOLE_ID, *self._pane_of.values()]
        if self.active in ids:
            self.active = ids[(ids.index(self.active) + step) % len(ids)]

    def select_index(self, number: int) -> bool:
        """Switch to tab ``number``: 1 is the console, 2.. the conversations in order."""
        ids = [CONSOLE_ID, *self._pane_of.values()]
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
