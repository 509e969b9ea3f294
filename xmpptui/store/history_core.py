"""The synchronous history database: :class:`History` (see :mod:`xmpptui.store.history`).

A message is identified by ``(account, peer, id)``, and by ``(account,
stanza_id)`` once our server's archive id is known: storing it again is a
no-op, so a carbon, a MAM result and a resend of one message are kept once.
The schema and its migrations live in :mod:`~xmpptui.store.history_schema`,
the row format in :mod:`~xmpptui.store.history_rows`, the search syntax in
:mod:`~xmpptui.store.history_search`.

Crash safety: WAL with ``synchronous=NORMAL``: a killed process never
corrupts the file or loses a committed write (a power cut may lose the last
few commits, never consistency).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from xmpptui.models import ChatMessage, Delivery
from xmpptui.store import history_rows as sql
from xmpptui.store.history_schema import (
    SchemaTooNew,
    ensure_fts,
    fts5_available,
    migrate,
    transaction,
)
from xmpptui.store.history_search import parse_query, search_statement
from xmpptui.store.paths import display_path, ensure_private_file

PAGE_CACHE_KIB = 512
"""SQLite's page cache per connection, in KiB (its default is 2,000: filled within a
day of use, and kept for the life of the process). Pages not cached are read again
from the operating system's file cache: opening a tab of a 100,000-message
conversation and searching it take as long with this much."""


class HistoryError(Exception):
    """The history database cannot be used; ``str(error)`` is one sentence."""


class History:
    """A synchronous handle on the history database. Use from one thread only."""

    def __init__(self, connection: sqlite3.Connection, *, fts: bool = True) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._db = connection
        #: Whether :meth:`search` uses the FTS5 index (else ``LIKE`` scans).
        self.fts = fts

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
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(f"PRAGMA cache_size = {-PAGE_CACHE_KIB}")
            migrate(db)
            fts = ensure_fts(db, fts5_available())
        except SchemaTooNew as exc:
            db.close()
            raise HistoryError(
                f"The history {display_path(path)} was written by a newer xmpptui "
                f"(schema {exc.found}, this version knows {exc.known}); please upgrade."
            ) from exc
        except sqlite3.DatabaseError as exc:
            db.close()
            raise HistoryError(f"The history {display_path(path)} cannot be used: {exc}.") from exc
        except BaseException:
            db.close()
            raise
        return cls(db, fts=fts)

    # ------------------------------------------------------------------ writing
    def add(self, account: str, message: ChatMessage) -> bool:
        """Store ``message`` in ``account``'s history; ``False`` if it was already there.

        Already there means the same ``(peer, id)``, or the same non-empty
        ``stanza_id``. A known message without a stanza-id that comes again
        with one (from the archive) gets it, still returning ``False``.
        """
        row = sql.to_row(account, message)
        if self._db.execute(sql.INSERT, row).rowcount == 1:
            return True
        if row["stanza_id"] is not None:
            fill = {key: row[key] for key in ("stanza_id", "account", "peer", "msg_id")}
            self._db.execute(sql.FILL_STANZA_ID, fill)
        return False

    def add_many(self, account: str, messages: Iterable[ChatMessage]) -> list[bool]:
        """Store several messages in one transaction; one "was new" flag per message."""
        with transaction(self._db):
            return [self.add(account, message) for message in messages]

    def set_state(self, account: str, peer: str, msg_id: str, state: Delivery) -> bool:
        """Move our message ``msg_id`` to ``state``; ``False`` if that is not a step forward.

        pending → sent → delivered; pending → failed; failed → pending (retry)
        or delivered (a receipt). Incoming messages and unknown ids never change.
        """
        sources = sql.STATE_SOURCES[state]
        if not sources:
            return False
        marks = ", ".join("?" * len(sources))
        query = f"""
            UPDATE messages SET state = ?
            WHERE account = ? AND peer = ? AND msg_id = ? AND outgoing = 1 AND state IN ({marks})
        """
        args = (str(state), account, peer, msg_id, *map(str, sources))
        return self._db.execute(query, args).rowcount == 1

    def apply_correction(
        self, account: str, peer: str, original_id: str, body: str, sender: str
    ) -> ChatMessage | None:
        """Replace the body of ``original_id`` (XEP-0308) if ``sender`` wrote it.

        Returns the corrected message, or ``None`` (nothing changed) when the
        original is unknown or was written by someone else. The first body is
        kept in ``original_body``; the search index follows the new body.
        """
        with transaction(self._db):
            cursor = self._db.execute(
                """
                UPDATE messages SET original_body = coalesce(original_body, body),
                    body = ?, edited = 1
                WHERE account = ? AND peer = ? AND msg_id = ? AND sender = ?
                """,
                (body, account, peer, original_id, sender),
            )
            if cursor.rowcount != 1:
                return None
            row = self._db.execute(sql.ONE, (account, peer, original_id)).fetchone()
        return sql.to_message(row)

    def save_open_tabs(self, account: str, peers: list[str]) -> None:
        """Remember the conversations open in ``account``, in this order (duplicates dropped)."""
        ordered = list(dict.fromkeys(peers))
        with transaction(self._db):
            self._db.execute("DELETE FROM open_tabs WHERE account = ?", (account,))
            self._db.executemany(
                "INSERT INTO open_tabs (account, position, peer) VALUES (?, ?, ?)",
                [(account, position, peer) for position, peer in enumerate(ordered)],
            )

    def mark_read(self, account: str, peer: str, up_to_id: str) -> bool:
        """Everything with ``peer`` up to ``up_to_id`` is read; ``False`` if nothing moved.

        The mark never moves backwards; an unknown id changes nothing.
        """
        return self._db.execute(sql.MARK_READ, (account, peer, up_to_id)).rowcount == 1

    # ------------------------------------------------------------------ reading
    def recent(self, account: str, peer: str, limit: int = 200) -> list[ChatMessage]:
        """The last ``limit`` messages with ``peer``, oldest first."""
        rows = self._db.execute(sql.RECENT, (account, peer, limit)).fetchall()
        return [sql.to_message(row) for row in reversed(rows)]

    def older(self, account: str, peer: str, before_id: str, limit: int = 200) -> list[ChatMessage]:
        """The ``limit`` messages with ``peer`` just before ``before_id``, oldest first.

        An unknown ``before_id`` gives an empty list.
        """
        args = (account, peer, account, peer, before_id, limit)
        rows = self._db.execute(sql.OLDER, args).fetchall()
        return [sql.to_message(row) for row in reversed(rows)]

    def pending(self, account: str) -> list[ChatMessage]:
        """Our messages not (known to be) sent — pending or failed — oldest first."""
        return [sql.to_message(row) for row in self._db.execute(sql.PENDING, (account,))]

    def latest_stanza_id(self, account: str) -> str | None:
        """Our server's id of the newest archived message (start of a MAM catch-up)."""
        row = self._db.execute(sql.LATEST_STANZA_ID, (account,)).fetchone()
        return None if row is None else str(row[0])

    def latest_timestamp(self, account: str) -> datetime | None:
        """The time of the newest message that reached the server (pending ones excluded)."""
        row = self._db.execute(sql.LATEST_TIMESTAMP, (account,)).fetchone()
        return None if row is None else sql.from_us(row[0])

    def oldest_stanza_id(self, account: str, peer: str) -> str | None:
        """Our server's id of the oldest archived message with ``peer`` (to page back)."""
        row = self._db.execute(sql.OLDEST_STANZA_ID, (account, peer)).fetchone()
        return None if row is None else str(row[0])

    def search(
        self, account: str, text: str, limit: int = 50, *, peer: str | None = None
    ) -> list[ChatMessage]:
        """Messages containing every word of ``text`` (prefixes), newest first.

        ``text`` is plain user input: no character of it is query syntax.
        ``peer`` limits the search to one conversation.
        """
        query = parse_query(text, fts=self.fts)
        if query is None:
            return []
        statement, args = search_statement(query, account, peer, limit)
        rows = self._db.execute(statement, args).fetchall()
        return [sql.to_message(row) for row in rows]

    def open_tabs(self, account: str) -> list[str]:
        """The conversations saved by :meth:`save_open_tabs`, in their order."""
        rows = self._db.execute(
            "SELECT peer FROM open_tabs WHERE account = ? ORDER BY position", (account,)
        )
        return [str(peer) for (peer,) in rows]

    def unread_counts(self, account: str) -> dict[str, int]:
        """Incoming messages after each conversation's read mark (only non-zero counts)."""
        rows = self._db.execute(sql.UNREAD_COUNTS, (account,))
        return {str(peer): int(count) for peer, count in rows if count}

    def close(self) -> None:
        """Close the database (checkpointing the WAL). Safe to call twice."""
        self._db.close()
