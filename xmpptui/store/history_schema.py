"""The shape of the history database: versioned migrations and the full-text index.

Schema changes are append-only entries of :data:`MIGRATIONS`; the number
applied is kept in ``PRAGMA user_version`` and each one runs in its own
transaction, so a crash mid-upgrade leaves the previous version intact.

The FTS5 index over message bodies is derived data, not part of a version:
:func:`ensure_fts` (run at every open) creates it, or its sync triggers,
when missing and rebuilds it from ``messages`` then. When this Python's
SQLite has no FTS5 it drops the triggers instead (so writes keep working)
and search falls back to ``LIKE``; a later open with FTS5 rebuilds the index.
"""

from __future__ import annotations

import sqlite3

#: One entry per schema version; entry ``n`` takes ``user_version`` from n to n + 1.
MIGRATIONS: tuple[str, ...] = (
    # v1: messages, de-duplicated per (account, peer, id).
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
    # v2: the table is rebuilt so that ``pk`` follows time (see history_rows.order_base):
    # conversation order, paging and newest-first search all walk the primary key.
    # Adds delivery state, our server's stanza-id, corrections, open tabs, read marks.
    # Outgoing messages of v1 went on the wire (v1 stored them when sent): 'sent'.
    # Existing conversations count as read, so an upgrade shows no unread flood.
    """
    CREATE TABLE messages_v2 (
        pk INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        msg_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        ts_us INTEGER NOT NULL,
        outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
        extra TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'received',
        stanza_id TEXT,
        edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
        original_body TEXT,
        UNIQUE (account, peer, msg_id)
    );
    INSERT INTO messages_v2 (pk, account, peer, msg_id, sender, body, ts_us, outgoing, extra, state)
        SELECT bucket * 524288 + row_number() OVER (PARTITION BY bucket ORDER BY pk) - 1,
            account, peer, msg_id, sender, body, ts_us, outgoing, extra,
            CASE outgoing WHEN 1 THEN 'sent' ELSE 'received' END
        FROM (
            SELECT *, max(-8796093022207, min(8796093022207,
                CASE WHEN ts_us >= 0 THEN ts_us / 1000 ELSE (ts_us - 999) / 1000 END)) AS bucket
            FROM messages
        );
    DROP TABLE messages;
    ALTER TABLE messages_v2 RENAME TO messages;
    CREATE INDEX messages_by_peer ON messages (account, peer);
    CREATE INDEX messages_by_account ON messages (account);
    CREATE UNIQUE INDEX messages_by_stanza_id ON messages (account, stanza_id)
        WHERE stanza_id IS NOT NULL;
    CREATE INDEX messages_archived ON messages (account, peer) WHERE stanza_id IS NOT NULL;
    CREATE INDEX messages_unsent ON messages (account) WHERE state IN ('pending', 'failed');
    CREATE TABLE open_tabs (
        account TEXT NOT NULL,
        position INTEGER NOT NULL,
        peer TEXT NOT NULL,
        PRIMARY KEY (account, position)
    ) WITHOUT ROWID;
    CREATE TABLE read_marks (
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        pk INTEGER NOT NULL,
        PRIMARY KEY (account, peer)
    ) WITHOUT ROWID;
    INSERT INTO read_marks (account, peer, pk)
        SELECT account, peer, max(pk) FROM messages GROUP BY account, peer;
    CREATE TRIGGER messages_new_conversation AFTER INSERT ON messages BEGIN
        INSERT OR IGNORE INTO read_marks (account, peer, pk)
            VALUES (new.account, new.peer, -9223372036854775808);
    END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_FTS_TABLE = """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content = 'messages', content_rowid = 'pk',
        tokenize = 'unicode61 remove_diacritics 2'
    )
"""
#: Keep the external-content index in step with ``messages`` (corrections included).
_FTS_TRIGGERS: dict[str, str] = {
    "messages_fts_insert": """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, body) VALUES (new.pk, new.body);
        END
    """,
    "messages_fts_delete": """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body)
                VALUES ('delete', old.pk, old.body);
        END
    """,
    "messages_fts_update": """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body)
                VALUES ('delete', old.pk, old.body);
            INSERT INTO messages_fts (rowid, body) VALUES (new.pk, new.body);
        END
    """,
}


class SchemaTooNew(Exception):
    """The database was written by a newer xmpptui."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(found, known)
        self.found = found
        self.known = known


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations ``db`` has not seen yet, each in its own transaction."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(version, SCHEMA_VERSION)
    for number in range(version, SCHEMA_VERSION):
        with transaction(db):
            for statement in split_statements(MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")


def fts5_available() -> bool:
    """Whether this Python's SQLite can build the index (FTS5 with the tokenizer we use)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(_FTS_TABLE.replace("content = 'messages', content_rowid = 'pk',", ""))
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


def ensure_fts(db: sqlite3.Connection, available: bool) -> bool:
    """Create or repair the full-text index; ``True`` if search can use it.

    With ``available`` false the sync triggers are dropped, so inserts keep
    working where FTS5 is missing; their absence marks the index as stale.
    """
    present = {
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE name = 'messages_fts' OR type = 'trigger'"
        )
    }
    if not available:
        stale = [name for name in _FTS_TRIGGERS if name in present]
        if stale:
            with transaction(db):
                for name in stale:
                    db.execute(f"DROP TRIGGER {name}")
        return False
    missing = [name for name in _FTS_TRIGGERS if name not in present]
    if "messages_fts" in present and not missing:
        return True
    with transaction(db):
        if "messages_fts" not in present:
            db.execute(_FTS_TABLE)
        for name in missing:
            db.execute(_FTS_TRIGGERS[name])
        db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    return True


def split_statements(script: str) -> list[str]:
    """Split a script into statements; ``;`` inside literals or trigger bodies is fine."""
    statements: list[str] = []
    current = ""
    for part in script.split(";"):
        current += part + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                statements.append(current.strip())
            current = ""
    if current.strip(" \t\r\n;"):
        statements.append(current.strip().removesuffix(";"))  # let SQLite report it
    return statements


class transaction:
    """``with transaction(db):`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
