"""``python -m xmpptui.devtools.demo``: try xmpptui against a private server.

Starts a private Prosody with its state in ``./.demo/``, creates the user
``alice`` and her contacts (``bob`` answers every message, ``carol`` is away,
``dave`` and ``erin`` are offline), then runs the app as alice in the
foreground. Config, history, logs and keyring of the app are redirected into
``.demo/`` too, so the demo never touches your real ones. Quitting the app
stops everything. Accounts and history are kept between runs (``--fresh``
starts over).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from slixmpp import JID

from xmpptui.devtools.prosody import ProsodyError, ProsodyServer
from xmpptui.devtools.provision import befriend, online

USER = "alice"
#: Where this xmpptui is imported from, so child processes import the same one.
SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True, slots=True)
class DemoContact:
    """A contact of alice: roster name and groups, and how its bot behaves if online."""

    username: str
    name: str
    groups: tuple[str, ...]
    show: str = ""  # empty: offline, no bot
    status: str = ""
    replies: bool = False


CONTACTS = (
    DemoContact("bob", "Bob", ("Friends",), "chat", "Demo bot: I answer every message", True),
    DemoContact("carol", "Carol", ("Friends", "Work"), "away", "In a meeting until 3pm"),
    DemoContact("dave", "Dave", ("Work",)),
    DemoContact("erin", "Erin Example", ()),
)
FIRST_MESSAGE = ("dave", "Hi Alice! Bob is a bot: say hello to him, he answers everything.")


def password_for(state: Path, username: str) -> Path:
    """The file holding ``username``'s demo password (created, mode 0600, if missing)."""
    path = state / "passwords" / username
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(18) + "\n")
    return path


def read_password(path: Path) -> str:
    return path.read_text().splitlines()[0]


async def provision(server: ProsodyServer, state: Path, first_run: bool) -> None:
    """alice befriends every contact; on the first run dave leaves her a message."""
    alice = (f"{USER}@{server.domain}", read_password(password_for(state, USER)))
    for contact in CONTACTS:
        other = (
            f"{contact.username}@{server.domain}",
            read_password(password_for(state, contact.username)),
        )
        await befriend(
            server, alice, other, name_b_for_a=contact.name, groups=contact.groups,
            name_a_for_b="Alice", groups_a_for_b=("Friends",),
        )  # fmt: skip
    if first_run:
        sender, text = FIRST_MESSAGE
        creds = (f"{sender}@{server.domain}", read_password(password_for(state, sender)))
        async with online(server, creds) as client:
            client.send_message(mto=JID(alice[0]), mbody=text, mtype="chat")


def start_peer(server: ProsodyServer, state: Path, contact: DemoContact) -> subprocess.Popen[bytes]:
    """Start ``contact``'s bot; its output goes to ``.demo/logs/<name>.log``."""
    logs = state / "logs"
    logs.mkdir(exist_ok=True)
    ready = state / f"{contact.username}.ready"
    ready.unlink(missing_ok=True)
    argv = [
        sys.executable, "-m", "xmpptui.devtools.peer",
        "--jid", f"{contact.username}@{server.domain}",
        "--password-file", str(password_for(state, contact.username)),
        "--host", server.host, "--port", str(server.port), "--ca-file", str(server.ca_file),
        "--show", contact.show, "--status", contact.status, "--ready-file", str(ready),
    ]  # fmt: skip
    if not contact.replies:
        argv.append("--no-replies")
    with (logs / f"{contact.username}.log").open("ab") as log:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=child_environment(), start_new_session=True,
        )  # fmt: skip


def wait_ready(state: Path, peers: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
    """Wait until every bot created its ready file; raise if one exits or time runs out."""
    deadline = time.monotonic() + timeout
    waiting = dict(peers)
    while waiting:
        for name, process in list(waiting.items()):
            if (state / f"{name}.ready").exists():
                del waiting[name]
            elif process.poll() is not None:
                log = (state / "logs" / f"{name}.log").read_text(errors="replace")
                raise RuntimeError(f"the {name} bot exited early:\n{log[-2000:]}")
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"bots not online after {timeout:g}s: {', '.join(waiting)}")
        time.sleep(0.02)  # polling interval of a deadline-bounded wait


