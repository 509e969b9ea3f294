"""Just enough of TOML to edit a valid file line by line, and to write values.

:func:`scan` splits a document that ``tomllib`` accepted into statements (table
headers, key/values with the exact span of their value, and trivia lines), so
an editor can replace or remove one key without touching a byte elsewhere.
:func:`toml_value` and :func:`toml_string` write values that parse back equal.
Stdlib only.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")  # controls, invisible formatting, line breaks


def toml_value(key: str, value: object) -> str:
    """``value`` (bool, int, str, list of str) in TOML; ``key`` names it in a TypeError."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(toml_string(item) for item in value) + "]"
    raise TypeError(f"{key}: a {type(value).__name__} cannot be written to config.toml")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and invisible characters escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError("the text contains a lone surrogate, which is not valid Unicode")
        elif unicodedata.category(char) in _ESCAPED_CATEGORIES:
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


class TomlScanError(Exception):
    """The scanner met TOML it does not understand (should not happen on valid input)."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One logical line: a table header, a key/value (maybe several lines), or trivia."""

    kind: str  # "table" | "array" | "keyval" | "trivia"
    path: tuple[str, ...]
    start: int  # the start of its first line
    key_start: int  # its first non-blank character
    value_end: int  # just after the value or the header's closing bracket
    end: int  # just after its last line's newline (or the end of the text)


def scan(text: str) -> list[Statement]:
    """Split valid TOML into statements."""
    statements: list[Statement] = []
    path: tuple[str, ...]
    pos = 0
    while pos < len(text):
        start = pos
        pos = key_start = _skip_blanks(text, pos)
        if pos >= len(text) or text[pos] in "#\r\n":
            kind, path = "trivia", ()
        elif text.startswith("[[", pos):
            kind, (path, pos) = "array", _key_path(text, pos + 2)
            pos = _expect(text, pos, "]]")
        elif text[pos] == "[":
            kind, (path, pos) = "table", _key_path(text, pos + 1)
            pos = _expect(text, pos, "]")
        else:
            kind, (path, pos) = "keyval", _key_path(text, pos)
            pos = _value_end(text, _skip_blanks(text, _expect(text, pos, "=")))
        newline = text.find("\n", pos)
        end = len(text) if newline < 0 else newline + 1
        statements.append(Statement(kind, path, start, key_start, pos, end))
        pos = end
    return statements


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _expect(text: str, pos: int, token: str) -> int:
    if not text.startswith(token, pos):
        raise TomlScanError(token)
    return pos + len(token)


def _key_path(text: str, pos: int) -> tuple[tuple[str, ...], int]:
    """A dotted key from ``pos``; returns it and the position of what follows it."""
    parts: list[str] = []
    while True:
        pos = _skip_blanks(text, pos)
        if pos < len(text) and text[pos] in "\"'":
            end = _string_end(text, pos)
            raw = text[pos:end]
            parts.append(_basic_key(raw) if raw[0] == '"' else raw[1:-1])
        elif match := _BARE_KEY.match(text, pos):
            end = match.end()
            parts.append(match.group())
        else:
            raise TomlScanError("key")
        pos = _skip_blanks(text, end)
        if not text.startswith(".", pos):
            return tuple(parts), pos
        pos += 1


def _basic_key(raw: str) -> str:
    try:
        key: str = tomllib.loads(f"k = {raw}")["k"]
    except tomllib.TOMLDecodeError:
        raise TomlScanError("quoted key") from None
    return key


def _value_end(text: str, pos: int) -> int:
    """Just after the value starting at ``pos`` (arrays may span lines)."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char in "\"'":
            pos = _string_end(text, pos)
            continue
        if char in "#\n" and depth == 0:
            break
        if char == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
            continue
        depth += (char in "[{") - (char in "]}")
        pos += 1
    while pos > 0 and text[pos - 1] in " \t\r":
        pos -= 1
    return pos


def _string_end(text: str, pos: int) -> int:
    """Just after the string (any of the four kinds) that starts at ``pos``."""
    quote = text[pos]
    escapes = quote == '"'
    if text.startswith(quote * 3, pos):
        closing, pos = quote * 3, pos + 3
    else:
        closing, pos = quote, pos + 1
    while pos < len(text):
        if escapes and text[pos] == "\\":
            pos += 2
        elif text.startswith(closing, pos):
            pos += len(closing)
            extra = 0  # '"""a""""' ends with a quote inside the string
            while len(closing) == 3 and extra < 2 and text.startswith(quote, pos):
                pos, extra = pos + 1, extra + 1
            return pos
        else:
            pos += 1
    raise TomlScanError("string")
