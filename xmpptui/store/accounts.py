"""Per-account settings xmpptui remembers by itself in ``config.toml``.

* the resource: generated once per install (``xmpptui-<host>-<4 random>``) and
  kept, so two machines never fight over the same full JID (each login with
  the same resource would kick the other one off with a ``<conflict/>``);
* the server key pins the user accepted on the trust screen;
* the last presence and status chosen.

All writes go through :mod:`xmpptui.store.config_writer`: comments and the
rest of the file are kept, a malformed file raises :class:`ConfigError` and is
left untouched. Each function has an ``*_async`` twin that runs it in a thread.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import string
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from xmpptui.models import SELECTABLE_SHOWS, Show
from xmpptui.store.config import AccountConfig, is_valid_pin
from xmpptui.store.config_writer import set_account_values, update_account

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_SUFFIX_LENGTH = 4
_HOST_MAX = 24
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def default_resource(hostname: str | None = None) -> str:
    """``xmpptui-<short host name>-<4 random lowercase letters/digits>``.

    The host name (default: this machine's) is cut at its first dot, folded to
    ASCII lowercase letters, digits and single dashes, and shortened; ``host``
    stands in when nothing is left.
    """
    name = socket.gethostname() if hostname is None else hostname
    short = name.strip().split(".", 1)[0]
    ascii_name = unicodedata.normalize("NFKD", short).encode("ascii", "ignore").decode("ascii")
    cleaned = _NOT_ALLOWED.sub("-", ascii_name.lower()).strip("-")
    cleaned = cleaned[:_HOST_MAX].rstrip("-") or "host"
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
    return f"xmpptui-{cleaned}-{suffix}"


def ensure_resource(path: Path, jid: str) -> str:
    """The account's ``resource`` from ``path``; generated and saved there first if unset.

    Creates the file and the account's table when needed. Raises
    :class:`ConfigError` if the config is malformed (nothing is written then).
    """
    generated: list[str] = []

    def pick(account: AccountConfig | None) -> dict[str, str]:
        if account is not None and account.resource:
            return {}
        generated.append(default_resource())
        return {"resource": generated[-1]}

    account = update_account(path, jid, pick)
    if account is not None and account.resource:
        return account.resource
    return generated[-1]


def add_pin(path: Path, jid: str, pin: str) -> tuple[str, ...]:
    """Append ``pin`` (``sha256/<base64>``) to the account's ``pinned_keys``, once.

    Returns the account's pins afterwards. Raises ValueError for a malformed pin.
    """
    _check_pins([pin])

    def append(account: AccountConfig | None) -> dict[str, list[str] | None]:
        pins = account.pinned_keys if account is not None else ()
        return {} if pin in pins else {"pinned_keys": [*pins, pin]}

    account = update_account(path, jid, append)
    return account.pinned_keys if account is not None else (pin,)


def replace_pins(path: Path, jid: str, pins: Iterable[str]) -> tuple[str, ...]:
    """Make ``pins`` (duplicates dropped, order kept) the account's ``pinned_keys``.

    No pins removes the key. Returns the pins written.
    """
    unique = list(dict.fromkeys(pins))
    _check_pins(unique)
    set_account_values(path, jid, {"pinned_keys": unique or None})
    return tuple(unique)


def remember_presence(path: Path, jid: str, show: Show, status: str) -> None:
    """Save ``show`` as ``presence`` and ``status`` (an empty status removes the key)."""
    if show not in SELECTABLE_SHOWS:
        choices = ", ".join(choice.value for choice in SELECTABLE_SHOWS)
        raise ValueError(f"{show.value} cannot be remembered as a presence (one of {choices})")
    set_account_values(path, jid, {"presence": show.value, "status": status or None})


async def ensure_resource_async(path: Path, jid: str) -> str:
    """:func:`ensure_resource` in a worker thread."""
    return await asyncio.to_thread(ensure_resource, path, jid)


async def add_pin_async(path: Path, jid: str, pin: str) -> tuple[str, ...]:
    """:func:`add_pin` in a worker thread."""
    return await asyncio.to_thread(add_pin, path, jid, pin)


async def replace_pins_async(path: Path, jid: str, pins: Iterable[str]) -> tuple[str, ...]:
    """:func:`replace_pins` in a worker thread."""
    return await asyncio.to_thread(replace_pins, path, jid, list(pins))


async def remember_presence_async(path: Path, jid: str, show: Show, status: str) -> None:
    """:func:`remember_presence` in a worker thread."""
    await asyncio.to_thread(remember_presence, path, jid, show, status)


def _check_pins(pins: Iterable[str]) -> None:
    for pin in pins:
        if not isinstance(pin, str) or not is_valid_pin(pin):
            raise ValueError(f"{pin!r} is not a key pin like sha256/<44 base64 characters>")
