"""Command line entry point: ``xmpptui [JID] [options]``.

Everything that can be checked before the UI starts (the JID, the port, the CA
file, the config file) is checked here: a sentence on stderr and exit code 2.
This is the only place an event loop is created: the session is built inside
it, so Textual and slixmpp share one loop.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xmpptui import __version__, heap
from xmpptui.jid import is_valid_bare_jid, split_jid
from xmpptui.models import Show
from xmpptui.store import paths
from xmpptui.store.accounts import default_resource, ensure_resource
from xmpptui.store.config import AccountConfig, ConfigError, load_config

log = logging.getLogger("xmpptui")

EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line or config; one sentence."""


@dataclass(frozen=True, slots=True)
class Launch:
    """Everything needed to start the app for one account."""

    jid: str
    host: str | None
    port: int | None
    resource: str
    password_command: str | None
    ca_file: Path | None
    direct_tls: bool | None
    pinned_keys: tuple[str, ...]
    register: bool
    keymap: dict[str, str]
    bell: bool
    priority: int
    presence: Show
    status: str


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xmpptui",
        description="A keyboard-driven terminal chat client for XMPP (Jabber).",
    )
    parser.add_argument("jid", nargs="?", help="the account to use, e.g. alice@example.org")
    parser.add_argument("--host", help="connect to HOST instead of looking up the JID's domain")
    parser.add_argument("--port", type=int, help="connect to PORT (default 5222, with --host)")
    parser.add_argument(
        "--resource",
        help="resource name (default: xmpptui-<host>-<4 random chars>, kept in config)",
    )
    parser.add_argument("--register", action="store_true", help="create the account first")
    parser.add_argument(
        "--password-command",
        metavar="CMD",
        help="run CMD in a shell and use the first line it prints as the password",
    )
    parser.add_argument("--ca-file", metavar="PATH", help="trust this CA or certificate for TLS")
    parser.add_argument("--debug", action="store_true", help="log the XML stream (redacted)")
    parser.add_argument("--version", action="version", version=f"xmpptui {__version__}")
    return parser


def installation_resource(jid: str) -> str:
    """The resource kept in config for this installation (created on first use).

    If the config cannot be written (read-only, or the account is not a plain
    table), an unsaved random one is used: never a shared, predictable name.
    """
    try:
        return ensure_resource(paths.config_file(), jid)
    except (ConfigError, OSError) as error:
        log.warning("could not save the resource in the config: %s", error)
        return default_resource()


def resolve(args: argparse.Namespace) -> Launch:
    """Merge the command line with the config file; raise UsageError on problems."""
    try:
        config = load_config()
    except ConfigError as error:
        raise UsageError(str(error)) from None
    jid = args.jid
    if not jid:
        if len(config.accounts) == 1:
            jid = config.accounts[0].jid
        else:
            raise UsageError("Which account? Run: xmpptui alice@example.org")  # main() picks
    if not is_valid_bare_jid(jid):
        resource = split_jid(jid)[2] if "@" in jid else ""
        if resource:
            raise UsageError(f"{jid!r} has a resource; give the bare JID and use --resource.")
        raise UsageError(f"{jid!r} is not a valid JID (expected name@domain).")
    account = config.account(jid) or AccountConfig(jid=jid)
    port = args.port if args.port is not None else account.port
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port must be from 1 to 65535, not {port}.")
    host = args.host or account.host
    if port is not None and not host:
        host = jid.partition("@")[2]
    if host and port is None:
        port = 5222
    ca_file = Path(args.ca_file).expanduser() if args.ca_file else account.ca_file
    if ca_file is not None and not ca_file.is_file():
        raise UsageError(f"The CA file {ca_file} does not exist or is not a file.")
    return Launch(
        jid=jid,
        host=host,
        port=port,
        resource=args.resource or account.resource or installation_resource(jid),
        password_command=args.password_command or account.password_command,
        ca_file=ca_file,
        direct_tls=None if account.tls is None else account.tls == "direct",
        pinned_keys=account.pinned_keys,
        register=bool(args.register),
        keymap=dict(config.keys),
        bell=config.ui.bell,
        priority=account.priority,
        presence=account.presence,
        status=account.status,
    )


