"""The benchmark population, written straight into Prosody's storage before it starts.

The rig's Prosody uses ``storage = "internal"``: one Lua file per account and
per roster under ``data/<host>/``. Writing those files before the server starts
is how 5,000 mutual subscriptions take a fraction of a second instead of
minutes of subscription handshakes. Every relation is written on both sides
(the user's roster has the contact with ``both``, the contact's roster has the
user with ``both``), so the server behaves exactly as after real handshakes:
probes are answered, presence is broadcast, nothing is "unsubscribed".

Accounts use ``internal_hashed`` records (SCRAM-SHA-1 stored/server keys), the
same as ``prosodyctl adduser`` would write, all with one benchmark password.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xmpptui.devtools.prosody import lua_string
from xmpptui.models import ChatMessage, Delivery
from xmpptui.store.history import History

ITERATIONS = 4096  # the rig's default_iteration_count

#: The contact whose name start-up waits for (online, in the first group).
KNOWN_USER, KNOWN_NAME = "known", "Known Contact Alpha"
FIRST_GROUP = "Aardvark"  # sorts before every other group
#: The name of the peer that sends a burst (each receiver has its own: fresh archives).
BURST_NAME = "Burst Peer"
#: The peer of the 100,000-message conversation.
HISTORY_PEER, HISTORY_PEER_NAME = "hpeer", "Old Friend"
ONLINE_CONTACTS = 50  # including KNOWN_USER
NORMAL_GROUPS = 10

#: Typed one key at a time into the roster filter of the 5,000-contact roster.
#: No name or JID outside the filter set contains any of these letters.
FILTER_TEXT = "qvjxz"
FILTER_GROUP = "Abacus"  # right after FIRST_GROUP
FILLERS_PER_STEP = 45  # more rows than the roster pane shows


@dataclass(frozen=True, slots=True)
class Item:
    """A roster item: the contact's username (on the rig's domain), name and groups."""

    user: str
    name: str
    groups: tuple[str, ...]


@dataclass
class Population:
    """Accounts to create and who has whom in their roster."""

    domain: str
    password: str
    rosters: dict[str, list[Item]] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)

    def add_user(self, user: str, items: Iterable[Item]) -> None:
        self.rosters[user] = list(items)
        self.accounts.add(user)
        self.accounts.update(item.user for item in self.rosters[user])

    def jid(self, user: str) -> str:
        return f"{user}@{self.domain}"


def contact_user(number: int) -> str:
    return f"c{number:04d}"


def online_users() -> list[str]:
    """The contacts kept logged in for the whole benchmark."""
    return [KNOWN_USER, *(contact_user(n) for n in range(1, ONLINE_CONTACTS))]


def _normal(number: int) -> Item:
    groups = [f"Group {number % NORMAL_GROUPS:02d}"]
    if number % 7 == 0:
        groups.append("Work")
    return Item(contact_user(number), f"Contact {number:04d}", tuple(groups))


def filter_items() -> list[Item]:
    """Rows that make each keystroke of ``FILTER_TEXT`` bring a new name to the top.

    Step k (k letters typed) matches ``Witness<k>`` first: the ``FILLERS_PER_STEP``
    rows above it at step k-1 stop matching at step k, and ``Witness<k+1>`` is
    still below the next step's fillers, off screen.
    """
    items: list[Item] = []
    for step in range(1, len(FILTER_TEXT) + 1):
        before, now = FILTER_TEXT[: step - 1], FILTER_TEXT[:step]
        for n in range(FILLERS_PER_STEP):
            name = f"{step}a {before}~{n:02d}"
            items.append(Item(f"flt{step}{n:02d}", name, (FILTER_GROUP,)))
        items.append(Item(f"wit{step}", f"{step}b {now} {witness(step)}", (FILTER_GROUP,)))
    return items


def witness(step: int) -> str:
    """The name part that appears at the top of the roster after ``step`` filter keys."""
    return f"Witness{step}"


def roster(size: int, *, with_filter_set: bool = False) -> list[Item]:
    """``size`` contacts: the known one, then ``Contact NNNN`` in 10 groups (some in Work)."""
    items = [Item(KNOWN_USER, KNOWN_NAME, (FIRST_GROUP,))]
    extra = filter_items() if with_filter_set else []
    items.extend(_normal(n) for n in range(1, size - len(items) - len(extra) + 1))
    items.extend(extra)
    assert len(items) == size
    return items


def burst_user(receiver: str) -> str:
    """The account that sends bursts to ``receiver`` (Prosody keeps at most 10,000
    archived messages per account, so no account sends or receives more than one burst)."""
    return f"{receiver}p"


def burst_peer(receiver: str) -> Item:
    return Item(burst_user(receiver), BURST_NAME, (FIRST_GROUP,))


def history_peer() -> Item:
    return Item(HISTORY_PEER, HISTORY_PEER_NAME, ("Friends",))


# --------------------------------------------------------------- Prosody files
def _encode(node: str) -> str:
    """Prosody datamanager's file-name encoding (every non-alphanumeric as ``%xx``)."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "".join(f"%{b:02x}" for b in m[0].encode()), node)


