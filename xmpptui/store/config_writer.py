"""Write a few per-account settings into ``config.toml`` without harming the rest.

The edit is line-based: only the lines of the changed keys (and the new ones)
differ; comments, blank lines, other tables and the order of everything else
stay byte for byte. A key is replaced in place (all of its lines if the old
value spans several, an end-of-line comment kept), inserted after the last key
of ``[accounts."<jid>"]``, or removed (value ``None``). An account without a
table gets one at the end of the file; a missing file is created ``0600``.

Nothing is written unless the file parses and passes :func:`config.parse_config`
before and after the edit. The new text goes to a temporary file in the same
folder (``0600``, or the old file's mode if stricter), is synced, then replaces
the file with :func:`os.replace`. A symlinked config is written at its target.
Passwords are never written: the key ``password`` is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import sys
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from xmpptui.jid import is_valid_bare_jid
from xmpptui.store.config import ACCOUNT_KEYS, AccountConfig, Config, ConfigError, parse_config
from xmpptui.store.paths import PRIVATE_FILE_MODE, display_path, ensure_private_dir
from xmpptui.store.toml_lines import Statement, TomlScanError, scan, toml_string, toml_value

if sys.platform != "win32":
    import fcntl

#: A value :func:`set_account_values` can write; ``None`` removes the key.
Value = str | int | bool | list[str] | None

_PASSWORD_KEYS = ("password", "pass", "passwd")
_LOCK = threading.Lock()  # one read-modify-write at a time in this process


def set_account_values(path: Path, jid: str, values: Mapping[str, Value]) -> None:
    """Set (or with ``None`` remove) ``values`` in the ``[accounts."<jid>"]`` table of ``path``.

    Raises :class:`ConfigError` (and writes nothing) if the file cannot be read,
    does not parse, is invalid, would be invalid afterwards, or cannot be
    written; :class:`ValueError`/:class:`TypeError` for a bad JID, key or value.
    """
    _check_keys(values)
    update_account(path, jid, lambda _account: values)


async def set_account_values_async(path: Path, jid: str, values: Mapping[str, Value]) -> None:
    """:func:`set_account_values` in a worker thread, off the event loop."""
    await asyncio.to_thread(set_account_values, path, jid, dict(values))


def update_account(
    path: Path, jid: str, change: Callable[[AccountConfig | None], Mapping[str, Value]]
) -> AccountConfig | None:
    """Read, ``change``, write, as one step (serialised against other writers).

    ``change`` gets the account's current settings (``None`` if it has no table)
    and returns the values to set, as for :func:`set_account_values`. Returns
    the account's settings as written (``None`` if it still has none).
    """
    if not is_valid_bare_jid(jid):
        raise ValueError(f"{jid!r} is not a bare JID like user@example.org")
    target = Path(os.path.realpath(path))
    where = display_path(path)
    with _locked(target.parent):
        raw = _read(target, where)
        config = Config(path=path) if raw is None else parse_config(raw, path)
        current = config.account(jid)
        values = dict(change(current))
        _check_keys(values)
        old = "" if raw is None else raw.decode("utf-8")
        new = old
        for key, value in values.items():
            line = None if value is None else f"{key} = {toml_value(key, value)}"
            new = _edit(new, jid, key, line, where, exists=current is not None)
        if new == old:
            return current
        updated = _recheck(new, path, jid, where)
        _write_atomic(target, new.encode("utf-8"), where)
        return updated.account(jid)


# --- values -------------------------------------------------------------------------------


def _check_keys(values: Mapping[str, object]) -> None:
    for key in values:
        if key.casefold() in _PASSWORD_KEYS:
            raise ValueError(
                "xmpptui never writes a password to the config file; "
                "it belongs in the system keyring or a password_command"
            )
        if key not in ACCOUNT_KEYS:
            raise ValueError(f"{key!r} is not an account setting ({', '.join(ACCOUNT_KEYS)})")


def _edit(text: str, jid: str, key: str, line: str | None, where: str, *, exists: bool) -> str:
    """``text`` with ``key`` set to ``line`` (``None``: removed) in the account's table."""
    try:
        header, members = _locate(scan(text), jid)
    except TomlScanError:
        message = f"{where} could not be edited automatically; it was left unchanged."
        raise ConfigError(message) from None
    newline = "\r\n" if "\r\n" in text else "\n"
    if header is None:
        if exists and line is not None:
            raise ConfigError(
                f'{where}: the settings of {jid} are not written as an [accounts."{jid}"] table, '
                "so xmpptui cannot update them; the file was left unchanged."
            )
        return text if line is None else _append_table(text, jid, line, newline)
    for member in members:
        if member.path == (key,):
            if line is None:
                return text[: member.start] + text[member.end :]
            return text[: member.key_start] + line + text[member.value_end :]
    if line is None:
        return text
    anchor = members[-1] if members else header
    indent = text[anchor.start : anchor.key_start] if members else ""
    at = anchor.end
    lead = newline if at > 0 and text[at - 1] != "\n" else ""
    return text[:at] + lead + indent + line + newline + text[at:]


def _append_table(text: str, jid: str, line: str, newline: str) -> str:
    if text and not text.endswith("\n"):
        text += newline
    if text.strip() and not text.endswith(newline * 2):
        text += newline
    return f"{text}[accounts.{toml_string(jid)}]{newline}{line}{newline}"


def _locate(statements: list[Statement], jid: str) -> tuple[Statement | None, list[Statement]]:
    """The account's table header and its key/value statements."""
    header: Statement | None = None
    members: list[Statement] = []
    inside = False
    for statement in statements:
        if statement.kind in ("table", "array"):
            path = statement.path
            inside = (
                statement.kind == "table"
                and len(path) == 2
                and path[0] == "accounts"
                and path[1].casefold() == jid.casefold()
            )
            if inside:
                header = statement
        elif statement.kind == "keyval" and inside:
            members.append(statement)
    return header, members


# --- files --------------------------------------------------------------------------------


def _recheck(text: str, path: Path, jid: str, where: str) -> Config:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            f"{where}: xmpptui could not add the settings of {jid} without restructuring the "
            f'file (use [accounts."{jid}"] tables); it was left unchanged.'
        ) from None
    return parse_config(text.encode("utf-8"), path)


def _read(target: Path, where: str) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(
            f"{where} cannot be read: {exc.strerror or type(exc).__name__}."
        ) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """This process's lock, plus an advisory lock on the folder against other processes."""
    with _LOCK:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            fd = -1  # no folder yet: nothing to race on but its creation
        try:
            if fd >= 0 and sys.platform != "win32":
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd >= 0:
                os.close(fd)


def _write_atomic(target: Path, data: bytes, where: str) -> None:
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode) & PRIVATE_FILE_MODE
        except FileNotFoundError:
            mode = PRIVATE_FILE_MODE
        folder = ensure_private_dir(target.parent)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as file:
                os.fchmod(file.fileno(), mode)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_folder(folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"{where} cannot be written: {reason}.") from None


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
