"""Turning what the user typed into a safe history query.

The text is split into terms at white space; a message matches when it
contains every term. No character of the user's text is ever FTS5 syntax:

* a term with a letter or digit becomes an FTS5 *string* (``"…"`` with inner
  ``"`` doubled) followed by our own ``*``, so it matches words that start
  with it (``hel`` finds "Hello", ``cafe`` finds "café"); ``AND``, ``OR``,
  ``NEAR(``, ``col:``, ``-`` or ``*`` typed by the user are just text;
* a term the word index cannot see — only punctuation or emoji, or a script
  written without spaces (CJK: ``east_asian_width`` W/F) — becomes a
  substring ``LIKE`` test with ``%``, ``_`` and ``\\`` escaped;
* without FTS5 every term is a ``LIKE`` test (case-insensitive for ASCII only).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from xmpptui.store.history_rows import COLUMNS

#: Terms beyond this many are ignored: a pasted paragraph must not build a huge query.
MAX_TERMS = 32


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The parts of a search: an FTS5 MATCH expression and/or LIKE patterns."""

    match: str | None  # None: no term for the word index
    likes: tuple[str, ...]  # each used as ``body LIKE ? ESCAPE '\\'``


def parse_query(text: str, *, fts: bool = True) -> SearchQuery | None:
    """The query for ``text``; ``None`` when it has no term (nothing matches)."""
    clean = text.encode("utf-8", "replace").decode("utf-8").replace("\0", " ")
    terms = list(dict.fromkeys(clean.split()))[:MAX_TERMS]
    if not terms:
        return None
    words = [term for term in terms if fts and _indexable(term)]
    others = [term for term in terms if term not in words]
    match = " AND ".join(fts_string(word) + "*" for word in words) if words else None
    return SearchQuery(match, tuple(like_pattern(term) for term in others))


def search_statement(
    query: SearchQuery, account: str, peer: str | None, limit: int
) -> tuple[str, list[str | int]]:
    """The SELECT (and its parameters) for ``query``, newest first.

    With words, the FTS index yields its hits by descending rowid, which is
    newest first because ``messages.pk`` follows time: no sort, and LIMIT
    stops the walk early. ``CROSS JOIN`` keeps SQLite from driving the join
    from ``messages`` (one index probe per stored message).
    """
    where, args = ["m.account = ?"], [account]
    if query.match is not None:
        source = "messages_fts CROSS JOIN messages AS m ON m.pk = messages_fts.rowid"
        order = "messages_fts.rowid"
        where.insert(0, "messages_fts MATCH ?")
        args.insert(0, query.match)
    else:
        source, order = "messages AS m", "m.pk"
    if peer is not None:
        where.append("m.peer = ?")
        args.append(peer)
    for pattern in query.likes:
        where.append("m.body LIKE ? ESCAPE '\\'")
        args.append(pattern)
    columns = ", ".join(f"m.{name.strip()}" for name in COLUMNS.split(","))
    statement = f"""
        SELECT {columns} FROM {source} WHERE {" AND ".join(where)}
        ORDER BY {order} DESC LIMIT ?
    """
    return statement, [*args, limit]


def fts_string(term: str) -> str:
    """``term`` as an FTS5 string literal: its characters are never operators."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern matching ``term`` anywhere, literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _indexable(term: str) -> bool:
    """Whether the unicode61 word index finds ``term`` (a word in a spaced script)."""
    has_word = False
    for char in term:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            return False
        has_word = has_word or char.isalnum()
    return has_word
