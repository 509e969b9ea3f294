"""Turn untrusted strings into inert display values: the only way text from the
network or the store reaches the screen.

Untrusted means anything a remote party or a corrupted database could control:
message bodies, nicknames, roster names, status texts, JIDs, resources, error
texts from the server. Two kinds of field get two cleaners:

``clean_body(s)`` (message bodies, multi-line)
    * ``\\r\\n`` and lone ``\\r`` become ``\\n``; U+2028/U+2029 become ``\\n``.
    * Every other C0 control (U+0000-U+001F except ``\\n`` and ``\\t``), DEL
      (U+007F), every C1 control (U+0080-U+009F, including the 8-bit CSI U+009B
      and OSC U+009D) and every lone surrogate is replaced, one for one, by
      U+FFFD ``�`` (``REPLACEMENT``). An escape sequence such as ``ESC [2J`` or
      ``ESC ]52;c;...BEL`` therefore shows as ``�[2J`` / ``�]52;c;...�``: the
      terminal never sees the ESC, the user sees that something odd was sent,
      and no text of the message is hidden.
    * Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
      removed: they can reorder what a message appears to say. The bidi *marks*
      (LRM, RLM, ALM), zero-width joiners and tag characters are kept, because
      right-to-left scripts, Indic scripts and emoji sequences need them.

``clean_identity(s, max_len=64)`` (names, nicks, JIDs, statuses, tab titles, toasts)
    * Same control replacement as bodies, but ``\\t``, ``\\n``, ``\\r``, VT, FF,
      U+2028/U+2029 and every other whitespace run collapse to one space, and
      leading/trailing whitespace is dropped: the result is one line.
    * Removed outright (they are invisible and only serve spoofing here): all
      bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C),
      zero-width characters (U+200B-U+200D, U+2060, U+FEFF), the other invisible
      format characters (U+00AD, U+180E, U+2061-U+2064, U+206A-U+206F,
      U+FFF9-U+FFFB) and the Unicode tag characters (U+E0000-U+E007F).
    * At most ``max_len`` code points: a longer result is cut to
      ``max_len - 1`` and ends with ``…`` (``ELLIPSIS``).
    * The result may be empty (a name made only of invisible characters): fall
      back to another field, e.g. ``clean_identity(name) or clean_identity(jid)``.

The Text/Content builders never parse markup: ``[b]``, ``[link=...]`` and
``[@click=...]`` stay literal characters.

Which type each Textual 8.2.8 API needs
---------------------------------------
Verified by experiment (``run_test`` + rendered screen text). "Parses" means a
``str`` is read as content markup: ``[@click=app.quit]x[/]`` becomes a live
action, and a stray ``[/bold]`` raises ``MarkupError`` and crashes the app. No
widget removes ESC, C1 controls, NUL or bidi overrides on its own (Textual's
``Content`` and Rich's ``Text`` strip only BEL, BS, VT, FF and CR), so the
cleaners are needed whatever the type.

* ``Static(x)``, ``Static.update(x)``, ``Label(x)``: a ``str`` parses. Pass
  ``identity_content(...)`` / ``body_content(...)`` (a ``Text`` also works).
* ``Button(label)``, ``Tabs.add_tab(label)``, ``Tab(label)``: a ``str`` parses.
  Pass ``Content`` (a ``Text`` also works).
* ``TabPane(title)`` (and so ``TabbedContent.add_pane``): a ``str`` parses.
  Pass ``Content`` (``identity_content``); a ``Text`` raises ``AttributeError``
  ('translate').
* ``Tree(label)``, ``TreeNode.add(label)`` / ``add_leaf(label)`` /
  ``set_label(label)``: a ``str`` parses (``Text.from_markup``). Pass ``Text``
  (``identity_text``); a ``Content`` raises ``AttributeError`` ('copy').
* ``Select`` option prompts (shown in the overlay list and as the current
  value): a ``str`` parses. Pass ``Text`` (``identity_text``): a ``Content``
  renders literally too, but type-to-search only matches ``str``/``Text``.
* ``OptionList`` / ``Option(prompt)``: a ``str`` parses unless the list was
  built with ``markup=False``. Pass ``Content`` or ``Text``.
* ``DataTable`` cells and labels: a ``str`` parses. Pass ``Text``.
* ``App.notify(message, *, title="", markup=True)``: ``message`` is typed
  ``str`` and parsed as markup by default (bad markup crashes the app). Call
  ``app.notify(clean_identity(text, max_len=300), title=clean_identity(t),
  markup=False)``. ``title`` is always shown literally (but still needs
  cleaning). ``Widget.notify`` has the same ``markup`` parameter.
* ``App.title`` / ``App.sub_title`` (shown by ``Header``): literal ``str``
  (``App.format_title`` wraps them in ``Content``); pass ``clean_identity(s)``.
* ``RichLog.write(x)``: literal by default (``markup=False``). Pass ``Text``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

from rich.text import Text
from textual.content import Content

from xmpptui.models import Show

__all__ = [
    "DEFAULT_IDENTITY_MAX_LEN",
    "ELLIPSIS",
    "OWN_SENDER_STYLE",
    "PEER_SENDER_STYLE",
    "PRESENCE_GLYPHS",
    "PRESENCE_STYLES",
    "REPLACEMENT",
    "TIME_STYLE",
    "body_content",
    "body_text",
    "clean_body",
    "clean_identity",
    "identity_content",
    "identity_text",
    "message_line",
    "presence_marker",
]

REPLACEMENT: Final = "\ufffd"
"""Shown in place of every control character (U+FFFD REPLACEMENT CHARACTER)."""

ELLIPSIS: Final = "…"
"""Ends an identity cut to its maximum length."""

DEFAULT_IDENTITY_MAX_LEN: Final = 64

TIME_STYLE: Final = "dim"
OWN_SENDER_STYLE: Final = "bold green"
PEER_SENDER_STYLE: Final = "bold cyan"

PRESENCE_GLYPHS: Final[Mapping[Show, str]] = MappingProxyType(
    {
        Show.AVAILABLE: "●",
        Show.CHAT: "◆",
        Show.AWAY: "◐",
        Show.XA: "○",
        Show.DND: "⊘",
        Show.OFFLINE: "·",
    }
)
"""One glyph per presence, used in the roster, the tabs and the selector."""

PRESENCE_STYLES: Final[Mapping[Show, str]] = MappingProxyType(
    {
        Show.AVAILABLE: "green",
        Show.CHAT: "bright_green",
        Show.AWAY: "yellow",
        Show.XA: "dark_orange",
        Show.DND: "red",
        Show.OFFLINE: "bright_black",
    }
)
"""One Rich colour per presence (all different)."""


def _code_points(*ranges: tuple[int, int]) -> list[int]:
    return [cp for first, last in ranges for cp in range(first, last + 1)]


# C0 except \t \n \r (handled separately), DEL and C1.
_CONTROLS: Final = _code_points((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
# Lone surrogates would make the terminal driver fail to encode the line. They are
# replaced after the tables (2,048 entries in each took 0.2 MiB), in text that is
# not all ASCII.
_SURROGATES: Final = re.compile("[\ud800-\udfff]")

_BIDI_EMBED_OVERRIDE_ISOLATE: Final = _code_points((0x202A, 0x202E), (0x2066, 0x2069))
_BIDI_MARKS: Final = [0x200E, 0x200F, 0x061C]
_ZERO_WIDTH: Final = _code_points((0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF, 0xFEFF))
_OTHER_INVISIBLE: Final = _code_points(
    (0x00AD, 0x00AD), (0x180E, 0x180E), (0x2061, 0x2064), (0x206A, 0x206F), (0xFFF9, 0xFFFB)
)
_TAGS: Final = _code_points((0xE0000, 0xE007F))

_LINE_BREAKS: Final = [0x0D, 0x2028, 0x2029]  # CR alone, LINE and PARAGRAPH SEPARATOR

_BODY_TABLE: Final[dict[int, str | None]] = {
    **{cp: REPLACEMENT for cp in _CONTROLS},
    **{cp: None for cp in _BIDI_EMBED_OVERRIDE_ISOLATE},
    **{cp: "\n" for cp in _LINE_BREAKS},
}

_INVISIBLE: Final = (
    _BIDI_EMBED_OVERRIDE_ISOLATE + _BIDI_MARKS + _ZERO_WIDTH + _OTHER_INVISIBLE + _TAGS
)

_IDENTITY_TABLE: Final[dict[int, str | None]] = {
    **{cp: REPLACEMENT for cp in _CONTROLS},
    **{cp: None for cp in _INVISIBLE},
    # Whitespace controls become spaces, then collapse with the other whitespace.
    **{cp: " " for cp in [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x2028, 0x2029]},
}

_WHITESPACE_RUN: Final = re.compile(r"\s+")


def _no_surrogates(s: str) -> str:
    """``s`` with each lone surrogate (which the terminal driver cannot encode) replaced."""
    if s.isascii():
        return s
    try:
        s.encode()  # fast, and fails exactly on lone surrogates
    except UnicodeEncodeError:
        return _SURROGATES.sub(REPLACEMENT, s)
    return s


def clean_body(s: str) -> str:
    """Return the message body ``s`` safe to display, keeping its line breaks and tabs.

    See the module docstring for exactly what is replaced and removed.
    """
    return _no_surrogates(s.replace("\r\n", "\n").translate(_BODY_TABLE))


def clean_identity(s: str, max_len: int = DEFAULT_IDENTITY_MAX_LEN) -> str:
    """Return the name, nick, JID or status ``s`` as one safe line of at most ``max_len`` chars.

    Raises:
        ValueError: if ``max_len`` is less than 1.
    """
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, not {max_len}")
    cleaned = _WHITESPACE_RUN.sub(" ", _no_surrogates(s.translate(_IDENTITY_TABLE))).strip()
    if len(cleaned) > max_len:
        cleaned = cleaned[: max_len - 1].rstrip() + ELLIPSIS
    return cleaned


def body_text(s: str, style: str = "") -> Text:
    """A Rich ``Text`` of the cleaned body ``s`` (never parsed as markup)."""
    return Text(clean_body(s), style=style)


def identity_text(s: str, style: str = "", *, max_len: int = DEFAULT_IDENTITY_MAX_LEN) -> Text:
    """A Rich ``Text`` of the cleaned identity ``s``: for ``Tree`` labels and ``Select`` prompts."""
    return Text(clean_identity(s, max_len), style=style)


def identity_content(
    s: str, style: str = "", *, max_len: int = DEFAULT_IDENTITY_MAX_LEN
) -> Content:
    """A Textual ``Content`` of the cleaned identity ``s``: for ``Static``, ``Label``, tabs."""
    return Content.styled(clean_identity(s, max_len), style)


def body_content(s: str, style: str = "") -> Content:
    """A Textual ``Content`` of the cleaned body ``s``."""
    return Content.styled(clean_body(s), style)


def message_line(time: datetime, sender: str, body: str, *, own: bool) -> Text:
    """``HH:MM sender: body`` with the time dim and the sender bold, coloured by ``own``.

    An aware ``time`` is shown in the local time zone; a naive one as it is.
    ``sender`` goes through ``clean_identity`` and ``body`` through ``clean_body``.
    """
    local = time.astimezone() if time.tzinfo is not None else time
    line = Text()
    line.append(local.strftime("%H:%M"), style=TIME_STYLE)
    line.append(" ")
    line.append(clean_identity(sender), style=OWN_SENDER_STYLE if own else PEER_SENDER_STYLE)
    line.append(": ")
    line.append(clean_body(body))
    return line


def presence_marker(show: Show) -> Text:
    """A one-glyph ``Text`` for ``show``, in that presence's colour."""
    return Text(PRESENCE_GLYPHS[show], style=PRESENCE_STYLES[show])