async def run_app(launch: Launch) -> int:
    """Build the store, the session factory and the app inside the running loop."""
    from xmpptui.app import XmppTuiApp
    from xmpptui.store.accounts import remember_presence_async, replace_pins_async
    from xmpptui.store.credentials import PasswordSource
    from xmpptui.store.history import AsyncHistory, HistoryError
    from xmpptui.ui import pace
    from xmpptui.xmpp import client
    from xmpptui.xmpp.registration import NetworkRegistrar, RegistrationTarget
    from xmpptui.xmpp.session import ConnectionSettings, XmppSession

    client.yield_to(pace.key_pending)  # a typed key goes before a burst's next slice

    def make_session(password: str) -> XmppSession:
        return XmppSession(
            ConnectionSettings(
                jid=launch.jid,
                password=password,
                resource=launch.resource,
                host=launch.host,
                port=launch.port,
                ca_file=launch.ca_file,
                direct_tls=launch.direct_tls,
                pins=launch.pinned_keys,
                priority=launch.priority,
            )
        )

    local, _, domain = launch.jid.partition("@")
    registrar = NetworkRegistrar(
        RegistrationTarget(
            domain=domain,
            host=launch.host,
            port=launch.port,
            ca_file=launch.ca_file,
            direct_tls=launch.direct_tls,
            username=local,
        )
    )

    async def save_pins(pins: tuple[str, ...]) -> None:
        await replace_pins_async(paths.config_file(), launch.jid, pins)

    async def save_presence(show: Show, status: str) -> None:
        await remember_presence_async(paths.config_file(), launch.jid, show, status)

    history = AsyncHistory(paths.history_db())
    try:
        await history.open()
    except (HistoryError, OSError) as error:
        await history.close()
        print(f"xmpptui: cannot open the history database: {error}", file=sys.stderr)
        return 1
    app = XmppTuiApp(
        launch.jid,
        make_session,
        PasswordSource(launch.jid, launch.password_command),
        history=history,
        presence=launch.presence,
        status=launch.status,
        save_pins=save_pins,
        save_presence=save_presence,
        keymap=launch.keymap,
        bell=launch.bell,
        registrar=registrar,
        register_first=launch.register,
    )
    try:
        code = await app.run_async()
    finally:
        if app.session is not None:
            await app.session.close()
        await history.close()
    return code or 0


def pick_account() -> tuple[str, bool] | None:
    """``xmpptui`` with no JID: the account picker (add / create included)."""
    from xmpptui.jid import normalize_bare_jid
    from xmpptui.ui.picker import AccountPickerApp

    try:
        accounts = [account.jid for account in load_config().accounts]
    except ConfigError as error:
        raise UsageError(str(error)) from None
    pick = AccountPickerApp(accounts, is_valid_bare_jid).run()
    if pick is None:
        return None
    return normalize_bare_jid(pick.jid), pick.create


#: Textual draws at most ``TEXTUAL_FPS`` frames a second, on a fixed grid: a key
#: typed just after a frame waited up to 16.7 ms (at its default 60) for the next
#: slot, whatever the machine's speed. Our widgets pace their own redraws (the
#: roster at 60/s, a stream of messages at 4/s), so the grid is made fine enough
#: not to matter; a value set by the user wins.
FRAME_RATE_CAP = "1000"

#: Seconds a busy thread may hold the GIL while another waits for it (CPython's
#: default: 0.005). Keys are read on the terminal driver's thread and frames
#: written on Textual's, and each hop between a thread and the loop takes the GIL
#: once or more. Right after a login with 5,000 contacts, the loop spends a second
#: parsing the server's "offline" answers in 3 ms slices, back to back: a key then
#: waited 40-150 ms to get from the terminal to the app (one filter key in twelve).
#: At 1 ms it gets there within a few; the burst's CPU time measured the same.
SWITCH_INTERVAL = 0.001


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TEXTUAL_FPS", FRAME_RATE_CAP)  # before Textual is imported
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if not args.jid and sys.stdin.isatty() and sys.stdout.isatty():
            picked = pick_account()
            if picked is None:
                return 0
            args.jid, create = picked
            args.register = args.register or create
        launch = resolve(args)
    except UsageError as error:
        print(f"xmpptui: {error}", file=sys.stderr)
        return EXIT_USAGE
    heap.pause()  # until the roster is drawn: see xmpptui/heap.py
    sys.setswitchinterval(SWITCH_INTERVAL)  # keys and frames cross threads: see above
    from xmpptui.store.logs import setup_logging

    try:
        setup_logging(paths.log_file(), logging.DEBUG if args.debug else logging.INFO)
    except OSError as error:
        print(f"xmpptui: cannot write the log file: {error}", file=sys.stderr)
        return 1
    log.info("starting xmpptui %s for %s", __version__, launch.jid)
    try:
        return asyncio.run(run_app(launch))
    except KeyboardInterrupt:
        return 130
