"""The demo peer: a small slixmpp bot that is online and answers every message.

    python -m xmpptui.devtools.peer --jid bob@localhost --password-file F \\
        --host 127.0.0.1 --port P --ca-file CA [--show chat] [--status TEXT]

It sets its presence, accepts every subscription request (demo only!) and
answers each chat message: "help", "hello" and "ping" get an answer of their
own, anything else is echoed back with a counter. ``--no-replies`` makes a
silent contact. SIGTERM or SIGINT closes the stream and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from slixmpp import ClientXMPP
from slixmpp.stanza import Message

from xmpptui.devtools.provision import ClientFailedError, connect, disconnect, make_client

DEFAULT_STATUS = "Demo bot: I answer every message"
HELP = (
    "I'm a demo bot. Say hello, ask for the time, send ping, "
    "or write anything and I'll echo it back."
)


def reply_to(body: str, count: int, name: str) -> str:
    """What the bot answers to its ``count``-th message ``body`` from someone."""
    word = body.strip().lower().rstrip("!?.")
    if word in {"help", "/help", "?"}:
        return HELP
    if word in {"hello", "hi", "hey", "hallo", "bonjour"}:
        return f"Hello! I'm {name}, a demo bot. Type help to see what I can do."
    if word == "ping":
        return "pong"
    if word == "time":
        return f"It is {datetime.now().strftime('%H:%M')} here."
    return f"#{count} You said: {body}"


class Peer:
    """Answers messages and accepts subscriptions for one connected client."""

    def __init__(self, client: ClientXMPP, *, replies: bool) -> None:
        self.client = client
        self.replies = replies
        self.counts: Counter[str] = Counter()
        client.auto_authorize = True  # demo only: accept every subscription request
        client.auto_subscribe = True
        client.add_event_handler("message", self.on_message)

    def on_message(self, msg: Message) -> None:
        sender = msg["from"].bare
        if msg["type"] not in ("chat", "normal") or not msg["body"] or not self.replies:
            return
        if sender == self.client.boundjid.bare:
            return
        self.counts[sender] += 1
        name = self.client.boundjid.user.capitalize()
        answer = reply_to(msg["body"], self.counts[sender], name)
        self.client.send_message(mto=msg["from"], mbody=answer, mtype="chat")
        print(f"peer: answered message {self.counts[sender]} from {sender}", flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m xmpptui.devtools.peer", description=__doc__)
    parser.add_argument("--jid", required=True, help="bare JID of the bot")
    parser.add_argument("--password-file", required=True, type=Path, help="first line = password")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", required=True, type=int, help="c2s STARTTLS port")
    parser.add_argument("--ca-file", required=True, type=Path, help="CA to trust")
    parser.add_argument("--resource", default="demo-bot")
    parser.add_argument(
        "--show", default="chat", choices=["available", "chat", "away", "xa", "dnd"]
    )
    parser.add_argument("--status", default=DEFAULT_STATUS)
    parser.add_argument("--no-replies", action="store_true", help="stay silent")
    parser.add_argument("--ready-file", type=Path, help="created once the bot is online")
    return parser.parse_args(argv)


class _Rig:
    def __init__(self, host: str, port: int, ca_file: Path) -> None:
        self.host, self.port, self.direct_tls_port, self.ca_file = host, port, 0, ca_file


async def run(args: argparse.Namespace) -> int:
    lines = args.password_file.read_text().splitlines()
    password = lines[0] if lines else ""
    rig = _Rig(args.host, args.port, args.ca_file)
    client = make_client(rig, (args.jid, password), resource=args.resource)
    Peer(client, replies=not args.no_replies)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    lost = asyncio.Event()
    client.add_event_handler("disconnected", lambda _reason: lost.set())
    try:
        await connect(client, rig, presence=False, timeout=30)
    except ClientFailedError as error:
        print(f"peer: {error}", file=sys.stderr, flush=True)
        return 2
    show = "" if args.show == "available" else args.show
    client.send_presence(pshow=show, pstatus=args.status)
    if args.ready_file:
        args.ready_file.touch()
    print(f"peer: {client.boundjid.full} online ({args.show})", flush=True)
    _, pending = await asyncio.wait(
        [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())],
        return_when=asyncio.FIRST_COMPLETED,
    )
    for task in pending:
        task.cancel()
    if lost.is_set() and not stop.is_set():
        print("peer: connection lost", file=sys.stderr, flush=True)
        return 1
    await disconnect(client)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
