"""Message history in SQLite.

:class:`History` is synchronous and must stay on one thread (the one that
opened it). :class:`AsyncHistory` is what the app uses: it owns a single
worker thread that opens, uses and closes one :class:`History`, so the
asyncio loop never waits on disk.

Schema changes are append-only entries of :data:`MIGRATIONS`; the number
applied is kept in ``PRAGMA user_version``. Timestamps are stored as integer
microseconds since the Unix epoch (UTC), which round-trips exactly.
A message is identified by ``(account, peer, id)``: storing it again is a
no-op, so a carbon, a MAM result and a resend of one message are kept once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import TypeVar

from xmpptui.models import ChatMessage
from xmpptui.store.paths import display_path, ensure_private_file

T = TypeVar("T")

#: One entry per schema version; entry ``n`` takes ``user_version`` from n to n + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE messages (
        pk INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        ts_us INTEGER NOT NULL,
        outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
        extra TEXT NOT NULL DEFAULT '{}',
        UNIQUE (account, peer, msg_id)
    );
    CREATE INDEX messages_by_time ON messages (account, peer, ts_us);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INSERT = """
    INSERT INTO messages (account, peer, msg_id, sender, body, ts_us, outgoing, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (account, peer, msg_id) DO NOTHING
"""
_COLUMNS = "msg_id, peer, sender, body, ts_us, outgoing, extra"
_RECENT = f"""
    SELECT {_COLUMNS} FROM messages WHERE account = ? AND peer = ?
    ORDER BY ts_us DESC, pk DESC LIMIT ?
"""
_BEFORE = f"""
    SELECT {_COLUMNS} FROM messages WHERE account = ? AND peer = ? AND (ts_us, pk) < (
        SELECT ts_us, pk FROM messages WHERE account = ? AND peer = ? AND msg_id = ?)
    ORDER BY ts_us DESC, pk DESC LIMIT ?
"""
_Row = tuple[str, str, str, str, int, int, str]


class HistoryError(Exception):
    """The history database cannot be used; ``str(error)`` is one sentence."""


class History:
    """A synchronous handle on the history database. Use from one thread only."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> History:
        """Open (creating it ``0600`` in a ``0700`` folder if needed) and migrate."""
        try:
            ensure_private_file(path)
            db = sqlite3.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise HistoryError(
                f"The history {display_path(path)} cannot be opened: {reason}."
            ) from exc
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA busy_timeout = 5000")
            _migrate(db, path)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise HistoryError(f"The history {display_path(path)} cannot be used: {exc}.") from exc
        except BaseException:
            db.close()
            raise
        return cls(db)

    def add(self, account: str, message: ChatMessage) -> bool:
        """Store ``message`` in ``account``'s history; ``False`` if it was already there."""
        return self._db.execute(_INSERT, _row(account, message)).rowcount == 1

    def add_many(self, account: str, messages: Iterable[ChatMessage]) -> list[bool]:
        """Store several messages in one transaction; one "was new" flag per message."""
        new: list[bool] = []
        with _transaction(self._db):
            for message in messages:
                new.append(self._db.execute(_INSERT, _row(account, message)).rowcount == 1)
        return new

    def recent(
        self, account: str, peer: str, limit: int = 200, before_id: str | None = None
    ) -> list[ChatMessage]:
        """The last ``limit`` messages with ``peer``, oldest first.

        With ``before_id``, the page that ends just before that message
        (older history); unknown ``before_id`` gives an empty list.
        """
        if before_id is None:
            rows = self._db.execute(_RECENT, (account, peer, limit)).fetchall()
        else:
            args = (account, peer, account, peer, before_id, limit)
            rows = self._db.execute(_BEFORE, args).fetchall()
        return [_message(row) for row in reversed(rows)]

    def close(self) -> None:
        """Close the database (checkpointing the WAL). Safe to call twice."""
        self._db.close()


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations this database has not seen yet, each in a transaction."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"The history {display_path(path)} was written by a newer xmpptui "
            f"(schema {version}, this version knows {SCHEMA_VERSION}); please upgrade."
        )
    for number in range(version, SCHEMA_VERSION):
        with _transaction(db):
            for statement in _statements(MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no ``;`` inside literals, please)."""
    return [part.strip() for part in script.split(";") if part.strip()]


class _transaction:
    """``with _transaction(db):`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _row(account: str, message: ChatMessage) -> tuple[str, str, str, str, str, int, int, str]:
    return (
        account,
        message.peer,
        message.id or _synthetic_id(message),
        message.sender,
        message.body,
        _to_us(message.timestamp),
        int(message.outgoing),
        json.dumps(message.extra, sort_keys=True, ensure_ascii=False),
    )


def _synthetic_id(message: ChatMessage) -> str:
    """A stable id for a message that has none, so id-less messages are not merged."""
    key = "\0".join((message.sender, message.timestamp.isoformat(), message.body))
    return "xmpptui-noid-" + sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _to_us(moment: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def _message(row: _Row) -> ChatMessage:
    msg_id, peer, sender, body, ts_us, outgoing, extra = row
    try:
        decoded = json.loads(extra)
    except ValueError:
        decoded = {}
    return ChatMessage(
        id=msg_id,
        peer=peer,
        sender=sender,
        body=body,
        timestamp=_EPOCH + ts_us * _MICROSECOND,
        outgoing=bool(outgoing),
        extra={str(k): str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {},
    )


class AsyncHistory:
    """:class:`History` for the asyncio loop: all work runs on one worker thread.

    Awaiting a call that gets cancelled does not cancel the work: a message
    handed to :meth:`add` is stored even if the caller stops waiting.
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

    async def recent(
        self, account: str, peer: str, limit: int = 200, before_id: str | None = None
    ) -> list[ChatMessage]:
        """See :meth:`History.recent`."""
        history = self._require()
        return await self._run(lambda: history.recent(account, peer, limit, before_id))

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
