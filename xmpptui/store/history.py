"""Message history in SQLite.

:class:`History` is synchronous and must stay on one thread (the one that
opened it). :class:`AsyncHistory` is what the app uses: it owns a single
worker thread that opens, uses and closes one :class:`History`, so the
asyncio loop never waits on disk.

Schema changes are append-only entries of :data:`MIGRATIONS`; the number
applied is kept in ``PRAGMA user_version``. A message is identified by
``(account, peer, id)`` (and by our server's ``stanza_id`` once known):
storing it again is a no-op, so a carbon, a MAM result and a resend of one
message are kept once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from xmpptui.models import ChatMessage, Delivery
from xmpptui.store.history_core import History, HistoryError
from xmpptui.store.history_schema import MIGRATIONS, SCHEMA_VERSION

T = TypeVar("T")

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "AsyncHistory", "History", "HistoryError"]


class AsyncHistory:
    """:class:`History` for the asyncio loop: all work runs on one worker thread.

    Every method has the meaning of the :class:`History` method of the same
    name. Awaiting a call that gets cancelled does not cancel the work: a
    message handed to :meth:`add` is stored even if the caller stops waiting.
    """

    def __init__(self, path: Path) -> None:
        """Prepare to open ``path``; nothing touches the disk before :meth:`open`."""
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmpptui-history")
        self._history: History | None = None

    async def open(self) -> None:
        """Open and migrate the database on the worker thread."""
        self._history = await self._run(lambda: History.open(self.path))

    async def add(self, account: str, message: ChatMessage) -> bool:
        """See :meth:`History.add`."""
        history = self._require()
        return await self._run(lambda: history.add(account, message))

    async def add_many(self, account: str, messages: Iterable[ChatMessage]) -> list[bool]:
        """See :meth:`History.add_many`."""
        history, batch = self._require(), list(messages)
        return await self._run(lambda: history.add_many(account, batch))

    async def set_state(self, account: str, peer: str, msg_id: str, state: Delivery) -> bool:
        """See :meth:`History.set_state`."""
        history = self._require()
        return await self._run(lambda: history.set_state(account, peer, msg_id, state))

    async def apply_correction(
        self, account: str, peer: str, original_id: str, body: str, sender: str
    ) -> ChatMessage | None:
        """See :meth:`History.apply_correction`."""
        history = self._require()
        return await self._run(
            lambda: history.apply_correction(account, peer, original_id, body, sender)
        )

    async def save_open_tabs(self, account: str, peers: list[str]) -> None:
        """See :meth:`History.save_open_tabs`."""
        history, ordered = self._require(), list(peers)
        await self._run(lambda: history.save_open_tabs(account, ordered))

    async def mark_read(self, account: str, peer: str, up_to_id: str) -> bool:
        """See :meth:`History.mark_read`."""
        history = self._require()
        return await self._run(lambda: history.mark_read(account, peer, up_to_id))

    async def recent(self, account: str, peer: str, limit: int = 200) -> list[ChatMessage]:
        """See :meth:`History.recent`."""
        history = self._require()
        return await self._run(lambda: history.recent(account, peer, limit))

    async def older(
        self, account: str, peer: str, before_id: str, limit: int = 200
    ) -> list[ChatMessage]:
        """See :meth:`History.older`."""
        history = self._require()
        return await self._run(lambda: history.older(account, peer, before_id, limit))

    async def pending(self, account: str) -> list[ChatMessage]:
        """See :meth:`History.pending`."""
        history = self._require()
        return await self._run(lambda: history.pending(account))

    async def latest_stanza_id(self, account: str) -> str | None:
        """See :meth:`History.latest_stanza_id`."""
        history = self._require()
        return await self._run(lambda: history.latest_stanza_id(account))

    async def latest_timestamp(self, account: str) -> datetime | None:
        """See :meth:`History.latest_timestamp`."""
        history = self._require()
        return await self._run(lambda: history.latest_timestamp(account))

    async def oldest_stanza_id(self, account: str, peer: str) -> str | None:
        """See :meth:`History.oldest_stanza_id`."""
        history = self._require()
        return await self._run(lambda: history.oldest_stanza_id(account, peer))

    async def search(
        self, account: str, text: str, limit: int = 50, *, peer: str | None = None
    ) -> list[ChatMessage]:
        """See :meth:`History.search`."""
        history = self._require()
        return await self._run(lambda: history.search(account, text, limit, peer=peer))

    async def open_tabs(self, account: str) -> list[str]:
        """See :meth:`History.open_tabs`."""
        history = self._require()
        return await self._run(lambda: history.open_tabs(account))

    async def unread_counts(self, account: str) -> dict[str, int]:
        """See :meth:`History.unread_counts`."""
        history = self._require()
        return await self._run(lambda: history.unread_counts(account))

    async def close(self) -> None:
        """Close the database and stop the worker thread. Safe to call twice."""
        history, self._history = self._history, None
        if history is not None:
            await self._run(history.close)
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> AsyncHistory:
        await self.open()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _require(self) -> History:
        if self._history is None:
            raise HistoryError("The history is not open.")
        return self._history

    async def _run(self, func: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, func)
