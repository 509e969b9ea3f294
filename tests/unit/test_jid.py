"""Splitting and light validation of JIDs (xmpptui.jid)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmpptui.jid import (
    bare,
    is_valid_bare_jid,
    is_valid_jid,
    normalize_bare_jid,
    split_jid,
)


@pytest.mark.parametrize(
    ("jid", "parts"),
    [
        ("alice@example.org", ("alice", "example.org", "")),
        ("alice@example.org/phone", ("alice", "example.org", "phone")),
        ("example.org", ("", "example.org", "")),
        ("example.org/admin", ("", "example.org", "admin")),
        # RFC 7622 3.1: the resource is everything after the first slash, @ included.
        ("alice@example.org/a@b/c", ("alice", "example.org", "a@b/c")),
        ("example.org/a@b", ("", "example.org", "a@b")),
        ("", ("", "", "")),
    ],
)
def test_split_jid(jid: str, parts: tuple[str, str, str]) -> None:
    assert split_jid(jid) == parts


@pytest.mark.parametrize(
    ("jid", "expected"),
    [
        ("alice@example.org/phone", "alice@example.org"),
        ("alice@example.org", "alice@example.org"),
        ("example.org/x@y", "example.org"),
        ("example.org", "example.org"),
    ],
)
def test_bare(jid: str, expected: str) -> None:
    assert bare(jid) == expected


def test_normalize_bare_jid_lowercases_composes_and_drops_resource() -> None:
    assert normalize_bare_jid("Alice@Example.ORG/Phone") == "alice@example.org"
    assert normalize_bare_jid("jose\u0301@example.org") == "jos\u00e9@example.org"


VALID_BARE = [
    "alice@example.org",
    "example.org",
    "localhost",
    "a@b",
    "юзер@пример.рф",
    "user@[::1]",
    "user@[2001:db8::1]",
    "user@192.0.2.1",
    "first.last+tag@example.org",
    "a" * 1023 + "@example.org",
]

INVALID_BARE = [
    "",
    "@example.org",  # empty localpart
    "alice@",  # empty domain
    "alice@example.org/phone",  # has a resource
    "alice @example.org",
    "alice@exa mple.org",
    "alice\t@example.org",
    'al"ice@example.org',
    "al&ice@example.org",
    "al'ice@example.org",
    "al:ice@example.org",
    "al<ice@example.org",
    "al>ice@example.org",
    "alice@bob@example.org",
    "alice@example.org:5222",
    "alice@.example.org",
    "alice@example..org",
    "alice@example.org.",
    "alice@[not-ipv6]",
    "al\x00ice@example.org",
    "alice@exa\x1bmple.org",
    "al\u202eice@example.org",  # bidi override
    "al\u200bice@example.org",  # zero width space
    "al\ud800ice@example.org",  # lone surrogate
    "a" * 1024 + "@example.org",  # localpart over 1023 bytes
    "é" * 512 + "@example.org",  # 1024 bytes of UTF-8 in 512 chars
    "alice@" + "d" * 1024,
]


@pytest.mark.parametrize("jid", VALID_BARE)
def test_valid_bare_jids(jid: str) -> None:
    assert is_valid_bare_jid(jid)
    assert is_valid_jid(jid)


@pytest.mark.parametrize("jid", INVALID_BARE)
def test_invalid_bare_jids(jid: str) -> None:
    assert not is_valid_bare_jid(jid)


@pytest.mark.parametrize(
    "jid",
    [
        "alice@example.org/phone",
        "alice@example.org/my phone",  # spaces are fine in a resource
        "example.org/a@b/c",
        "alice@example.org/" + "r" * 1023,
    ],
)
def test_valid_full_jids(jid: str) -> None:
    assert is_valid_jid(jid)
    assert not is_valid_bare_jid(jid)


@pytest.mark.parametrize(
    "jid",
    [
        "alice@example.org/",  # empty resource
        "alice@example.org/ph\x00one",
        "alice@example.org/" + "r" * 1024,
        "@example.org/phone",
        "a lice@example.org/phone",
    ],
)
def test_invalid_full_jids(jid: str) -> None:
    assert not is_valid_jid(jid)


@given(st.text())
def test_valid_bare_jids_have_no_whitespace_resource_or_controls(s: str) -> None:
    if is_valid_bare_jid(s):
        assert "/" not in s
        assert not any(ch.isspace() for ch in s)
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in s)
        assert bare(s) == s
        assert split_jid(s)[1]


@given(st.text(), st.text(), st.text())
def test_split_then_join_round_trips(local: str, domain: str, resource: str) -> None:
    local = local.replace("@", "").replace("/", "")
    domain = domain.replace("@", "").replace("/", "")
    jid = (f"{local}@" if local else "") + domain + (f"/{resource}" if resource else "")
    assert split_jid(jid) == (local, domain, resource)
