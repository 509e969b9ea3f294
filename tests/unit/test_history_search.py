"""History search: word prefixes over FTS5, hostile query text, the LIKE fallback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpptui.models import ChatMessage
from xmpptui.store import history_core
from xmpptui.store.history import History
from xmpptui.store.history_search import MAX_TERMS, parse_query

ACCOUNT = "alice@example.org"
BOB = "bob@example.net"
CAROL = "carol@example.com"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

BODIES = {
    "quote": 'He said "hello" to me',
    "star": "price: 5*3 = 15",
    "near": "NEAR(the end) of days",
    "or": "a or b, that is the question",
    "cafe": "Café au lait",
    "cjk": "これは日本語のテキストです",
    "emoji": "party 🎉 tonight",
    "percent": "100% sure_thing \\ back",
    "dash": "a-b testing",
}

# query → ids found (word index). Every query is plain text: nothing in it is syntax.
HOSTILE: list[tuple[str, set[str]]] = [
    ('"hello"', {"quote"}),
    ('"', {"quote"}),
    ('"hello', {"quote"}),
    ('hello"', {"quote"}),
    ("*", {"star"}),
    ("5*3", {"star"}),
    ("price:", {"star"}),
    ("body:hello", set()),  # not a column filter
    ("NEAR(", {"near"}),
    ("NEAR(the end)", {"near"}),
    ("NEAR(hello price)", set()),  # not the NEAR operator either
    ("a OR b", {"or"}),  # a literal "or", not a disjunction
    ("hello OR price", set()),
    ("hello NOT said", set()),  # NOT is a word here, and no message has it
    ("said hello", {"quote"}),
    ("-hello", {"quote"}),
    ("^hello", {"quote"}),
    ("hello AND", set()),
    ("AND", set()),
    ("(", {"near"}),
    (")", {"near"}),
    ("{body}", set()),
    ("cafe", {"cafe"}),
    ("CAFÉ", {"cafe"}),
    ("café au", {"cafe"}),
    ("日本語", {"cjk"}),
    ("テキスト", {"cjk"}),
    ("🎉", {"emoji"}),
    ("party 🎉", {"emoji"}),
    ("%", {"percent"}),
    ("_", {"percent"}),
    ("\\", {"percent"}),
    ("100%", {"percent"}),
    ("sure_thing", {"percent"}),
    ("a-b", {"dash"}),
    ("'", set()),
    ("'; DROP TABLE messages; --", set()),
    ("\x00", set()),
    ("hello\x00", {"quote"}),
    ("\ud800", set()),
    ("\u202ehello", {"quote"}),
    ("", set()),
    ("   \t\n", set()),
    ("x" * 10_000, set()),
    (" ".join(["hello"] * 5_000), {"quote"}),
    (" ".join(f"w{n}" for n in range(500)), set()),
    ("hel", {"quote"}),  # word prefixes
    ("th", {"near", "or", "percent"}),  # the, that, (sure_)thing
]


def msg(key: str, n: int, peer: str = BOB) -> ChatMessage:
    return ChatMessage(key, peer, peer, BODIES[key], T0 + timedelta(minutes=n), outgoing=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    handle = History.open(db_path)
    handle.add_many(ACCOUNT, [msg(key, n) for n, key in enumerate(BODIES)])
    yield handle
    handle.close()


def test_fts5_is_available_here(history: History) -> None:
    assert history.fts is True


@pytest.mark.parametrize(("query", "expected"), HOSTILE)
def test_hostile_query_text_is_literal(history: History, query: str, expected: set[str]) -> None:
    found = history.search(ACCOUNT, query)
    assert {m.id for m in found} == expected
    assert [m.id for m in history.recent(ACCOUNT, BOB, limit=100)] == list(BODIES)


def test_search_is_newest_first_limited_and_scoped(history: History) -> None:
    history.add_many(
        ACCOUNT,
        [
            ChatMessage(f"z{n}", BOB, BOB, f"zebra number {n}", T0 + timedelta(hours=n), False)
            for n in (3, 1, 2)
        ],
    )
    history.add(ACCOUNT, ChatMessage("old", CAROL, CAROL, "zebra", T0 - timedelta(days=9), False))
    history.add("eve@example.org", ChatMessage("e", BOB, BOB, "zebra", T0, False))

    assert [m.id for m in history.search(ACCOUNT, "zebra")] == ["z3", "z2", "z1", "old"]
    assert [m.id for m in history.search(ACCOUNT, "zebra", limit=2)] == ["z3", "z2"]
    assert [m.id for m in history.search(ACCOUNT, "zebra", peer=CAROL)] == ["old"]
    assert [m.id for m in history.search(ACCOUNT, "zebra number 2")] == ["z2"]
    assert [m.id for m in history.search("eve@example.org", "zebra")] == ["e"]


def test_symbols_and_words_combine(history: History) -> None:
    history.add(ACCOUNT, ChatMessage("p2", BOB, BOB, "party without emoji", T0, False))
    assert [m.id for m in history.search(ACCOUNT, "party")] == ["emoji", "p2"]
    assert [m.id for m in history.search(ACCOUNT, "🎉 party")] == ["emoji"]


def test_query_terms_are_capped() -> None:
    query = parse_query(" ".join(f"w{n}" for n in range(MAX_TERMS * 3)))
    assert query is not None and query.match is not None
    assert query.match.count('"*') == MAX_TERMS
    assert parse_query(" \n ") is None


# --- without FTS5 -----------------------------------------------------------------------

LIKE_CASES: list[tuple[str, set[str]]] = [
    ('"hello"', {"quote"}),
    ("5*3", {"star"}),
    ("NEAR(", {"near"}),
    ("a OR b", {"or"}),
    ("%", {"percent"}),
    ("_", {"percent"}),
    ("\\", {"percent"}),
    ("日本語", {"cjk"}),
    ("Café", {"cafe"}),
    ("HELLO", {"quote"}),
    ("ell", {"quote"}),  # substrings, not word prefixes
    ("\ud800\x00", set()),
]


@pytest.fixture
def no_fts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_core, "fts5_available", lambda: False)


@pytest.mark.usefixtures("no_fts")
@pytest.mark.parametrize(("query", "expected"), LIKE_CASES)
def test_without_fts5_search_falls_back_to_like(
    db_path: Path, query: str, expected: set[str]
) -> None:
    history = History.open(db_path)
    try:
        history.add_many(ACCOUNT, [msg(key, n) for n, key in enumerate(BODIES)])
        assert history.fts is False
        assert {m.id for m in history.search(ACCOUNT, query)} == expected
    finally:
        history.close()


def test_index_is_rebuilt_after_running_without_fts5(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    History.open(db_path).close()  # index and triggers exist
    monkeypatch.setattr(history_core, "fts5_available", lambda: False)
    without = History.open(db_path)
    without.add(ACCOUNT, msg("emoji", 1))  # works: the sync triggers were dropped
    without.apply_correction(ACCOUNT, BOB, "emoji", "party moved to friday", BOB)
    found_without = [m.id for m in without.search(ACCOUNT, "friday")]
    without.close()
    monkeypatch.undo()

    again = History.open(db_path)
    try:
        assert found_without == ["emoji"]
        assert again.fts is True
        assert [m.id for m in again.search(ACCOUNT, "friday")] == ["emoji"]
        assert again.search(ACCOUNT, "tonight") == []
        again._db.execute(
            "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
        )
    finally:
        again.close()
    with sqlite3.connect(db_path) as raw:
        triggers = {
            row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert {"messages_fts_insert", "messages_fts_delete", "messages_fts_update"} <= triggers
