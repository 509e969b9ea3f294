"""JID helpers every layer may use (stdlib only).

A JID is ``[localpart@]domainpart[/resourcepart]`` (RFC 7622). These helpers
split and *lightly* validate JIDs typed by the user or read from config; they do
not implement PRECIS or IDNA. The checks:

* the domainpart is non-empty, has no empty label (``a..b``, ``.a``, ``a.``),
  no whitespace, no control or invisible format character, none of
  ``@ / \\ " & ' < > [ ] :`` except as an IPv6 literal ``[...]``;
* the localpart, when there is an ``@``, is non-empty and contains none of the
  characters RFC 7622 section 3.3.1 forbids (``" & ' / : < > @``), no space or
  other whitespace, no control or invisible format character (ZWNJ/ZWJ allowed);
* a resourcepart, when there is a ``/``, is non-empty and has no control
  character (spaces are allowed, as in RFC 7622's OpaqueString);
* each part is at most 1023 bytes of UTF-8 and the whole JID at most 3071.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "MAX_JID_BYTES",
    "MAX_PART_BYTES",
    "bare",
    "is_valid_bare_jid",
    "is_valid_jid",
    "normalize_bare_jid",
    "split_jid",
]

MAX_PART_BYTES: Final = 1023
MAX_JID_BYTES: Final = 3071

_LOCAL_FORBIDDEN: Final = frozenset("\"&'/:<>@")
_DOMAIN_FORBIDDEN: Final = frozenset("@/\\\"&'<>[]:")
_JOINERS: Final = frozenset("\u200c\u200d")  # ZWNJ/ZWJ: needed by some scripts
_IPV6_LITERAL: Final = re.compile(r"\[[0-9A-Fa-f:.]+\]")


def split_jid(s: str) -> tuple[str, str, str]:
    """Split ``s`` into ``(localpart, domainpart, resourcepart)`` as RFC 7622 section 3.1 does.

    The resource is everything after the first ``/``; the localpart is what comes
    before the first ``@`` that precedes that ``/``. A missing part is ``""``
    (so ``"@example.org"`` and ``"example.org"`` split alike: validate with
    ``is_valid_bare_jid``/``is_valid_jid``, not by the split). Nothing is checked.
    """
    head, _slash, resource = s.partition("/")
    local, at, domain = head.partition("@")
    if not at:
        return "", head, resource
    return local, domain, resource


def bare(s: str) -> str:
    """The bare JID (``local@domain`` or ``domain``) of ``s``, dropping any resource."""
    local, domain, _resource = split_jid(s)
    return f"{local}@{domain}" if local else domain


def normalize_bare_jid(s: str) -> str:
    """``bare(s)`` in NFC and lower case, the form roster JIDs are compared in.

    This approximates RFC 7622's case mapping of the localpart and domainpart;
    it does not make an invalid JID valid.
    """
    return unicodedata.normalize("NFC", bare(s)).lower()


def _utf8_len(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def _has_bad_char(s: str, forbidden: frozenset[str]) -> bool:
    for ch in s:
        if ch in forbidden or ch.isspace():
            return True
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or (category == "Cf" and ch not in _JOINERS):
            return True
    return False


def _valid_domain(domain: str) -> bool:
    if not domain or _utf8_len(domain) > MAX_PART_BYTES:
        return False
    if _IPV6_LITERAL.fullmatch(domain):
        return True
    if _has_bad_char(domain, _DOMAIN_FORBIDDEN):
        return False
    return all(domain.split("."))


def _valid_local(local: str) -> bool:
    return (
        bool(local)
        and _utf8_len(local) <= MAX_PART_BYTES
        and not _has_bad_char(local, _LOCAL_FORBIDDEN)
    )


def _valid_resource(resource: str) -> bool:
    return (
        bool(resource)
        and _utf8_len(resource) <= MAX_PART_BYTES
        and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in resource)
    )


def _valid_local_and_domain(s: str) -> bool:
    head = s.partition("/")[0]
    local, at, domain = head.partition("@")
    if not at:
        return _valid_domain(head)
    return _valid_local(local) and _valid_domain(domain)


def is_valid_bare_jid(s: str) -> bool:
    """Whether ``s`` is a plausible bare JID: ``local@domain`` or ``domain``, no resource."""
    return "/" not in s and _utf8_len(s) <= MAX_JID_BYTES and _valid_local_and_domain(s)


def is_valid_jid(s: str) -> bool:
    """Whether ``s`` is a plausible bare or full JID (``local@domain/resource``)."""
    if _utf8_len(s) > MAX_JID_BYTES or not _valid_local_and_domain(s):
        return False
    _head, slash, resource = s.partition("/")
    return not slash or _valid_resource(resource)
