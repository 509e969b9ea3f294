"""Archive flows of the app: the server archive (MAM) and scrolling back.

Part of the app coordinator (which alone may cross layers): ``XmppTuiApp``
inherits these. At login the archive is caught up page by page from the
newest archive id we have; scrolling to the top of a conversation loads
older messages from the database first, then from the server archive.
Archived messages go through the same store-then-show path as live ones.
"""

from __future__ import annotations

from xmpptui.app.messaging import HISTORY_ON_OPEN, MessagingFlows
from xmpptui.models import ChatMessage, Delivery
from xmpptui.ui.widgets.chat_view import ChatView
from xmpptui.xmpp import events as ev


class ArchiveFlows(MessagingFlows):
    """Catch-up at login and paging back through history."""

    async def _ev_archive(self, event: ev.ArchiveFetched) -> None:
        session = self.session
        run: list[ChatMessage] = []
        for message in (*event.messages, None):  # None: the end, store what is left
            if message is not None and not message.edited:
                run.append(message)
                continue
            if run:
                await self._store_archived(run)
                run = []
            if message is not None:  # a correction: after what it corrects
                await self._correct(message.peer, message.id, message.body, message.sender)
        if event.peer is None:  # login catch-up: continue until the archive says done
            if not event.complete and event.last_id and session is not None:
                session.fetch_archive(None, after_id=event.last_id)
            else:
                self._catching_up = False
        elif event.complete:
            self._archive_exhausted.add(event.peer)

    async def _store_archived(self, messages: list[ChatMessage]) -> None:
        fresh = await self._store_and_show_many(messages, archived=True)
        if self._history is None:
            return
        for message, new in zip(messages, fresh, strict=True):
            if not new and message.outgoing:
                # the archive proves our pending message reached the server
                await self._ev_message_state(
                    ev.MessageStateChanged(message.peer, message.id, Delivery.SENT)
                )

    async def on_chat_view_top_reached(self, event: ChatView.TopReached) -> None:
        """Older messages: from the database first, then from the server archive."""
        peer = event.peer
        view = self._view(peer)
        if view is None or self._history is None:
            return
        oldest = view.messages[0] if view.messages else None
        older = (
            await self._history.older(self.account, peer, oldest.id, HISTORY_ON_OPEN)
            if oldest is not None
            else await self._history.recent(self.account, peer, HISTORY_ON_OPEN)
        )
        if older:
            view.add_messages(older, self._name_of, older=True)
            return
        session = self.session
        if peer in self._archive_exhausted or session is None or not session.online:
            return
        before = await self._history.oldest_stanza_id(self.account, peer)
        session.fetch_archive(peer, before_id=before)
