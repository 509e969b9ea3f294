"""Passwords: the OS keyring and the user's password command.

Nothing here blocks the asyncio loop. Keyring calls (D-Bus may wait on an
unlock prompt for as long as the user likes) run in a *daemon* thread, so a
prompt that is never answered cannot keep the program from exiting; wrap a
call in :func:`asyncio.wait_for` to give up on it. The password command runs
as an asyncio subprocess.

Errors are one user-facing sentence; passwords are never logged and never
put in an error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

KEYRING_SERVICE = "xmpptui"

log = logging.getLogger(__name__)
T = TypeVar("T")
_V = TypeVar("_V")

_NO_BACKEND = (
    "No system keyring is available (for example no Secret Service is running), "
    "so the password cannot be remembered; use --password-command or type it each time."
)
_LOCKED = "The system keyring is locked and was not unlocked, so the password cannot be used."
_MAX_DETAIL = 160


class KeyringUnavailable(Exception):
    """The keyring cannot be used; ``str(error)`` is one sentence for the user."""


class PasswordCommandError(Exception):
    """The password command gave no password; ``str(error)`` is one sentence."""


def _keyring() -> ModuleType:
    """The keyring package, imported on first use inside the worker thread: its
    import (~30 ms, backend discovery) stays off the UI's start-up path."""
    import keyring
    import keyring.errors

    return keyring


async def get_password(bare_jid: str) -> str | None:
    """The password stored for ``bare_jid``, or ``None`` if there is none.

    Raises :class:`KeyringUnavailable` when no usable keyring backend exists.
    """
    return await _keyring_call(
        lambda: _keyring().get_password(KEYRING_SERVICE, bare_jid), "read the password"
    )


async def store_password(bare_jid: str, password: str) -> None:
    """Remember ``password`` for ``bare_jid`` in the keyring.

    Raises :class:`KeyringUnavailable` when no usable keyring backend exists.
    """
    await _keyring_call(
        lambda: _keyring().set_password(KEYRING_SERVICE, bare_jid, password),
        "store the password",
        secret=password,
    )


async def delete_password(bare_jid: str) -> bool:
    """Forget the password for ``bare_jid``; ``False`` if none was stored.

    Raises :class:`KeyringUnavailable` when no usable keyring backend exists.
    """

    def delete() -> bool:
        keyring = _keyring()
        try:
            keyring.delete_password(KEYRING_SERVICE, bare_jid)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return await _keyring_call(delete, "forget the password")


async def _keyring_call(func: Callable[[], T], action: str, secret: str = "") -> T:
    """Run ``func`` in a daemon thread; turn any failure into KeyringUnavailable."""
    try:
        return await _in_daemon_thread(func)
    except Exception as exc:
        errors = _keyring().errors  # already imported by the thread that raised
        if isinstance(exc, errors.NoKeyringError):
            raise KeyringUnavailable(_NO_BACKEND) from None
        if isinstance(exc, errors.KeyringLocked):
            raise KeyringUnavailable(_LOCKED) from None
        detail = _detail(exc, secret)
        log.warning("keyring failed to %s: %s", action, detail)
        raise KeyringUnavailable(
            f"The system keyring could not {action} ({detail}); "
            "use --password-command or type the password each time."
        ) from None


def _detail(exc: BaseException, secret: str) -> str:
    """A short, single-line, secret-free description of ``exc``."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if secret and secret in text:
        text = text.replace(secret, "…")
    text = text[:_MAX_DETAIL]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _in_daemon_thread(func: Callable[[], T]) -> T:
    """Run ``func`` in a fresh daemon thread and await its result."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(setter: Callable[[_V], None], value: _V) -> None:
        if not future.done():  # not when the awaiting task was cancelled
            setter(value)

    def work() -> None:
        try:
            result = func()
        except BaseException as exc:
            _post(loop, deliver, future.set_exception, exc)
        else:
            _post(loop, deliver, future.set_result, result)

    threading.Thread(target=work, name="xmpptui-keyring", daemon=True).start()
    return await future


def _post(loop: asyncio.AbstractEventLoop, deliver: Callable[..., None], *args: object) -> None:
    """Schedule ``deliver(*args)`` on ``loop`` from another thread, if it still runs."""
    with contextlib.suppress(RuntimeError):  # the loop is already closed
        loop.call_soon_threadsafe(deliver, *args)


async def run_password_command(cmd: str, timeout: float = 30) -> str:
    """Run ``cmd`` through the shell and return the first line of its output.

    The trailing newline (``\\n`` or ``\\r\\n``) is removed; nothing else is
    stripped. Raises :class:`PasswordCommandError` if the command cannot
    start, exits non-zero (the message has the exit code and the first line
    of stderr, never stdout), prints an empty first line, or runs longer than
    ``timeout`` seconds (it is then killed, with its children).
    """
    try:
        proc = await asyncio.create_subprocess_shell(
            cmd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            process_group=0,  # own group: a timeout kills the shell and its children
        )
    except OSError as exc:
        raise PasswordCommandError(
            f"The password command could not be started ({exc.strerror or exc})."
        ) from None
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        await _kill_group(proc)
        raise PasswordCommandError(
            f"The password command did not finish within {timeout:g} seconds and was stopped."
        ) from None
    except BaseException:
        await _kill_group(proc)
        raise
    return _first_line(stdout, stderr, proc.returncode)


def _first_line(stdout: bytes, stderr: bytes, returncode: int | None) -> str:
    """The password from the command's output, or PasswordCommandError."""
    first = stdout.split(b"\n", 1)[0].removesuffix(b"\r")
    if returncode:
        raise PasswordCommandError(_exit_sentence(returncode, stderr, first))
    try:
        password = first.decode("utf-8")
    except UnicodeDecodeError:
        raise PasswordCommandError(
            "The password command printed a first line that is not valid UTF-8 text."
        ) from None
    if not password:
        raise PasswordCommandError("The password command printed nothing on its first line.")
    return password


def _exit_sentence(returncode: int, stderr: bytes, secret: bytes) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        head = f"The password command was killed by {name}"
    else:
        head = f"The password command failed with exit code {returncode}"
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    line = lines[0].strip() if lines else ""
    if secret and secret.decode("utf-8", "replace") in line:
        line = ""  # the command echoed its password to stderr: do not repeat it
    line = line[:_MAX_DETAIL].rstrip(".")
    return f"{head}: {line}." if line else f"{head}."


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """Kill the process group of ``proc`` and reap the shell."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()