def child_environment() -> dict[str, str]:
    """Our environment, with this xmpptui importable by child Pythons."""
    path = os.pathsep.join(filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def terminate(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_environment(state: Path) -> dict[str, str]:
    """The environment for the app: XDG dirs and keyring kept inside ``state``."""
    env = child_environment()
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (state / sub).mkdir(exist_ok=True)
        env[var] = str(state / sub)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def app_command(args: argparse.Namespace, server: ProsodyServer, state: Path) -> list[str]:
    base = shlex.split(args.app_cmd) if args.app_cmd else [sys.executable, "-m", "xmpptui"]
    password_file = password_for(state, USER)
    return [
        *base, f"{USER}@{server.domain}",
        "--host", server.host, "--port", str(server.port), "--ca-file", str(server.ca_file),
        "--password-command", f"cat {shlex.quote(str(password_file))}",
    ]  # fmt: skip


def run_app(command: list[str], env: dict[str, str]) -> int:
    app = subprocess.Popen(command, env=env)
    try:
        return app.wait()
    except BaseException:  # SIGINT/SIGTERM: let the app restore the terminal first
        terminate(app)
        raise


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m xmpptui.devtools.demo", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(".demo"), help="default ./.demo")
    parser.add_argument("--fresh", action="store_true", help="delete the demo state first")
    parser.add_argument(
        "--app-cmd", help="run this instead of `python -m xmpptui` (JID and flags are appended)"
    )
    return parser.parse_args(argv)


LOCK_FILE = "demo.lock"
#: Seconds a new demo waits for one still running in the same state directory (one
#: whose terminal was just closed needs a moment to stop its Prosody and peers).
OTHER_DEMO_WAIT = 15.0


def claim_state(state: Path, wait: float | None = None) -> int | None:
    """Lock ``state`` for this demo (one Prosody per data directory: a second one
    fails at start-up with a page of Prosody's log). Waits up to ``wait`` seconds
    for a demo still running there to stop; the open lock file, or ``None``."""
    fd = os.open(state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + (OTHER_DEMO_WAIT if wait is None else wait)
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd  # held until this process exits
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            if not told:
                print(f"xmpptui demo: waiting for the demo running in {state} to stop…", flush=True)
                told = True
            time.sleep(0.1)  # polling a lock another process holds, with a deadline


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM, or SIGHUP (the terminal or tmux window closed): exit through the
    ``finally`` that stops Prosody and the peers (they run in sessions of their own,
    so nothing else would; the next demo then found Prosody still running). A closed
    terminal sends SIGHUP more than once: later ones are ignored, or they would cut
    that ``finally`` short and leave Prosody and the peers running all the same."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    state: Path = args.state_dir.resolve()
    state.mkdir(parents=True, exist_ok=True)
    if claim_state(state) is None:
        print(
            f"xmpptui demo: another demo is running in {state}; quit it first,"
            " or give this one --state-dir DIR.",
            file=sys.stderr,
        )
        return 1
    if args.fresh:  # everything but the lock this demo holds
        for child in state.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            elif child.name != LOCK_FILE:
                child.unlink(missing_ok=True)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    server = ProsodyServer(state / "prosody")
    first_run = not (state / "prosody" / "data").exists()
    peers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        server.start()
        for username in (USER, *(c.username for c in CONTACTS)):
            password = read_password(password_for(state, username))
            server.create_account(username, password, exist_ok=True)
        asyncio.run(provision(server, state, first_run))
        for contact in CONTACTS:
            if contact.show:
                peers[contact.username] = start_peer(server, state, contact)
        wait_ready(state, peers, timeout=30)
        print(
            f"xmpptui demo: Prosody on {server.host}:{server.port}, you are {USER}@{server.domain};"
            f" bob answers messages, carol is away (state in {state}). Quit the app to stop.",
            flush=True,
        )
        return run_app(app_command(args, server, state), app_environment(state))
    except (ProsodyError, RuntimeError, TimeoutError) as error:
        print(f"xmpptui demo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for name, process in peers.items():
            terminate(process)
            (state / f"{name}.ready").unlink(missing_ok=True)
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
