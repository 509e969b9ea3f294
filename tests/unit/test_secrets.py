"""Keyring access off the loop, and the password command."""

from __future__ import annotations

import asyncio
import os
import select
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

from xmpptui.store.secrets import (
    KEYRING_SERVICE,
    KeyringUnavailable,
    PasswordCommandError,
    delete_password,
    get_password,
    run_password_command,
    store_password,
)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory backend that records which thread served each call."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}
        self.threads: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.current_thread())
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.current_thread())
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class BrokenKeyring(MemoryKeyring):
    """A backend failing the way a D-Bus backend can."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.NoReply: no reply\nsecond line")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"could not store {password}")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def use_keyring() -> Iterator[None]:
    """Restore whatever keyring was active before the test."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory(use_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


async def test_store_then_get_round_trips_off_the_loop_thread(memory: MemoryKeyring) -> None:
    await store_password("alice@example.org", "s3cret")

    assert await get_password("alice@example.org") == "s3cret"
    assert memory.store == {(KEYRING_SERVICE, "alice@example.org"): "s3cret"}
    assert memory.threads and threading.main_thread() not in memory.threads


async def test_missing_password_is_none(memory: MemoryKeyring) -> None:
    assert await get_password("nobody@example.org") is None


async def test_delete_reports_whether_something_was_stored(memory: MemoryKeyring) -> None:
    await store_password("alice@example.org", "s3cret")
    assert await delete_password("alice@example.org") is True
    assert await delete_password("alice@example.org") is False
    assert await get_password("alice@example.org") is None


async def test_no_backend_is_keyring_unavailable(use_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]

    with pytest.raises(KeyringUnavailable) as info:
        await get_password("alice@example.org")
    with pytest.raises(KeyringUnavailable):
        await store_password("alice@example.org", "s3cret")

    message = str(info.value)
    assert "No system keyring is available" in message
    assert "\n" not in message and "Traceback" not in message


async def test_backend_failure_is_one_sentence_without_the_password(use_keyring: None) -> None:
    keyring.set_keyring(BrokenKeyring())

    with pytest.raises(KeyringUnavailable) as read:
        await get_password("alice@example.org")
    with pytest.raises(KeyringUnavailable) as write:
        await store_password("alice@example.org", "s3cret-value")

    assert "NoReply" in str(read.value)
    assert "\n" not in str(read.value)
    assert "s3cret-value" not in str(write.value)
    assert write.value.__cause__ is None


async def test_locked_keyring_is_unavailable(use_keyring: None) -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailable, match="locked"):
        await get_password("alice@example.org")


async def test_password_command_returns_first_line() -> None:
    assert await run_password_command("printf 'pa ss \\nsecond\\n'") == "pa ss "
    assert await run_password_command("printf 'crlf\\r\\n'") == "crlf"
    assert await run_password_command("printf 'no-newline'") == "no-newline"


async def test_password_command_failure_has_code_and_stderr_but_not_stdout() -> None:
    with pytest.raises(PasswordCommandError) as info:
        await run_password_command("echo leaked-secret; echo 'gpg: decryption failed' >&2; exit 3")
    message = str(info.value)
    assert "exit code 3" in message
    assert "gpg: decryption failed" in message
    assert "leaked-secret" not in message


async def test_password_echoed_on_stderr_is_not_repeated() -> None:
    with pytest.raises(PasswordCommandError) as info:
        await run_password_command("echo topsecret; echo topsecret >&2; exit 1")
    assert "topsecret" not in str(info.value)


async def test_password_command_empty_output_is_an_error() -> None:
    with pytest.raises(PasswordCommandError, match="nothing"):
        await run_password_command("true")
    with pytest.raises(PasswordCommandError, match="nothing"):
        await run_password_command("printf '\\nsecond\\n'")


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfd_open")
async def test_password_command_timeout_kills_it_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    command = f"sleep 60 & echo $! > {pid_file}; wait"
    with pytest.raises(PasswordCommandError, match=r"did not finish within 0\.3 seconds"):
        # A surviving child would hold the pipes open and stall us for 60 s.
        await asyncio.wait_for(run_password_command(command, timeout=0.3), 20)

    child = int(pid_file.read_text())
    try:
        pidfd = os.pidfd_open(child)
    except ProcessLookupError:
        return  # already gone and reaped
    try:
        readable, _, _ = select.select([pidfd], [], [], 5)  # readable once it has exited
    finally:
        os.close(pidfd)
    assert readable, "the command's child process is still running"


async def test_password_command_that_cannot_run_is_an_error() -> None:
    with pytest.raises(PasswordCommandError, match="exit code 127"):
        await run_password_command("/nonexistent/definitely-not-here")


class UntouchableKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise AssertionError("the keyring was consulted")


async def test_a_password_command_wins_and_the_keyring_is_not_touched(use_keyring: None) -> None:
    from xmpptui.store.credentials import PasswordSource

    keyring.set_keyring(UntouchableKeyring())
    found = await PasswordSource("alice@example.org", "printf from-command").find()
    assert (found.password, found.source, found.notices) == ("from-command", "command", [])


async def test_a_failing_password_command_falls_back_to_the_keyring(memory: MemoryKeyring) -> None:
    from xmpptui.store.credentials import PasswordSource

    await store_password("alice@example.org", "from-keyring")
    found = await PasswordSource("alice@example.org", "exit 3").find()
    assert (found.password, found.source) == ("from-keyring", "keyring")
    assert len(found.notices) == 1 and "3" in found.notices[0]
