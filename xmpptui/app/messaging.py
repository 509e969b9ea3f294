"""Messaging flows of the app: nothing lost, history, states, search (the server
archive and paging back are in ``archive``).

Part of the app coordinator (which alone may cross layers): ``XmppTuiApp``
inherits these. The rules:

- a message the user sends is stored as pending BEFORE it goes on the wire,
  and re-sent with the same id (so servers and peers can de-duplicate) after
  a fresh login, after a restart, or with ``/retry``;
- every message is stored first, then shown; the history's answer ("new or
  not") decides what counts as unread, so carbons, archive and offline copies
  of one message are shown once;
- at login the catch-up with the server archive (MAM) starts from the newest
  archive id we have (``archive.ArchiveFlows`` carries it on).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from xmpptui.app.bursts import Summary, ToastGate
from xmpptui.app.roster import RosterFlows
from xmpptui.models import ChatMessage, ChatState, Delivery
from xmpptui.store.history import AsyncHistory
from xmpptui.ui import commands, render
from xmpptui.ui.screens.main import MainScreen
from xmpptui.ui.widgets.chat_view import ChatView
from xmpptui.ui.widgets.composer import Composer
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.xmltext import xml_text

log = logging.getLogger(__name__)

HISTORY_ON_OPEN = 200
#: Messages a tab keeps in memory while it follows the newest, when the history holds
#: them all (older ones come back page by page on scrolling up): a tab left open for
#: weeks stays the same size. Poezio keeps 2,048; 1,000 is ~25 screens of 40 rows.
KEPT_IN_TAB = 1000
#: With no history at all, the first catch-up looks this far back.
FIRST_CATCH_UP = timedelta(days=7)
_TYPING = {ChatState.COMPOSING: "{name} is typing…", ChatState.PAUSED: "{name} stopped typing."}


def batchable(event: object) -> bool:
    """Whether the bridge may handle ``event`` in a run with its neighbours: a message
    received or sent, not a correction (that one waits until what it corrects is in)."""
    return isinstance(event, ev.MessageReceived | ev.MessageSent) and not event.message.edited


def _by_peer(messages: list[ChatMessage]) -> dict[str, list[int]]:
    """The positions of ``messages`` per conversation, in order."""
    groups: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        groups.setdefault(message.peer, []).append(index)
    return groups


class MessagingFlows(RosterFlows):
    """The messaging side of :class:`xmpptui.app.XmppTuiApp` (state set by its ``__init__``)."""

    _history: AsyncHistory | None
    _bell: bool
    _catching_up: bool
    _archive_exhausted: set[str]
    _held: set[str]  # sent while offline this run: never on the wire yet
    _toasts: ToastGate

    # ------------------------------------------------------------ helpers
    def _name_of(self, sender: str) -> str:
        return "me" if sender == self.account else self._main.roster.display_name(sender)

    def _sender_name(self, message: ChatMessage) -> str:
        return "me" if message.outgoing else self._name_of(message.sender)

    def _view(self, peer: str) -> ChatView | None:
        return self._main.tabs.log_for(peer)

    async def _fill_from_history(self, peer: str) -> None:
        view = self._view(peer)
        if self._history is None or view is None:
            return
        messages = await self._history.recent(self.account, peer, HISTORY_ON_OPEN)
        view.add_messages(messages, self._name_of)

    async def _save_tabs(self) -> None:
        if self._history is not None:
            await self._history.save_open_tabs(self.account, list(self._main.tabs.peers))

    async def _restore_tabs(self) -> None:
        """Reopen last run's conversations (in the background) with their unread counts."""
        composer = self._main.composer
        composer.jid_completions = self._complete_jid
        if self._history is None:
            return
        for peer in await self._history.open_tabs(self.account):
            await self._main.open_conversation(peer, focus=False)
        for peer, count in (await self._history.unread_counts(self.account)).items():
            if self._main.tabs.has_peer(peer):
                self._unread[peer] = count
                self._main.roster.set_unread(peer, count)
                self._main.tabs.set_unread(peer, count)

    def _complete_jid(self, prefix: str) -> list[str]:
        wanted = prefix.casefold()
        return sorted(
            contact.jid
            for contact in self._main.roster.model.contacts()
            if contact.jid.startswith(wanted) or contact.name.casefold().startswith(wanted)
        )

    # ------------------------------------------------------------ showing
    async def _store_and_show(self, message: ChatMessage, *, archived: bool = False) -> bool:
        """Persist, then show; returns whether the message is new."""
        return (await self._store_and_show_many([message], archived=archived))[0]

    async def _store_and_show_many(
        self, messages: list[ChatMessage], *, archived: bool = False
    ) -> list[bool]:
        """Persist a run of messages in one transaction, then show them (one redraw per
        tab, one read mark, one toast at most); returns, per message, whether it is new.

        The history's answer decides "new", so what was stored before (a carbon, an
        archive copy) is neither counted nor announced again; without a history the
        view decides (it shows each id once).
        """
        stored = await self._store(messages)
        fresh = [bool(flag) for flag in stored] if stored is not None else None
        shown = list(fresh) if fresh is not None else [False] * len(messages)
        tabs = self._main.tabs
        for peer, indices in _by_peer(messages).items():
            if stored is not None:  # what could not be stored is not shown
                indices = [i for i in indices if stored[i] is not None]
            if not tabs.has_peer(peer):
                # old news (archived: ours, or known) opens no tab; the first that is news does
                opener = next(
                    (
                        k
                        for k, i in enumerate(indices)
                        if not archived
                        or not (messages[i].outgoing or (fresh is not None and not fresh[i]))
                    ),
                    None,
                )
                if opener is None:
                    continue
                indices = indices[opener:]
                await self._main.open_conversation(peer, focus=False)
                await self._fill_from_history(peer)
            view = self._view(peer)
            news: list[ChatMessage] = []
            for i in indices:
                message = messages[i]
                added = view is not None and view.add_message(message, self._sender_name(message))
                if fresh is None:
                    shown[i] = added
                if shown[i] and not message.outgoing:
                    news.append(message)
            if news:
                await self._arrived(peer, news, archived=archived)
        return shown

    async def _store(self, messages: list[ChatMessage]) -> list[bool | None] | None:
        """Store ``messages`` in one transaction; per message, whether it was new, or
        ``None`` if it could not be stored (``None`` for all: there is no history).
        Should the transaction fail, each one is tried alone: one bad message must
        not keep the others from being kept."""
        history = self._history
        if history is None:
            return None
        try:
            return list(await history.add_many(self.account, messages))
        except Exception:
            if len(messages) == 1:
                raise
            log.exception("storing %d messages at once failed; one by one", len(messages))
        stored: list[bool | None] = []
        for message in messages:
            try:
                stored.append(await history.add(self.account, message))
            except Exception:
                log.exception("storing message %r failed", message.id)
                stored.append(None)
        return stored

    async def _arrived(self, peer: str, news: list[ChatMessage], *, archived: bool) -> None:
        """New messages from ``peer`` (oldest first) were shown: unread and a toast
        when its tab is not the one open, else read (the mark persists)."""
        if self._main.tabs.active_peer != peer:
            self._add_unread(peer, len(news))
            if not archived:
                self._alert(peer, news)
        elif self._history is not None:
            # read as it arrives in the open tab: not unread at the next start
            newest = max(reversed(news), key=lambda m: m.timestamp)  # ties: the last stored
            await self._history.mark_read(self.account, peer, newest.id)

    def _alert(self, peer: str, news: list[ChatMessage]) -> None:
        """A toast (and the bell) for ``news``: at once, or summed up a few seconds later
        if ``peer`` had one just now (``ToastGate``)."""
        summary = self._toasts.offer(peer, len(news), news[-1].body)
        if summary is not None:
            self._toast(peer, summary)
        elif (delay := self._toasts.timer(peer)) is not None:
            self.set_timer(delay, partial(self._release_toast, peer))

    def _release_toast(self, peer: str) -> None:
        summary = self._toasts.release(peer)
        if summary is not None and self._main.tabs.active_peer != peer:
            self._toast(peer, summary)

    def _toast(self, peer: str, summary: Summary) -> None:
        name = render.clean_identity(self._main.roster.display_name(peer))
        title = name if summary.count == 1 else f"{name}: {summary.count:,} new messages"
        self.notify(render.clean_body(summary.last)[:200], title=title, markup=False)
        if self._bell:
            self.bell()

    async def _ev_message(self, event: ev.MessageReceived | ev.MessageSent) -> None:
        message = event.message
        if message.edited:  # an archived or carbon copy of a correction
            await self._correct(message.peer, message.id, message.body, message.sender)
            return
        await self._store_and_show(message)

    async def _ev_messages(self, events: list[ev.SessionEvent]) -> None:
        """A run of messages (none a correction) that arrived together: see ``batchable``."""
        messages = [e.message for e in events if isinstance(e, ev.MessageReceived | ev.MessageSent)]
        await self._store_and_show_many(messages)

    # -------------------------------------------------------- sending
    async def on_main_screen_send_requested(self, event: MainScreen.SendRequested) -> None:
        """Store as pending first, show it, then put it on the wire."""
        message = ChatMessage(
            id=uuid.uuid4().hex,
            peer=event.peer,
            sender=self.account,
            body=xml_text(event.body),  # what can go on the wire is what we keep
            timestamp=datetime.now(UTC),
            outgoing=True,
            state=Delivery.PENDING,
        )
        await self._store_and_show(message)
        self._put_on_wire(message)

    def _put_on_wire(self, message: ChatMessage) -> None:
        session = self.session
        if session is None or not session.online:
            self._held.add(message.id)  # shown as pending; sent at the next login
            return
        self._held.discard(message.id)
        session.send_message(message.peer, message.body, id=message.id)

    async def _after_login(self, resumed: bool) -> None:
        """Send what waited, then catch up with the server archive."""
        session = self.session
        if session is None:
            return
        if self._history is not None and not resumed:
            for message in await self._history.pending(self.account):
                if message.state is Delivery.PENDING:
                    self._put_on_wire(message)
        elif self._history is not None:
            held = [m for m in await self._history.pending(self.account) if m.id in self._held]
            for message in held:
                self._put_on_wire(message)
        if resumed or self._history is None or self._catching_up:
            return
        self._catching_up = True
        after = await self._history.latest_stanza_id(self.account)
        if after:
            session.fetch_archive(None, after_id=after)
        else:
            latest = await self._history.latest_timestamp(self.account)
            session.fetch_archive(None, start=latest or datetime.now(UTC) - FIRST_CATCH_UP)

    async def _ev_message_state(self, event: ev.MessageStateChanged) -> None:
        if self._history is not None:
            changed = await self._history.set_state(self.account, event.peer, event.id, event.state)
            if not changed:
                return
        view = self._view(event.peer)
        if view is not None:
            view.update_state(event.id, event.state)

    # ----------------------------------------------------- corrections
    async def _ev_message_corrected(self, event: ev.MessageCorrected) -> None:
        await self._correct(event.peer, event.id, event.body, event.sender)

    async def _correct(self, peer: str, original_id: str, body: str, sender: str) -> None:
        """Apply a correction, only from the original's own sender (XEP-0308 §5)."""
        view = self._view(peer)
        if self._history is not None:
            corrected = await self._history.apply_correction(
                self.account, peer, original_id, body, sender
            )
            if corrected is None:
                return
        elif view is None or not any(
            m.id == original_id and m.sender == sender for m in view.messages
        ):
            return
        if view is not None:
            view.apply_correction(original_id, body)

    # ------------------------------------------------------ chat states
    async def _ev_chat_state(self, event: ev.ChatStateChanged) -> None:
        view = self._view(event.jid)
        if view is not None:
            template = _TYPING.get(event.state)
            name = self._main.roster.display_name(event.jid)
            view.set_typing(template.format(name=name) if template else None)

    def on_composer_typing(self, event: Composer.Typing) -> None:
        peer = self._main.tabs.active_peer
        if peer is not None and self.session is not None and self.session.online:
            self.session.send_chat_state(peer, event.state)

    def on_chat_view_open_url_requested(self, event: ChatView.OpenUrlRequested) -> None:
        # Opening is explicit and goes through the terminal's own handling: we only
        # copy (OSC 52) and say so; no browser is started by a message.
        self.copy_to_clipboard(event.url)
        self._notice(f"Copied {event.url} to the clipboard (OSC 52).")

    # ------------------------------------------------------------ unread
    def on_tabbed_content_tab_activated(self, event: Any) -> None:
        super().on_tabbed_content_tab_activated(event)
        peer = self._main.tabs.active_peer
        if peer is not None:
            self._toasts.forget(peer)  # being read: no summary toast for it
        view = self._view(peer) if peer else None
        if peer is not None and self._history is not None and view is not None and view.messages:
            self.run_worker(
                self._history.mark_read(self.account, peer, view.messages[-1].id),
                group="history",
            )

    # ---------------------------------------------------------- commands
    def _message_command(self, command: commands.Command) -> bool:
        """/correct, /search, /retry; False if ``command`` is none of them."""
        if isinstance(command, commands.CorrectCommand):
            self.run_worker(self._correct_last(command.text), group="messages")
        elif isinstance(command, commands.SearchCommand):
            self.run_worker(self._search(command.text), exclusive=True, group="search")
        elif isinstance(command, commands.RetryCommand):
            self.run_worker(self._retry(), group="messages")
        else:
            return False
        return True

    async def _correct_last(self, text: str) -> None:
        peer = self._main.tabs.active_peer
        view = self._view(peer) if peer else None
        last = view.last_own_message() if view is not None else None
        session = self.session
        if peer is None or last is None:
            self._notice("Nothing to correct in this tab.", "warning")
            return
        if session is None or not session.online:
            self._notice("Not connected: the correction was not sent.", "warning")
            return
        session.correct_message(peer, last.id, text)
        await self._correct(peer, last.id, text, self.account)

    async def _retry(self) -> None:
        peer = self._main.tabs.active_peer
        if self._history is None or peer is None:
            return
        waiting = [m for m in await self._history.pending(self.account) if m.peer == peer]
        for message in waiting:
            await self._ev_message_state(ev.MessageStateChanged(peer, message.id, Delivery.PENDING))
            self._put_on_wire(message)
        count = len(waiting)
        self._notice(f"Sending again {count} message(s)." if count else "Nothing to resend.")

    async def _search(self, text: str) -> None:
        if self._history is None:
            self._notice("No history database.", "warning")
            return
        from xmpptui.ui.screens.search import SearchHit, SearchScreen  # loaded when first shown

        results = await self._history.search(self.account, text)
        hit = await self.push_screen_wait(SearchScreen(text, results, self._name_of))
        if isinstance(hit, SearchHit):
            await self._main.open_conversation(hit.peer)
            await self._show_message(hit.peer, hit.id)

    async def _show_message(self, peer: str, msg_id: str) -> None:
        """Scroll to a message, loading older pages from the database until it is there."""
        view = self._view(peer)
        if view is None or self._history is None:
            return
        if not view.messages:  # a tab just opened: its history may not be loaded yet
            await self._fill_from_history(peer)
        for _ in range(1000):  # at most 200,000 messages back
            if view.scroll_to_message(msg_id) or not view.messages:
                return
            older = await self._history.older(
                self.account, peer, view.messages[0].id, HISTORY_ON_OPEN
            )
            if not older:
                return
            view.add_messages(older, self._name_of, older=True)

    async def on_main_screen_conversation_opened(
        self, event: MainScreen.ConversationOpened
    ) -> None:
        await self._fill_from_history(event.peer)
        await self._save_tabs()
