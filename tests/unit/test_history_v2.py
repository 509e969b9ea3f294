"""History schema v2: migration from v1, delivery states, corrections, archive ids, tabs, unread."""

from __future__ import annotations

import dataclasses
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpptui.models import NO_EXTRA, ChatMessage, Delivery
from xmpptui.store import history_rows
from xmpptui.store.history import SCHEMA_VERSION, AsyncHistory, History

ACCOUNT = "alice@example.org"
OTHER_ACCOUNT = "alice@work.example"
BOB = "bob@example.net"
CAROL = "carol@example.com"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)

P, S, D, F, R = (
    Delivery.PENDING,
    Delivery.SENT,
    Delivery.DELIVERED,
    Delivery.FAILED,
    Delivery.RECEIVED,
)


def msg(
    n: int,
    peer: str = BOB,
    *,
    msg_id: str | None = None,
    outgoing: bool = False,
    body: str | None = None,
    state: Delivery | None = None,
    stanza_id: str = "",
) -> ChatMessage:
    return ChatMessage(
        id=f"m{n}" if msg_id is None else msg_id,
        peer=peer,
        sender=ACCOUNT if outgoing else peer,
        body=f"body {n}" if body is None else body,
        timestamp=T0 + timedelta(seconds=n),
        outgoing=outgoing,
        state=state if state is not None else (S if outgoing else R),
        stanza_id=stanza_id,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    handle = History.open(db_path)
    yield handle
    handle.close()


def raw_rows(db_path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as raw:
        return raw.execute(sql, args).fetchall()


# --- migration v1 → v2 ------------------------------------------------------------------

# The v1 schema exactly as xmpptui 0.x created it (not read from MIGRATIONS, so a later
# edit of that entry cannot silently make this test pass).
V1_DDL = """
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
PRAGMA user_version = 1;
"""


def us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def make_v1_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    rows = [
        # account, peer, msg_id, sender, body, ts, outgoing, extra
        (ACCOUNT, BOB, "b2", BOB, "second, same time as b1", T0, 0, "{}"),
        (ACCOUNT, BOB, "b1", BOB, "first by arrival", T0, 0, '{"k": "v"}'),
        (ACCOUNT, BOB, "b3", ACCOUNT, "my reply about zebras", T0 + timedelta(minutes=1), 1, "{}"),
        (ACCOUNT, BOB, "b0", BOB, "the oldest", T0 - timedelta(days=400), 0, "{}"),
        (ACCOUNT, CAROL, "c1", CAROL, "carol says zebras", T0, 0, "{}"),
        (OTHER_ACCOUNT, BOB, "b1", BOB, "same id, other account", T0, 0, "{}"),
        (
            ACCOUNT,
            CAROL,
            "c0",
            CAROL,
            "before the epoch",
            datetime(1960, 1, 1, tzinfo=UTC),
            0,
            "{}",
        ),
        (ACCOUNT, CAROL, "c9", CAROL, "far future", datetime(9999, 1, 1, tzinfo=UTC), 0, "{}"),
    ]
    with sqlite3.connect(path) as raw:
        raw.executescript(V1_DDL)
        raw.executemany(
            "INSERT INTO messages (account, peer, msg_id, sender, body, ts_us, outgoing, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:5], us(row[5]), *row[6:]) for row in rows],
        )
    # Arrival order b2 before b1 with equal timestamps: v1 showed b2 first.


def test_v1_database_is_upgraded_in_place_keeping_everything(db_path: Path) -> None:
    make_v1_database(db_path)

    history = History.open(db_path)
    try:
        bob = history.recent(ACCOUNT, BOB)
        carol = history.recent(ACCOUNT, CAROL)
        other = history.recent(OTHER_ACCOUNT, BOB)
        zebras = history.search(ACCOUNT, "zebras")
        unread = history.unread_counts(ACCOUNT)
        again = history.add(ACCOUNT, msg(0, msg_id="b1"))
        fresh = history.add(ACCOUNT, msg(0, msg_id="b-new", body="same second as b1 and b2"))
        after = [m.id for m in history.recent(ACCOUNT, BOB)]
    finally:
        history.close()

    assert raw_rows(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION == 2
    assert [m.id for m in bob] == ["b0", "b2", "b1", "b3"]
    assert [m.body for m in bob] == [
        "the oldest",
        "second, same time as b1",
        "first by arrival",
        "my reply about zebras",
    ]
    assert bob[1].timestamp == T0 and bob[0].timestamp == T0 - timedelta(days=400)
    assert bob[2].extra == {"k": "v"}
    assert [m.state for m in bob] == [R, R, R, S]  # v1 stored outgoing messages once sent
    assert all(m.stanza_id == "" and not m.edited for m in bob)
    assert [m.id for m in carol] == ["c0", "c1", "c9"]
    assert carol[0].timestamp == datetime(1960, 1, 1, tzinfo=UTC)
    assert carol[2].timestamp == datetime(9999, 1, 1, tzinfo=UTC)
    assert [m.body for m in other] == ["same id, other account"]
    assert {m.id for m in zebras} == {"b3", "c1"}  # the index was built from old rows
    assert unread == {}  # an upgrade does not flood the unread counters
    assert again is False
    assert fresh is True
    assert after == ["b0", "b2", "b1", "b-new", "b3"]  # new rows sort by time with old ones


def test_v1_upgrade_keeps_the_file_private_and_in_wal_mode(db_path: Path) -> None:
    make_v1_database(db_path)
    db_path.chmod(0o644)

    history = History.open(db_path)
    history.add(ACCOUNT, msg(5))
    wal = db_path.with_name(db_path.name + "-wal")
    wal_mode = stat.S_IMODE(wal.stat().st_mode)
    history.close()

    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert wal_mode == 0o600
    assert raw_rows(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_a_failed_v2_upgrade_leaves_the_v1_database_untouched(db_path: Path) -> None:
    make_v1_database(db_path)
    with sqlite3.connect(db_path) as raw:  # something v2 wants to create is in the way
        raw.execute("CREATE TABLE open_tabs (x)")

    with pytest.raises(Exception, match="cannot be used"):
        History.open(db_path)

    assert raw_rows(db_path, "PRAGMA user_version") == [(1,)]
    assert len(raw_rows(db_path, "SELECT msg_id FROM messages")) == 8


# --- delivery states --------------------------------------------------------------------

TRANSITIONS: dict[tuple[Delivery, Delivery], bool] = {
    (P, S): True,
    (P, D): True,
    (P, F): True,
    (P, P): False,
    (P, R): False,
    (S, D): True,
    (S, P): False,
    (S, F): False,
    (S, S): False,
    (S, R): False,
    (D, P): False,
    (D, S): False,
    (D, F): False,
    (D, D): False,
    (D, R): False,
    (F, P): True,  # retry
    (F, D): True,  # a receipt proves it arrived
    (F, S): False,  # an ack does not undo a failure the server reported
    (F, F): False,
    (F, R): False,
}


@pytest.mark.parametrize(("start", "target"), list(TRANSITIONS))
def test_delivery_state_only_moves_forward(
    history: History, start: Delivery, target: Delivery
) -> None:
    history.add(ACCOUNT, msg(1, outgoing=True, state=start))

    changed = history.set_state(ACCOUNT, BOB, "m1", target)

    assert changed is TRANSITIONS[start, target]
    [stored] = history.recent(ACCOUNT, BOB)
    assert stored.state == (target if changed else start)


def test_full_delivery_story_and_retry(history: History) -> None:
    history.add(ACCOUNT, msg(1, outgoing=True, state=P))
    steps = [(F, True), (S, False), (P, True), (S, True), (P, False), (D, True), (S, False)]
    seen = []
    for state, expected in steps:
        assert history.set_state(ACCOUNT, BOB, "m1", state) is expected, state
        seen.append(history.recent(ACCOUNT, BOB)[0].state)
    assert seen == [F, F, P, S, S, D, D]


def test_incoming_and_unknown_messages_never_change_state(history: History) -> None:
    history.add(ACCOUNT, msg(1))  # incoming
    history.add(ACCOUNT, msg(2, outgoing=True, state=P))

    assert history.set_state(ACCOUNT, BOB, "m1", D) is False
    assert history.set_state(ACCOUNT, BOB, "nope", S) is False
    assert history.set_state(ACCOUNT, CAROL, "m2", S) is False  # wrong conversation
    assert history.set_state(OTHER_ACCOUNT, BOB, "m2", S) is False
    assert [m.state for m in history.recent(ACCOUNT, BOB)] == [R, P]


# --- corrections ------------------------------------------------------------------------


def test_correction_replaces_the_body_and_search_follows(history: History) -> None:
    history.add(ACCOUNT, msg(1, body="see you at the hotel"))

    corrected = history.apply_correction(ACCOUNT, BOB, "m1", "see you at the station", BOB)

    assert corrected is not None
    assert (corrected.id, corrected.body, corrected.edited) == (
        "m1",
        "see you at the station",
        True,
    )
    assert history.recent(ACCOUNT, BOB) == [corrected]
    assert [m.id for m in history.search(ACCOUNT, "station")] == ["m1"]
    assert history.search(ACCOUNT, "hotel") == []


def test_correction_keeps_the_first_original_body(history: History, db_path: Path) -> None:
    history.add(ACCOUNT, msg(1, body="original text"))
    history.apply_correction(ACCOUNT, BOB, "m1", "second text", BOB)
    history.apply_correction(ACCOUNT, BOB, "m1", "third text", BOB)

    assert raw_rows(db_path, "SELECT body, original_body, edited FROM messages") == [
        ("third text", "original text", 1)
    ]
    assert history.search(ACCOUNT, "second") == []
    assert [m.body for m in history.search(ACCOUNT, "third")] == ["third text"]


def test_correction_only_from_the_original_sender(history: History, db_path: Path) -> None:
    history.add(ACCOUNT, msg(1, body="bob wrote this"))
    history.add(ACCOUNT, msg(2, outgoing=True, body="alice wrote this"))

    assert history.apply_correction(ACCOUNT, BOB, "m1", "forged by alice", ACCOUNT) is None
    assert history.apply_correction(ACCOUNT, BOB, "m2", "forged by bob", BOB) is None
    assert history.apply_correction(ACCOUNT, BOB, "m1", "forged by carol", CAROL) is None
    assert history.apply_correction(ACCOUNT, BOB, "unknown", "x", BOB) is None
    assert history.apply_correction(ACCOUNT, CAROL, "m1", "wrong chat", BOB) is None

    assert [(m.body, m.edited) for m in history.recent(ACCOUNT, BOB)] == [
        ("bob wrote this", False),
        ("alice wrote this", False),
    ]
    assert history.search(ACCOUNT, "forged") == []
    assert raw_rows(db_path, "SELECT original_body FROM messages") == [(None,), (None,)]

    mine = history.apply_correction(ACCOUNT, BOB, "m2", "alice fixed this", ACCOUNT)
    assert mine is not None and mine.outgoing and mine.edited


def test_correction_keeps_position_state_and_id(history: History) -> None:
    history.add_many(ACCOUNT, [msg(1), msg(2, outgoing=True, state=P), msg(3)])
    history.apply_correction(ACCOUNT, BOB, "m2", "changed", ACCOUNT)

    assert [(m.id, m.body, m.state) for m in history.recent(ACCOUNT, BOB)] == [
        ("m1", "body 1", R),
        ("m2", "changed", P),
        ("m3", "body 3", R),
    ]


# --- pending list -----------------------------------------------------------------------


def test_pending_lists_unsent_outgoing_oldest_first(history: History) -> None:
    history.add_many(
        ACCOUNT,
        [
            msg(5, outgoing=True, state=P),
            msg(1, outgoing=True, state=F),
            msg(2, outgoing=True, state=S),
            msg(3, outgoing=True, state=D),
            msg(4),  # incoming
            msg(0, peer=CAROL, outgoing=True, state=P),
        ],
    )
    history.add(OTHER_ACCOUNT, msg(9, outgoing=True, state=P))

    assert [m.id for m in history.pending(ACCOUNT)] == ["m0", "m1", "m5"]
    assert {m.state for m in history.pending(ACCOUNT)} == {P, F}

    history.set_state(ACCOUNT, BOB, "m5", S)
    assert [m.id for m in history.pending(ACCOUNT)] == ["m0", "m1"]
    assert [m.id for m in history.pending(OTHER_ACCOUNT)] == ["m9"]
    assert history.pending("nobody@example.org") == []


# --- archive ids ------------------------------------------------------------------------


def test_archive_copy_of_a_live_message_is_a_duplicate_that_fills_the_stanza_id(
    history: History,
) -> None:
    assert history.add(ACCOUNT, msg(1)) is True  # live, no stanza-id

    assert history.add(ACCOUNT, msg(1, stanza_id="arch-1")) is False
    assert history.recent(ACCOUNT, BOB)[0].stanza_id == "arch-1"

    # A later copy never overwrites the id our server gave.
    assert history.add(ACCOUNT, msg(1, stanza_id="arch-other")) is False
    assert history.recent(ACCOUNT, BOB)[0].stanza_id == "arch-1"
    assert history.oldest_stanza_id(ACCOUNT, BOB) == "arch-1"


def test_known_stanza_id_is_a_duplicate_whatever_the_message_id(history: History) -> None:
    assert history.add(ACCOUNT, msg(1, stanza_id="arch-1")) is True

    assert history.add(ACCOUNT, msg(2, msg_id="other-id", stanza_id="arch-1")) is False
    assert history.add_many(ACCOUNT, [msg(3, msg_id="x", stanza_id="arch-1")]) == [False]
    assert [(m.id, m.body) for m in history.recent(ACCOUNT, BOB)] == [("m1", "body 1")]


def test_stanza_id_fill_never_steals_an_id_already_used(history: History) -> None:
    history.add(ACCOUNT, msg(1, stanza_id="arch-1"))
    history.add(ACCOUNT, msg(2))

    assert history.add(ACCOUNT, msg(2, stanza_id="arch-1")) is False

    assert [(m.id, m.stanza_id) for m in history.recent(ACCOUNT, BOB)] == [
        ("m1", "arch-1"),
        ("m2", ""),
    ]


def test_stanza_ids_are_unique_per_account_only_and_empty_is_none(history: History) -> None:
    assert history.add(ACCOUNT, msg(1, stanza_id="same")) is True
    assert history.add(OTHER_ACCOUNT, msg(1, stanza_id="same")) is True
    assert history.add(ACCOUNT, msg(2, stanza_id="")) is True
    assert history.add(ACCOUNT, msg(3, stanza_id="")) is True
    assert len(history.recent(ACCOUNT, BOB)) == 3


def test_archive_positions_for_mam(history: History) -> None:
    assert history.latest_stanza_id(ACCOUNT) is None
    assert history.latest_timestamp(ACCOUNT) is None
    assert history.oldest_stanza_id(ACCOUNT, BOB) is None

    history.add_many(
        ACCOUNT,
        [
            msg(10),  # oldest with bob, not archived yet
            msg(20, stanza_id="s20"),
            msg(30, stanza_id="s30"),
            msg(40, peer=CAROL, stanza_id="s40"),
            msg(50),  # newest that reached the server, no id known
            msg(60, outgoing=True, state=P),  # our clock, never reached the server
            msg(70, outgoing=True, state=F),
        ],
    )
    history.add(ACCOUNT, msg(15, stanza_id="s15"))  # paged in from the archive later
    history.add(OTHER_ACCOUNT, msg(99, stanza_id="s99"))

    assert history.latest_stanza_id(ACCOUNT) == "s40"
    assert history.latest_timestamp(ACCOUNT) == T0 + timedelta(seconds=50)
    assert history.oldest_stanza_id(ACCOUNT, BOB) == "s15"
    assert history.oldest_stanza_id(ACCOUNT, CAROL) == "s40"
    assert history.latest_stanza_id(OTHER_ACCOUNT) == "s99"


# --- open tabs --------------------------------------------------------------------------


def test_open_tabs_round_trip_in_order(db_path: Path) -> None:
    first = History.open(db_path)
    assert first.open_tabs(ACCOUNT) == []
    first.save_open_tabs(ACCOUNT, [CAROL, BOB, "dave@example.org", BOB])
    first.save_open_tabs(OTHER_ACCOUNT, [BOB])
    first.close()

    second = History.open(db_path)
    try:
        assert second.open_tabs(ACCOUNT) == [CAROL, BOB, "dave@example.org"]
        assert second.open_tabs(OTHER_ACCOUNT) == [BOB]
        second.save_open_tabs(ACCOUNT, [BOB])
        assert second.open_tabs(ACCOUNT) == [BOB]
        second.save_open_tabs(ACCOUNT, [])
        assert second.open_tabs(ACCOUNT) == []
        assert second.open_tabs(OTHER_ACCOUNT) == [BOB]
    finally:
        second.close()


# --- read marks -------------------------------------------------------------------------


def test_unread_counts_incoming_after_the_read_mark(history: History) -> None:
    history.add_many(ACCOUNT, [msg(1), msg(2), msg(3, outgoing=True), msg(4)])
    history.add_many(ACCOUNT, [msg(1, peer=CAROL), msg(2, peer=CAROL, outgoing=True)])
    history.add(OTHER_ACCOUNT, msg(1))

    assert history.unread_counts(ACCOUNT) == {BOB: 3, CAROL: 1}

    assert history.mark_read(ACCOUNT, BOB, "m2") is True
    assert history.unread_counts(ACCOUNT) == {BOB: 1, CAROL: 1}
    assert history.mark_read(ACCOUNT, BOB, "m1") is False  # never backwards
    assert history.mark_read(ACCOUNT, BOB, "unknown") is False
    assert history.unread_counts(ACCOUNT) == {BOB: 1, CAROL: 1}

    history.mark_read(ACCOUNT, BOB, "m4")
    history.mark_read(ACCOUNT, CAROL, "m2")
    assert history.unread_counts(ACCOUNT) == {}
    assert history.unread_counts(OTHER_ACCOUNT) == {BOB: 1}

    history.add(ACCOUNT, msg(5))
    history.add(ACCOUNT, msg(0, msg_id="late-archive"))  # older than the mark: read
    assert history.unread_counts(ACCOUNT) == {BOB: 1}


def test_unread_counts_survive_a_restart(db_path: Path) -> None:
    first = History.open(db_path)
    first.add_many(ACCOUNT, [msg(1), msg(2), msg(3)])
    first.mark_read(ACCOUNT, BOB, "m1")
    first.close()

    second = History.open(db_path)
    try:
        assert second.unread_counts(ACCOUNT) == {BOB: 2}
    finally:
        second.close()


# --- query plans ------------------------------------------------------------------------


def plan(history: History, sql: str, args: tuple[object, ...]) -> str:
    rows = history._db.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    return " | ".join(str(row[3]) for row in rows)


@pytest.mark.parametrize(
    ("name", "args", "index"),
    [
        ("RECENT", (ACCOUNT, BOB, 200), "messages_by_peer"),
        ("OLDER", (ACCOUNT, BOB, ACCOUNT, BOB, "m1", 200), "messages_by_peer"),
        ("ONE", (ACCOUNT, BOB, "m1"), "sqlite_autoindex_messages_1"),
        ("PENDING", (ACCOUNT,), "messages_unsent"),
        ("LATEST_STANZA_ID", (ACCOUNT,), "messages_by_account"),
        ("LATEST_TIMESTAMP", (ACCOUNT,), "messages_by_account"),
        ("OLDEST_STANZA_ID", (ACCOUNT, BOB), "messages_archived"),
        ("MARK_READ", (ACCOUNT, BOB, "m1"), "sqlite_autoindex_messages_1"),
        ("UNREAD_COUNTS", (ACCOUNT,), "messages_by_peer"),
    ],
)
def test_queries_use_an_index_and_never_sort(
    history: History, name: str, args: tuple[object, ...], index: str
) -> None:
    text = plan(history, getattr(history_rows, name), args)
    assert index in text
    assert "TEMP B-TREE" not in text
    assert "SCAN messages" not in text


def test_search_walks_the_word_index_newest_first_without_sorting(history: History) -> None:
    fts = (
        "SELECT m.pk FROM messages_fts CROSS JOIN messages AS m ON m.pk = messages_fts.rowid"
        " WHERE messages_fts MATCH ? AND m.account = ? ORDER BY messages_fts.rowid DESC LIMIT 5"
    )
    text = plan(history, fts, ('"x"*', ACCOUNT))
    assert "VIRTUAL TABLE" in text and "INTEGER PRIMARY KEY" in text
    assert "TEMP B-TREE" not in text


def test_primary_key_follows_time(history: History, db_path: Path) -> None:
    history.add_many(ACCOUNT, [msg(3), msg(1), msg(2), msg(2, msg_id="m2b")])
    rows = raw_rows(db_path, "SELECT msg_id FROM messages ORDER BY pk")
    assert [row[0] for row in rows] == ["m1", "m2", "m2b", "m3"]


# --- async facade -----------------------------------------------------------------------


async def test_async_history_offers_every_v2_call_on_its_worker_thread(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[int] = set()
    real_set_state = History.set_state

    def spy(self: History, account: str, peer: str, msg_id: str, state: Delivery) -> bool:
        threads.add(threading.get_ident())
        return real_set_state(self, account, peer, msg_id, state)

    monkeypatch.setattr(History, "set_state", spy)
    async with AsyncHistory(db_path) as store:
        await store.add_many(
            ACCOUNT,
            [msg(1, stanza_id="s1"), msg(2, outgoing=True, state=P), msg(3, body="hello world")],
        )
        assert await store.set_state(ACCOUNT, BOB, "m2", F) is True
        assert [m.id for m in await store.pending(ACCOUNT)] == ["m2"]
        corrected = await store.apply_correction(ACCOUNT, BOB, "m3", "hello moon", BOB)
        assert corrected is not None and corrected.edited
        assert [m.id for m in await store.search(ACCOUNT, "moon")] == ["m3"]
        assert [m.id for m in await store.search(ACCOUNT, "body", peer=BOB)] == ["m2", "m1"]
        assert [m.id for m in await store.older(ACCOUNT, BOB, "m3")] == ["m1", "m2"]
        assert await store.latest_stanza_id(ACCOUNT) == "s1"
        assert await store.latest_timestamp(ACCOUNT) == T0 + timedelta(seconds=3)
        assert await store.oldest_stanza_id(ACCOUNT, BOB) == "s1"
        await store.save_open_tabs(ACCOUNT, [BOB, CAROL])
        assert await store.open_tabs(ACCOUNT) == [BOB, CAROL]
        assert await store.unread_counts(ACCOUNT) == {BOB: 2}
        assert await store.mark_read(ACCOUNT, BOB, "m3") is True
        assert await store.unread_counts(ACCOUNT) == {}

    assert len(threads) == 1
    assert threading.get_ident() not in threads


def test_messages_without_extra_share_one_read_only_mapping(history: History) -> None:
    history.add(ACCOUNT, msg(1))
    history.add(ACCOUNT, dataclasses.replace(msg(2), extra={"k": "v"}))
    first, second = history.recent(ACCOUNT, BOB)
    assert first.extra is msg(3).extra is NO_EXTRA  # not one empty dict per message
    assert second.extra == {"k": "v"}
    with pytest.raises(TypeError):
        first.extra["k"] = "v"  # type: ignore[index]
