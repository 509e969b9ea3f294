"""Rows of ``messages`` ⇄ :class:`~xmpptui.models.ChatMessage`, and the SQL that reads them.

Timestamps are integer microseconds since the Unix epoch (UTC), which
round-trips exactly; a naive datetime is taken to be UTC. An empty
``stanza_id`` is stored as NULL (so the UNIQUE index ignores it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from xmpptui.models import NO_EXTRA, ChatMessage, Delivery

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

#: ``pk`` is time-ordered: the millisecond of ``ts_us`` (clamped to years 1691..2248)
#: shifted left by this many bits, plus a sequence number within that millisecond.
ORDER_BITS = 19
_BUCKET = 1 << ORDER_BITS
_LAST_MS = (1 << 43) - 1

#: Columns read back into a ChatMessage, in :func:`to_message` order.
COLUMNS = "msg_id, peer, sender, body, ts_us, outgoing, extra, state, stanza_id, edited"
# The next free pk of the message's millisecond (if 2**19 messages share one, the end
# of the table: order bends, nothing is lost). No conflict target: a clash on
# (account, peer, msg_id) or on (account, stanza_id) means the message is stored.
INSERT = f"""
    INSERT INTO messages
        (pk, account, peer, msg_id, sender, body, ts_us, outgoing, extra, state, stanza_id)
    SELECT CASE WHEN free < :base + {_BUCKET} THEN free
                ELSE (SELECT max(pk) + 1 FROM messages) END,
        :account, :peer, :msg_id, :sender, :body, :ts_us, :outgoing, :extra, :state, :stanza_id
    FROM (SELECT coalesce(max(pk) + 1, :base) AS free FROM messages
          WHERE pk >= :base AND pk < :base + {_BUCKET})
    WHERE true
    ON CONFLICT DO NOTHING
"""
# A known message seen again with our server's stanza-id (MAM): remember the id.
FILL_STANZA_ID = """
    UPDATE OR IGNORE messages SET stanza_id = :stanza_id
    WHERE account = :account AND peer = :peer AND msg_id = :msg_id AND stanza_id IS NULL
"""
RECENT = f"""
    SELECT {COLUMNS} FROM messages WHERE account = ? AND peer = ?
    ORDER BY pk DESC LIMIT ?
"""
OLDER = f"""
    SELECT {COLUMNS} FROM messages WHERE account = ? AND peer = ? AND pk < (
        SELECT pk FROM messages WHERE account = ? AND peer = ? AND msg_id = ?)
    ORDER BY pk DESC LIMIT ?
"""
ONE = f"SELECT {COLUMNS} FROM messages WHERE account = ? AND peer = ? AND msg_id = ?"
# The WHERE must repeat the partial index's condition word for word to use it.
PENDING = f"""
    SELECT {COLUMNS} FROM messages
    WHERE account = ? AND state IN ('pending', 'failed') AND outgoing = 1
    ORDER BY pk
"""
LATEST_STANZA_ID = """
    SELECT stanza_id FROM messages WHERE account = ? AND stanza_id IS NOT NULL
    ORDER BY pk DESC LIMIT 1
"""
# Unsent messages carry our clock, not the server's: a catch-up must not start after them.
LATEST_TIMESTAMP = """
    SELECT ts_us FROM messages WHERE account = ? AND state NOT IN ('pending', 'failed')
    ORDER BY pk DESC LIMIT 1
"""
OLDEST_STANZA_ID = """
    SELECT stanza_id FROM messages WHERE account = ? AND peer = ? AND stanza_id IS NOT NULL
    ORDER BY pk LIMIT 1
"""
MARK_READ = """
    UPDATE read_marks SET pk = (
        SELECT pk FROM messages WHERE account = ?1 AND peer = ?2 AND msg_id = ?3)
    WHERE account = ?1 AND peer = ?2 AND pk < (
        SELECT pk FROM messages WHERE account = ?1 AND peer = ?2 AND msg_id = ?3)
"""
# Every conversation has a read mark (a trigger adds it with its first message).
UNREAD_COUNTS = """
    SELECT r.peer, (
        SELECT count(*) FROM messages AS m
        WHERE m.account = r.account AND m.peer = r.peer AND m.pk > r.pk AND m.outgoing = 0
    ) FROM read_marks AS r WHERE r.account = ?
"""

#: For each target delivery state, the states it may be reached from.
#: Never backwards; ``failed`` only from ``pending``; a failed message may be
#: retried (``pending``) and a receipt proves it arrived (``delivered``).
STATE_SOURCES: dict[Delivery, tuple[Delivery, ...]] = {
    Delivery.PENDING: (Delivery.FAILED,),
    Delivery.SENT: (Delivery.PENDING,),
    Delivery.DELIVERED: (Delivery.PENDING, Delivery.SENT, Delivery.FAILED),
    Delivery.FAILED: (Delivery.PENDING,),
    Delivery.RECEIVED: (),
}


def to_row(account: str, message: ChatMessage) -> dict[str, Any]:
    """The :data:`INSERT` parameters for ``message``."""
    ts_us = to_us(message.timestamp)
    return {
        "base": order_base(ts_us),
        "account": account,
        "peer": message.peer,
        "msg_id": message.id or synthetic_id(message),
        "sender": message.sender,
        "body": message.body,
        "ts_us": ts_us,
        "outgoing": int(message.outgoing),
        "extra": json.dumps(dict(message.extra), sort_keys=True, ensure_ascii=False),
        "state": str(message.state),
        "stanza_id": message.stanza_id or None,
    }


def order_base(ts_us: int) -> int:
    """The first ``pk`` of the millisecond of ``ts_us`` (the v2 migration computes the same)."""
    return max(-_LAST_MS, min(_LAST_MS, ts_us // 1000)) << ORDER_BITS


def to_message(row: tuple[Any, ...]) -> ChatMessage:
    """A :data:`COLUMNS` row as a message."""
    msg_id, peer, sender, body, ts_us, outgoing, extra, state, stanza_id, edited = row
    try:
        decoded = json.loads(extra)
    except ValueError:
        decoded = {}
    try:
        delivery = Delivery(state)
    except ValueError:  # written by a newer version: the safest reading
        delivery = Delivery.SENT if outgoing else Delivery.RECEIVED
    return ChatMessage(
        id=msg_id,
        peer=peer,
        sender=sender,
        body=body,
        timestamp=from_us(ts_us),
        outgoing=bool(outgoing),
        extra={str(k): str(v) for k, v in decoded.items()}
        if isinstance(decoded, dict) and decoded
        else NO_EXTRA,
        state=delivery,
        stanza_id=stanza_id or "",
        edited=bool(edited),
    )


def synthetic_id(message: ChatMessage) -> str:
    """A stable id for a message that has none, so id-less messages are not merged."""
    key = "\0".join((message.sender, message.timestamp.isoformat(), message.body))
    return "xmpptui-noid-" + sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def from_us(ts_us: int) -> datetime:
    """The aware UTC datetime of :func:`to_us`."""
    return _EPOCH + ts_us * _MICROSECOND
