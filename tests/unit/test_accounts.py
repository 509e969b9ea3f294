"""accounts: the resource chosen once per install, key pins, the remembered presence."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import socket
import stat
from pathlib import Path

import pytest

from xmpptui.models import Show
from xmpptui.store.accounts import (
    add_pin,
    add_pin_async,
    default_resource,
    ensure_resource,
    ensure_resource_async,
    remember_presence,
    remember_presence_async,
    replace_pins,
    replace_pins_async,
)
from xmpptui.store.config import ConfigError, load_config

RESOURCE = re.compile(r"^xmpptui-[a-z0-9-]+-[a-z0-9]{4}$")
JID = "alice@example.org"


def pin(seed: str) -> str:
    return "sha256/" + base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


PIN_A, PIN_B, PIN_C = pin("a"), pin("b"), pin("c")


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


@pytest.mark.parametrize(
    ("hostname", "middle"),
    [
        ("laptop", "laptop"),
        ("Laptop.Example.ORG", "laptop"),
        ("my_box 2", "my-box-2"),
        ("Café-Crème", "cafe-creme"),
        ("--weird--", "weird"),
        ("日本", "host"),
        ("", "host"),
        ("a" * 80, "a" * 24),
    ],
)
def test_default_resource_has_a_clean_host_and_a_random_suffix(hostname: str, middle: str) -> None:
    resource = default_resource(hostname)
    assert RESOURCE.match(resource), resource
    assert resource.startswith(f"xmpptui-{middle}-")
    assert len(resource) == len(f"xmpptui-{middle}-") + 4


def test_default_resource_uses_this_machines_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "Workstation.lan")
    assert default_resource().startswith("xmpptui-workstation-")


def test_ensure_resource_generates_once_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "xmpptui" / "config.toml"
    first = ensure_resource(path, JID)
    assert RESOURCE.match(first), first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_config(path).account(JID) is not None
    assert load_config(path).account(JID).resource == first  # type: ignore[union-attr]
    before = snapshot(path)
    assert ensure_resource(path, JID) == first
    assert ensure_resource(path, JID.upper()) == first  # JIDs ignore case
    assert snapshot(path) == before  # nothing rewritten


def test_ensure_resource_adds_to_an_existing_table_and_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = f'# mine\n[accounts."{JID}"]\nport = 5222  # note\n\n[ui]\nbell = false\n'
    path.write_text(text, encoding="utf-8")
    resource = ensure_resource(path, JID)
    assert path.read_text(encoding="utf-8") == text.replace(
        "# note\n", f'# note\nresource = "{resource}"\n'
    )


def test_a_configured_resource_is_returned_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[accounts."{JID}"]\nresource = "my desk"\n', encoding="utf-8")
    before = snapshot(path)
    assert ensure_resource(path, JID) == "my desk"
    assert snapshot(path) == before


def test_ensure_resource_on_a_malformed_config_raises_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[accounts."{JID}"]\nport = = 1\n', encoding="utf-8")
    before = snapshot(path)
    with pytest.raises(ConfigError, match="line 2"):
        ensure_resource(path, JID)
    assert snapshot(path) == before
    assert os.listdir(tmp_path) == ["config.toml"]


def test_different_installs_get_different_resources(tmp_path: Path) -> None:
    resources = [ensure_resource(tmp_path / f"install{n}" / "config.toml", JID) for n in range(50)]
    assert all(RESOURCE.match(resource) for resource in resources)
    # 36**4 suffixes: two installs share one with probability 1 in 1.7 million. Among 50,
    # one shared pair has odds of about 1 in 1,400 (birthday bound), two pairs about 1 in
    # 4 million: allowing one keeps this test from ever being flaky in practice.
    assert len(set(resources)) >= 49
    assert [ensure_resource(tmp_path / f"install{n}" / "config.toml", JID) for n in range(50)] == (
        resources
    )


def test_add_pin_appends_once_and_keeps_order(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert add_pin(path, JID, PIN_B) == (PIN_B,)
    assert add_pin(path, JID, PIN_A) == (PIN_B, PIN_A)
    before = snapshot(path)
    assert add_pin(path, JID, PIN_B) == (PIN_B, PIN_A)
    assert snapshot(path) == before
    assert load_config(path).account(JID).pinned_keys == (PIN_B, PIN_A)  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", ["", "sha256/", "sha1/" + PIN_A[7:], PIN_A[:-1], PIN_A + "\n"])
def test_a_malformed_pin_is_refused_without_writing(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "config.toml"
    add_pin(path, JID, PIN_A)
    before = snapshot(path)
    with pytest.raises(ValueError, match="not a key pin"):
        add_pin(path, JID, bad)
    with pytest.raises(ValueError, match="not a key pin"):
        replace_pins(path, JID, [PIN_B, bad])
    assert snapshot(path) == before


def test_replace_pins_replaces_a_multi_line_list(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[accounts."{JID}"]\npinned_keys = [\n  "{PIN_A}",\n  "{PIN_B}",\n]\nport = 5222\n',
        encoding="utf-8",
    )
    assert replace_pins(path, JID, [PIN_C, PIN_B, PIN_C]) == (PIN_C, PIN_B)
    assert path.read_text(encoding="utf-8") == (
        f'[accounts."{JID}"]\npinned_keys = ["{PIN_C}", "{PIN_B}"]\nport = 5222\n'
    )
    assert replace_pins(path, JID, []) == ()
    assert path.read_text(encoding="utf-8") == f'[accounts."{JID}"]\nport = 5222\n'


def test_remember_presence_writes_presence_and_status(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    remember_presence(path, JID, Show.DND, 'In a "meeting" \\ back at 3')
    account = load_config(path).account(JID)
    assert account is not None
    assert (account.presence, account.status) == (Show.DND, 'In a "meeting" \\ back at 3')
    remember_presence(path, JID, Show.AVAILABLE, "")
    assert path.read_text(encoding="utf-8") == f'[accounts."{JID}"]\npresence = "available"\n'


def test_offline_is_not_a_presence_to_remember(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ValueError, match="offline"):
        remember_presence(path, JID, Show.OFFLINE, "")
    assert not path.exists()


async def test_the_async_twins_work_inside_a_running_loop(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    resource = await ensure_resource_async(path, JID)
    assert await add_pin_async(path, JID, PIN_A) == (PIN_A,)
    assert await replace_pins_async(path, JID, iter([PIN_B, PIN_C])) == (PIN_B, PIN_C)
    await remember_presence_async(path, JID, Show.AWAY, "lunch")
    account = load_config(path).account(JID)
    assert account is not None
    assert (account.resource, account.pinned_keys, account.presence, account.status) == (
        resource,
        (PIN_B, PIN_C),
        Show.AWAY,
        "lunch",
    )


def test_the_suffix_comes_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    picks = iter("w1z9")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(picks))
    assert default_resource("box") == "xmpptui-box-w1z9"
