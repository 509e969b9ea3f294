"""Blank secrets out of text: stdlib only, so every layer may use it.

The log file (``store.logs``) and the XML console (``xmpp.xmlconsole``) both
pass what they show through :func:`redact`, which replaces with
``[redacted]``:

* SASL payloads: the content of ``<auth>``, ``<response>``, ``<challenge>``,
  ``<success>`` (and SASL2's ``<initial-response>``, ``<additional-data>``);
* ``<password>`` and ``<digest>`` elements (XEP-0077 registration and
  password change, XEP-0078);
* data-form fields of type ``text-private`` or whose name contains "pass";
* ``password=…``-style pairs (also ``token="…"`` attributes, XEP-0484);
* every string given to :func:`add_secret` (the passwords the app obtained).

The element patterns run in linear time on well-formed XML (every opening
tag has its closing tag); an element left open at the end of the text (a
cut log line) is blanked to the end.
"""

from __future__ import annotations

import re
import threading

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "add_secret", "redact"]

REDACTED = "[redacted]"
#: Secrets shorter than this are not registered (they would blank ordinary text).
MIN_SECRET_LENGTH = 4

# An element name ends at whitespace, "/" or ">": <auth-hint> is not <auth>.
_SECRET_ELEMENTS = re.compile(
    r"(<(?:[\w.-]+:)?(auth|response|challenge|success|password|digest|initial-response"
    r"|additional-data)(?=[\s/>])[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?\2\s*>|$)",
    re.DOTALL,
)
_PRIVATE_FIELDS = re.compile(
    r"(<(?:[\w.-]+:)?field(?=[\s/>])[^>]*?\b(?:type\s*=\s*[\"']text-private[\"']"
    r"|var\s*=\s*[\"'][^\"']*pass[^\"']*[\"'])[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?field\s*>|$)",
    re.DOTALL | re.IGNORECASE,
)
_SECRET_PAIRS = re.compile(
    r"\b(password|passwd|passphrase|pwd|secret|token)([\"']?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,;&)}\]]+)",
    re.IGNORECASE,
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def add_secret(value: str) -> None:
    """Never show ``value`` (e.g. a password just obtained) in a log or the XML console."""
    if len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every secret this module knows about replaced by ``[redacted]``."""
    text = _SECRET_ELEMENTS.sub(_blank_content, text)
    text = _PRIVATE_FIELDS.sub(_blank_content, text)
    text = _SECRET_PAIRS.sub(_blank_value, text)
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    return text


def _blank_content(match: re.Match[str]) -> str:
    groups = match.groups()  # (opening, [name,] content, closing)
    opening, content, closing = groups[0], groups[-2], groups[-1]
    return f"{opening}{REDACTED if content else ''}{closing}"


def _blank_value(match: re.Match[str]) -> str:
    value = match.group(3)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{match.group(2)}{quote}{REDACTED}{quote}"