def scram_record(password: str, salt: str, iterations: int = ITERATIONS) -> dict[str, str | int]:
    """The ``internal_hashed`` account record for ``password`` (SCRAM-SHA-1)."""
    salted = hashlib.pbkdf2_hmac("sha1", password.encode(), salt.encode(), iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
    return {
        "stored_key": hashlib.sha1(client_key).hexdigest(),
        "server_key": hmac.new(salted, b"Server Key", hashlib.sha1).hexdigest(),
        "salt": salt,
        "iteration_count": iterations,
    }


def _lua(value: str | int) -> str:
    return str(value) if isinstance(value, int) else lua_string(value)


def _account_file(record: dict[str, str | int]) -> str:
    body = "".join(f"\t[{lua_string(k)}] = {_lua(v)};\n" for k, v in record.items())
    return "return {\n" + body + "};\n"


def _roster_file(entries: Sequence[tuple[str, str, tuple[str, ...]]]) -> str:
    """A roster with every entry subscribed ``both``: (jid, name, groups)."""
    parts = ['return {\n\t[false] = {\n\t\t["version"] = 1;\n\t\t["pending"] = {};\n\t};\n']
    for jid, name, groups in entries:
        group_text = "".join(f"[{lua_string(g)}] = true; " for g in groups)
        name_text = f'\t\t["name"] = {lua_string(name)};\n' if name else ""
        parts.append(
            f"\t[{lua_string(jid)}] = {{\n{name_text}"
            f'\t\t["groups"] = {{ {group_text}}};\n'
            '\t\t["subscription"] = "both";\n\t};\n'
        )
    parts.append("};\n")
    return "".join(parts)


def write_storage(data_dir: Path, population: Population) -> None:
    """Write every account and both sides of every roster relation under ``data_dir``."""
    host = data_dir / _encode(population.domain)
    accounts, rosters = host / "accounts", host / "roster"
    accounts.mkdir(parents=True, exist_ok=True)
    rosters.mkdir(parents=True, exist_ok=True)
    account_text = _account_file(scram_record(population.password, str(uuid.uuid4())))
    for user in sorted(population.accounts):
        (accounts / f"{_encode(user)}.dat").write_text(account_text)
    reverse: dict[str, list[tuple[str, str, tuple[str, ...]]]] = defaultdict(list)
    for user, items in population.rosters.items():
        entries = [(population.jid(i.user), i.name, i.groups) for i in items]
        (rosters / f"{_encode(user)}.dat").write_text(_roster_file(entries))
        for item in items:
            reverse[item.user].append((population.jid(user), "", ()))
    for contact, entries in reverse.items():
        if contact in population.rosters:
            raise ValueError(f"{contact} is both a user and a contact: not supported")
        (rosters / f"{_encode(contact)}.dat").write_text(_roster_file(entries))


# --------------------------------------------------------------- history
HISTORY_WORD = "zanzibar"  # in every 1,000th message
_WORDS = (
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim",
    "ad", "minim", "veniam", "quis", "nostrud",
)  # fmt: skip


def history_body(number: int) -> str:
    """Message ``number`` of the big conversation: ``H<6 digits>`` then some words."""
    words = [_WORDS[(number * 7 + i * 3) % len(_WORDS)] for i in range(4 + number % 9)]
    if number % 1000 == 0:
        words.insert(2, HISTORY_WORD)
    return f"H{number:06d} " + " ".join(words)


def history_marker(number: int) -> str:
    return f"H{number:06d}"


def prefill_history(path: Path, account: str, peer: str, count: int) -> None:
    """Store ``count`` messages with ``peer`` (one a minute, ending an hour ago)."""
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(minutes=count)
    history = History.open(path)
    try:
        batch: list[ChatMessage] = []
        for number in range(1, count + 1):
            outgoing = number % 3 == 0
            batch.append(
                ChatMessage(
                    id=f"h{number:06d}",
                    peer=peer,
                    sender=account if outgoing else peer,
                    body=history_body(number),
                    timestamp=start + timedelta(minutes=number),
                    outgoing=outgoing,
                    state=Delivery.SENT if outgoing else Delivery.RECEIVED,
                )
            )
            if len(batch) == 10_000:
                history.add_many(account, batch)
                batch = []
        if batch:
            history.add_many(account, batch)
        history.mark_read(account, peer, f"h{count:06d}")  # all read, as for a real user
    finally:
        history.close()
