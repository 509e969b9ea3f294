"""``kill -9`` at any moment never corrupts the history nor loses a committed write.

A child process writes in a loop (batches in transactions, state changes,
corrections, tabs, read marks) and reports after each commit how many
messages it has stored. The parent reads that pipe until the count reaches
N, kills the child with SIGKILL while it is in the middle of the next
writes, and then checks the file. Three rounds on the same file, so the
later children also start from a database left by a killed writer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xmpptui.models import ChatMessage
from xmpptui.store.history import History

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "alice@example.org"
BOB = "bob@example.net"

WRITER = r"""
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xmpptui.models import ChatMessage, Delivery
from xmpptui.store.history import History

path, start = Path(sys.argv[1]), int(sys.argv[2])
account, bob = "alice@example.org", "bob@example.net"
t0 = datetime(2024, 1, 1, tzinfo=UTC)
history = History.open(path)
n = start
while True:
    batch = [
        ChatMessage(
            f"m{i}", bob, account if i % 2 else bob, f"message number{i} kiwi",
            t0 + timedelta(seconds=i), outgoing=bool(i % 2),
            state=Delivery.PENDING if i % 2 else Delivery.RECEIVED,
        )
        for i in range(n, n + 25)
    ]
    history.add_many(account, batch)
    history.set_state(account, bob, f"m{n + 1}", Delivery.SENT)
    history.apply_correction(account, bob, f"m{n}", f"fixed{n} kiwi", bob)
    history.save_open_tabs(account, [bob, f"peer{n}@example.org"])
    history.mark_read(account, bob, f"m{n}")
    n += len(batch)
    print(n, flush=True)
"""


def run_writer_until(path: Path, start: int, target: int) -> int:
    """Start the writer, read its acknowledgements until ``target``, SIGKILL it.

    Returns the last count the writer acknowledged (all of it committed).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    acknowledged = start
    try:
        assert child.stdout is not None
        while acknowledged < target:
            line = child.stdout.readline()
            if not line:
                _, err = child.communicate()
                pytest.fail(f"the writer stopped early: {err}")
            acknowledged = int(line)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    return acknowledged


@pytest.mark.timeout(120)
def test_kill_9_never_corrupts_the_history(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    acknowledged = 0
    for target in (1, 400, 3000):
        acknowledged = run_writer_until(path, acknowledged, acknowledged + target)
        assert path.with_name(path.name + "-wal").exists()  # killed with a live WAL

        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            ids = {row[0] for row in raw.execute("SELECT msg_id FROM messages")}
        assert {f"m{i}" for i in range(acknowledged)} <= ids

        history = History.open(path)
        try:
            history._db.execute(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
            )
            last_batch = acknowledged - 25
            assert [m.id for m in history.search(ACCOUNT, f"fixed{last_batch}")] == [
                f"m{last_batch}"
            ]
            assert history.open_tabs(ACCOUNT)[0] == BOB
            fresh = ChatMessage(
                f"after-{target}", BOB, BOB, f"survivor{target}", datetime.now(UTC), False
            )
            assert history.add(ACCOUNT, fresh) is True
            assert [m.id for m in history.search(ACCOUNT, f"survivor{target}")] == [fresh.id]
            # Continue numbering after everything that made it to disk, acknowledged or not.
            acknowledged = max(int(i[1:]) for i in ids if i.startswith("m")) + 1
        finally:
            history.close()
