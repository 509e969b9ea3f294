"""SQLite history: migrations, de-duplication, ordering, paging, async facade."""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpptui.models import ChatMessage, Delivery
from xmpptui.store import history_schema
from xmpptui.store.history import SCHEMA_VERSION, AsyncHistory, History, HistoryError
from xmpptui.store.history_core import PAGE_CACHE_KIB

ACCOUNT = "alice@example.org"
BOB = "bob@example.net"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def msg(
    n: int, peer: str = BOB, *, msg_id: str | None = None, outgoing: bool = False
) -> ChatMessage:
    return ChatMessage(
        id=f"m{n}" if msg_id is None else msg_id,
        peer=peer,
        sender=ACCOUNT if outgoing else peer,
        body=f"body {n}",
        timestamp=T0 + timedelta(seconds=n),
        outgoing=outgoing,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    handle = History.open(db_path)
    yield handle
    handle.close()


def test_open_creates_private_file_and_sets_schema_version(db_path: Path) -> None:
    History.open(db_path).close()

    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_page_cache_is_kept_small(history: History) -> None:
    # a negative cache_size is in KiB; SQLite's own default would be -2000
    assert history._db.execute("PRAGMA cache_size").fetchone()[0] == -PAGE_CACHE_KIB
    assert PAGE_CACHE_KIB < 2000


def test_add_round_trips_every_field(history: History) -> None:
    message = ChatMessage(
        id="abc",
        peer=BOB,
        sender=ACCOUNT,
        body="héllo\n<b>not markup</b>",
        timestamp=T0,
        outgoing=True,
        extra={"origin": "s-1"},
        state=Delivery.PENDING,
        stanza_id="archive-1",
    )
    assert history.add(ACCOUNT, message) is True

    [stored] = history.recent(ACCOUNT, BOB)
    assert stored == message
    assert stored.extra == {"origin": "s-1"}
    assert (stored.state, stored.stanza_id, stored.edited) == (Delivery.PENDING, "archive-1", False)
    assert stored.timestamp.tzinfo is not None
    assert stored.timestamp.utcoffset() == timedelta(0)


def test_same_message_twice_is_stored_once(history: History) -> None:
    assert history.add(ACCOUNT, msg(1)) is True
    assert history.add(ACCOUNT, msg(1)) is False
    assert history.add_many(ACCOUNT, [msg(1), msg(2), msg(2)]) == [False, True, False]
    assert [m.id for m in history.recent(ACCOUNT, BOB)] == ["m1", "m2"]


def test_same_id_in_other_conversation_or_account_is_distinct(history: History) -> None:
    assert history.add(ACCOUNT, msg(1)) is True
    assert history.add(ACCOUNT, msg(1, peer="carol@example.com")) is True
    assert history.add("other@example.org", msg(1)) is True
    assert len(history.recent(ACCOUNT, BOB)) == 1


def test_messages_without_id_are_not_merged(history: History) -> None:
    assert history.add(ACCOUNT, msg(1, msg_id="")) is True
    assert history.add(ACCOUNT, msg(2, msg_id="")) is True
    assert history.add(ACCOUNT, msg(2, msg_id="")) is False
    assert [m.body for m in history.recent(ACCOUNT, BOB)] == ["body 1", "body 2"]


def test_recent_is_oldest_first_and_limited(history: History) -> None:
    history.add_many(ACCOUNT, [msg(n) for n in (5, 1, 4, 2, 3)])
    history.add(ACCOUNT, msg(9, peer="carol@example.com"))

    assert [m.id for m in history.recent(ACCOUNT, BOB)] == ["m1", "m2", "m3", "m4", "m5"]
    assert [m.id for m in history.recent(ACCOUNT, BOB, limit=2)] == ["m4", "m5"]
    assert history.recent(ACCOUNT, "nobody@example.org") == []


def test_paging_before_a_message_handles_equal_timestamps(history: History) -> None:
    same_second = [msg(0, msg_id=f"x{n}") for n in range(5)]
    history.add_many(ACCOUNT, same_second)

    page = history.recent(ACCOUNT, BOB, limit=2)
    older = history.older(ACCOUNT, BOB, page[0].id, limit=2)
    oldest = history.older(ACCOUNT, BOB, older[0].id, limit=2)

    assert [m.id for m in oldest + older + page] == ["x0", "x1", "x2", "x3", "x4"]
    assert history.older(ACCOUNT, BOB, "x0") == []
    assert history.older(ACCOUNT, BOB, "unknown") == []
    assert history.older(ACCOUNT, "carol@example.com", "x3") == []


def test_older_pages_by_time_not_by_arrival(history: History) -> None:
    # The archive fills in old messages after newer ones arrived live.
    history.add_many(ACCOUNT, [msg(n) for n in (50, 51, 52)])
    history.add_many(ACCOUNT, [msg(n) for n in (10, 11, 12)])

    assert [m.id for m in history.recent(ACCOUNT, BOB, limit=3)] == ["m50", "m51", "m52"]
    assert [m.id for m in history.older(ACCOUNT, BOB, "m50")] == ["m10", "m11", "m12"]
    assert [m.id for m in history.older(ACCOUNT, BOB, "m51", limit=2)] == ["m12", "m50"]


def test_add_many_is_one_transaction(history: History) -> None:
    class Boom(Exception):
        pass

    def messages() -> Iterator[ChatMessage]:
        yield msg(1)
        raise Boom

    with pytest.raises(Boom):
        history.add_many(ACCOUNT, messages())
    assert history.recent(ACCOUNT, BOB) == []


def test_naive_timestamp_is_taken_as_utc(history: History) -> None:
    naive = ChatMessage("n", BOB, BOB, "x", datetime(2024, 1, 1, 8, 0), outgoing=False)
    history.add(ACCOUNT, naive)
    assert history.recent(ACCOUNT, BOB)[0].timestamp == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def test_reopen_after_close_keeps_data(db_path: Path) -> None:
    first = History.open(db_path)
    first.add(ACCOUNT, msg(1))
    first.close()

    second = History.open(db_path)
    try:
        assert [m.id for m in second.recent(ACCOUNT, BOB)] == ["m1"]
        assert second.add(ACCOUNT, msg(1)) is False
    finally:
        second.close()


def test_pending_migrations_are_applied_on_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = History.open(db_path)
    first.add(ACCOUNT, msg(1))
    first.close()
    extra_step = "ALTER TABLE messages ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0"
    monkeypatch.setattr(history_schema, "MIGRATIONS", (*history_schema.MIGRATIONS, extra_step))
    monkeypatch.setattr(history_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)

    History.open(db_path).close()

    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert raw.execute("SELECT msg_id, flagged FROM messages").fetchall() == [("m1", 0)]


def test_failed_migration_leaves_the_version_unchanged(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    History.open(db_path).close()
    broken = "CREATE TABLE extra (x); THIS IS NOT SQL"
    monkeypatch.setattr(history_schema, "MIGRATIONS", (*history_schema.MIGRATIONS, broken))
    monkeypatch.setattr(history_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)

    with pytest.raises(HistoryError):
        History.open(db_path)

    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables


def test_newer_schema_is_refused(db_path: Path) -> None:
    History.open(db_path).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer xmpptui"):
        History.open(db_path)


def test_garbage_file_is_a_history_error(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(HistoryError, match="cannot be used"):
        History.open(db_path)


async def test_async_history_works_from_the_loop_on_one_worker_thread(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[int] = set()
    real_add = History.add

    def spy(self: History, account: str, message: ChatMessage) -> bool:
        threads.add(threading.get_ident())
        return real_add(self, account, message)

    monkeypatch.setattr(History, "add", spy)
    store = AsyncHistory(db_path)
    await store.open()
    try:
        assert await store.add(ACCOUNT, msg(1)) is True
        assert await store.add(ACCOUNT, msg(1)) is False
        assert await store.add_many(ACCOUNT, (msg(n) for n in (2, 3))) == [True, True]
        recent = await store.recent(ACCOUNT, BOB, limit=2)
    finally:
        await store.close()
    await store.close()  # twice is fine

    assert [m.id for m in recent] == ["m2", "m3"]
    assert len(threads) == 1
    assert threading.get_ident() not in threads


async def test_async_history_reopens_with_data(db_path: Path) -> None:
    async with AsyncHistory(db_path) as store:
        await store.add(ACCOUNT, msg(7))
    async with AsyncHistory(db_path) as store:
        assert [m.id for m in await store.recent(ACCOUNT, BOB)] == ["m7"]


async def test_async_history_must_be_opened_first(db_path: Path) -> None:
    store = AsyncHistory(db_path)
    with pytest.raises(HistoryError, match="not open"):
        await store.add(ACCOUNT, msg(1))
    await store.close()
    assert not db_path.exists()
