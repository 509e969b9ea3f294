"""Benchmark helper processes (plain slixmpp), driven by JSON lines on stdin/stdout.

    python -m benchmarks.peers crowd   --accounts FILE ...  # many contacts online
    python -m benchmarks.peers sender  --jid J ...          # sends bursts on request
    python -m benchmarks.peers receiver --jid J ...         # the bare receiver (the floor)

Common options: ``--password-file``, ``--host``, ``--port``, ``--ca-file``.
Each prints ``{"ready": ...}`` once logged in, then:

- crowd: stays online until stdin closes.
- sender: for each ``{"burst": TO, "count": N, "tag": T}`` line, sends N chat
  messages (ids and bodies ``T-0001``…) as fast as the server takes them and
  answers ``{"start": t, "queued": t, "acked": t}``: the moment before the first
  send, after the last one was queued, and when the server answered a ping sent
  after the last message (so it had taken them all).
- receiver: logs in like a client (roster, presence), counts messages whose
  body starts with ``--tag`` and prints ``{"first": t, "last": t, "count": N}``
  when the ``--count``-th arrives, then waits for stdin to close.

Times are ``time.monotonic()``, comparable across processes on Linux.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slixmpp import JID, ClientXMPP
from slixmpp.stanza import Message

from xmpptui.devtools.provision import DEFAULT_PLUGINS, connect, disconnect, make_client

BURST_WORDS = "the quick brown fox jumps over the lazy dog while it rains"


def burst_body(tag: str, number: int) -> str:
    return f"{tag}-{number:04d} {BURST_WORDS}"


def burst_id(tag: str, number: int) -> str:
    return f"{tag}-{number:04d}"


class _Rig:
    def __init__(self, host: str, port: int, ca_file: Path) -> None:
        self.host, self.port, self.direct_tls_port, self.ca_file = host, port, 0, ca_file


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def read_line() -> str:
    """One line of stdin ("" at EOF) without blocking the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def crowd(args: argparse.Namespace, rig: _Rig, password: str) -> int:
    jids = [line.strip() for line in args.accounts.read_text().splitlines() if line.strip()]
    shows = ["", "", "away", "chat", "xa", "dnd"]
    limit = asyncio.Semaphore(8)
    clients: list[ClientXMPP] = []

    async def login(index: int, jid: str) -> None:
        async with limit:
            client = make_client(rig, (jid, password), resource="bench")
            await connect(client, rig, presence=False, timeout=60)
            show = "chat" if index == 0 else shows[index % len(shows)]
            client.send_presence(pshow=show, pstatus=f"benchmark contact {index}")
            clients.append(client)

    await asyncio.gather(*(login(i, jid) for i, jid in enumerate(jids)))
    say(ready=len(clients))
    while await read_line():
        pass
    await asyncio.gather(*(disconnect(c) for c in clients), return_exceptions=True)
    return 0


async def sender(args: argparse.Namespace, rig: _Rig, password: str) -> int:
    client = make_client(rig, (args.jid, password), resource="bench")
    await connect(client, rig, timeout=60)
    say(ready=client.boundjid.full)
    domain = JID(client.boundjid.domain)
    while line := await read_line():
        request = json.loads(line)
        to, count, tag = JID(request["burst"]), int(request["count"]), str(request["tag"])
        start = time.monotonic()
        for number in range(1, count + 1):
            message = client.make_message(mto=to, mbody=burst_body(tag, number), mtype="chat")
            message["id"] = burst_id(tag, number)
            message.send()
        queued = time.monotonic()
        await client.plugin["xep_0199"].ping(jid=domain, timeout=120)
        say(start=start, queued=queued, acked=time.monotonic())
    await disconnect(client)
    return 0


async def receiver(args: argparse.Namespace, rig: _Rig, password: str) -> int:
    plugins = (*DEFAULT_PLUGINS, "xep_0198") if args.stream_management else DEFAULT_PLUGINS
    client = make_client(rig, (args.jid, password), resource="bench", plugins=plugins)
    prefix = f"{args.tag}-"
    seen = {"count": 0, "first": 0.0}
    done = asyncio.Event()

    def on_message(message: Message) -> None:
        if message["type"] == "chat" and message["body"].startswith(prefix):
            now = time.monotonic()
            seen["count"] += 1
            if seen["count"] == 1:
                seen["first"] = now
            if seen["count"] == args.count:
                say(first=seen["first"], last=now, count=seen["count"])
                done.set()

    client.add_event_handler("message", on_message)
    await connect(client, rig, timeout=60)
    say(ready=client.boundjid.full)
    while await read_line():
        pass
    await disconnect(client)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__)
    parser.add_argument("role", choices=["crowd", "sender", "receiver"])
    parser.add_argument("--jid", default="")
    parser.add_argument("--accounts", type=Path, help="crowd: one JID per line")
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca-file", type=Path, required=True)
    parser.add_argument("--tag", default="")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument(
        "--stream-management", action="store_true", help="receiver: enable XEP-0198 (as xmpptui)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    password = args.password_file.read_text().splitlines()[0]
    rig = _Rig(args.host, args.port, args.ca_file)
    role = {"crowd": crowd, "sender": sender, "receiver": receiver}[args.role]
    try:
        return asyncio.run(role(args, rig, password))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
