"""The roster's lines: :class:`Row`, and :class:`RowView`, which makes a row when it is read.

A ``RowView`` is what ``RosterModel.view()`` returns: a snapshot of which rows
there are (the request rows, then per group its header and the sort keys of
the contacts shown) that makes a contact's ``Row`` only when that index is
read, and keeps it. With 5,000 contacts the widget reads the ~40 rows on
screen instead of building 5,700 at every change; ``list(view)`` still gives
them all.

A view never changes once made (its lists are not modified afterwards, see
``RosterModel``), so the widget can compare the lines it drew from the previous
view (:meth:`RowView.peek`) with the new one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

from xmpptui.models import Show

RowKind = Literal["request-header", "request", "group", "contact"]
SortKey = tuple[int, str, str]  # (rank, casefolded display name, jid)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the roster. Frozen and compared by value: the value is its version."""

    kind: RowKind
    key: str  # unique among the rows: "requests", "request:J", "group:G", "contact:J/G"
    jid: str = ""
    group: str = ""
    name: str = ""  # display name, request nick, group name, or "Friend requests"
    show: Show = Show.OFFLINE
    status: str = ""
    unread: int = 0
    subscription: str = "both"
    ask: bool = False
    online: int = 0
    total: int = 0
    collapsed: bool = False


class RowSource(Protocol):
    """What a view asks its model (``RosterModel``)."""

    def contact_row(self, group: str, jid: str) -> Row: ...

    def sort_key_of(self, jid: str) -> SortKey | None: ...

    def groups_of_jid(self, jid: str) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Block:
    """One group in a view: its header at ``start``, then a row per key in ``keys``."""

    start: int
    group: str
    header: Row
    keys: Sequence[SortKey]  # the contacts shown, sorted; empty when folded


class _Unread:
    """``peek`` of a row that exists but was never read (so never drawn)."""

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD = _Unread()


class RowView(Sequence[Row]):
    """The rows, top to bottom, made when read. See the module docstring."""

    __slots__ = ("_blocks", "_by_group", "_head", "_len", "_made", "_source", "_starts")

    def __init__(self, source: RowSource | None, head: list[Row], blocks: list[Block]) -> None:
        self._source = source
        self._head = head
        self._blocks = blocks
        self._starts = [block.start for block in blocks]
        self._by_group = {block.group: block for block in blocks}
        last = blocks[-1] if blocks else None
        self._len = last.start + 1 + len(last.keys) if last else len(head)
        self._made: dict[int, Row] = {}

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        if index < len(self._head):
            return self._head[index]
        row = self._made.get(index)
        if row is None:
            block = self._blocks[bisect_right(self._starts, index) - 1]
            row = self._make(block, index - block.start)
            self._made[index] = row
        return row

    def __iter__(self) -> Iterator[Row]:
        yield from self._head
        for block in self._blocks:
            for offset in range(1 + len(block.keys)):
                index = block.start + offset
                row = self._made.get(index)
                if row is None:
                    row = self._made[index] = self._make(block, offset)
                yield row

    def _make(self, block: Block, offset: int) -> Row:
        if offset == 0:
            return block.header
        assert self._source is not None
        return self._source.contact_row(block.group, block.keys[offset - 1][2])

    def peek(self, index: int) -> Row | _Unread | None:
        """Row ``index`` as it was read from this view; ``UNREAD`` if it never was,
        ``None`` past the end."""
        if not 0 <= index < self._len:
            return None
        if index < len(self._head):
            return self._head[index]
        return self._made.get(index, UNREAD)

    def index_of(self, key: str) -> int:
        """Where the row with ``key`` is, or -1."""
        kind, _, rest = key.partition(":")
        if kind in ("requests", "request"):
            return next((i for i, row in enumerate(self._head) if row.key == key), -1)
        block = self._by_group.get(rest.partition("/")[2] if kind == "contact" else rest)
        if block is None or kind not in ("group", "contact"):
            return -1
        if kind == "group":
            return block.start
        jid = rest.partition("/")[0]
        keys = block.keys
        sort_key = self._source.sort_key_of(jid) if self._source is not None else None
        at = bisect_left(keys, sort_key) if sort_key is not None else len(keys)
        if not (at < len(keys) and keys[at][2] == jid):  # not where the model has it now
            at = next((i for i, k in enumerate(keys) if k[2] == jid), -1)
        return block.start + 1 + at if at >= 0 else -1

    def index_of_jid(self, jid: str) -> int:
        """The first row (request or contact) of ``jid``, or -1."""
        for i, row in enumerate(self._head):
            if row.jid == jid:
                return i
        groups = self._source.groups_of_jid(jid) if self._source is not None else ()
        found = [i for g in groups if (i := self.index_of(f"contact:{jid}/{g}")) >= 0]
        return min(found, default=-1)


EMPTY = RowView(None, [], [])
"""A view without rows (what a widget shows before its first rebuild)."""
