"""Parse the slash commands typed in the chat input (pure: no Textual, no I/O).

``parse(line)`` returns ``None`` for an ordinary chat line, one frozen command
object for a command, or raises ``CommandError`` with a sentence to show the
user (it ends with the command's usage).

Rules:

* A command starts with ``/`` in the very first column; a line starting with a
  space is ordinary text.
* ``//text`` is the escape for a message that starts with a slash: it parses to
  ``SayCommand("/text")``, whose ``text`` is what to send.
* Command names are case-insensitive. Arguments are separated by whitespace;
  the last argument of ``/msg``, ``/add``, ``/rename``, ``/group`` and
  ``/status`` is the rest of the line (it may contain spaces) with the
  surrounding whitespace trimmed. Extra arguments to other commands are errors.
* JID arguments must be bare JIDs (``xmpptui.jid.is_valid_bare_jid``) and are
  returned normalised (``xmpptui.jid.normalize_bare_jid``: NFC, lower case).

Error messages may quote what the user typed: show them through
``xmpptui.ui.render`` like any other text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from xmpptui.jid import bare, is_valid_bare_jid, is_valid_jid, normalize_bare_jid
from xmpptui.models import Show
from xmpptui.ui.command_types import (
    AcceptCommand,
    AddCommand,
    BlockCommand,
    BlockedCommand,
    CloseCommand,
    Command,
    CorrectCommand,
    DenyCommand,
    GroupCommand,
    HelpCommand,
    InfoCommand,
    MsgCommand,
    PasswdCommand,
    QuitCommand,
    ReconnectCommand,
    RemoveCommand,
    RenameCommand,
    RetryCommand,
    SayCommand,
    SearchCommand,
    StatusCommand,
    UnblockCommand,
    XmlConsoleCommand,
)

__all__ = [
    "ESCAPE_HELP",
    "HELP",
    "AcceptCommand",
    "AddCommand",
    "BlockCommand",
    "BlockedCommand",
    "CloseCommand",
    "Command",
    "CommandError",
    "CorrectCommand",
    "DenyCommand",
    "GroupCommand",
    "HelpCommand",
    "InfoCommand",
    "MsgCommand",
    "PasswdCommand",
    "QuitCommand",
    "ReconnectCommand",
    "RemoveCommand",
    "RenameCommand",
    "RetryCommand",
    "SayCommand",
    "SearchCommand",
    "StatusCommand",
    "UnblockCommand",
    "XmlConsoleCommand",
    "parse",
]


HELP: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "msg": ("/msg JID [text]", "Open a chat with JID, sending text if given."),
        "add": ("/add JID [name]", "Add JID to the roster and ask to see their presence."),
        "accept": ("/accept JID", "Accept JID's friend request."),
        "deny": ("/deny JID", "Refuse JID's friend request or stop sharing your presence."),
        "remove": ("/remove JID", "Remove JID from the roster."),
        "rename": ("/rename JID NAME", "Change the name shown for JID."),
        "group": ("/group JID GROUP", "Put JID in the roster group GROUP."),
        "block": ("/block JID", "Block JID: no messages, presence or requests from them."),
        "unblock": ("/unblock JID", "Unblock JID."),
        "blocked": ("/blocked", "Show the blocked list (unblock from there)."),
        "info": ("/info JID", "Show JID's details: subscription, groups, online clients."),
        "status": (
            "/status available|chat|away|xa|dnd|offline [message]",
            "Set your presence and an optional status message.",
        ),
        "close": ("/close", "Close the current chat tab."),
        "quit": ("/quit", "Disconnect and quit."),
        "correct": ("/correct TEXT", "Replace your last message here (up-arrow on an empty line)."),
        "search": ("/search TEXT", "Search all history; Enter on a result jumps to it."),
        "retry": ("/retry", "Send again the messages of this tab that were not sent."),
        "reconnect": ("/reconnect", "Connect again now instead of waiting for the next attempt."),
        "passwd": ("/passwd", "Change your account's password on the server."),
        "xmlconsole": (
            "/xmlconsole (or /xml)",
            "Show the raw XML stream (passwords redacted) in a tab; /close closes it.",
        ),
        "help": ("/help [command]", "List the commands, or explain one."),
    }
)
"""Command name (without the slash) → (usage, one-line description), in display order."""

ESCAPE_HELP: Final = "Start a line with // to send a message that begins with /."

_STATUS_WORDS: Final[Mapping[str, Show]] = MappingProxyType(
    {
        "available": Show.AVAILABLE,
        "online": Show.AVAILABLE,
        "chat": Show.CHAT,
        "away": Show.AWAY,
        "xa": Show.XA,
        "dnd": Show.DND,
        "offline": Show.OFFLINE,
    }
)

ALIASES: Final[Mapping[str, str]] = MappingProxyType({"xml": "xmlconsole"})
"""Other names of commands (Profanity's and Poezio's): alias → command name."""

_MAX_ECHO: Final = 40
_FIRST_WORD: Final = re.compile(r"\s*(\S*)\s*(.*?)\s*\Z", re.DOTALL)


class CommandError(ValueError):
    """A command line that cannot be run; ``str(error)`` is the sentence to show."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(f"{message} Usage: {usage}" if usage else message)
        self.usage = usage


def _echo(s: str) -> str:
    """What the user typed, shortened for an error message."""
    return s if len(s) <= _MAX_ECHO else s[: _MAX_ECHO - 1] + "…"


def _split(rest: str) -> tuple[str, str]:
    """Split off the first word of ``rest``; the remainder is trimmed."""
    match = _FIRST_WORD.match(rest)
    assert match is not None  # the pattern matches every string
    return match.group(1), match.group(2)


class _Args:
    """The argument text of one command, consumed left to right."""

    def __init__(self, name: str, rest: str) -> None:
        self.name = name
        self.usage = HELP[name][0]
        self.rest = rest

    def fail(self, message: str) -> CommandError:
        return CommandError(message, self.usage)

    def jid(self) -> str:
        word, self.rest = _split(self.rest)
        if not word:
            raise self.fail(f"/{self.name} needs a JID.")
        if is_valid_bare_jid(word):
            return normalize_bare_jid(word)
        if is_valid_jid(word):
            raise self.fail(f"Use the bare JID {_echo(bare(word))}, without the /resource.")
        raise self.fail(f"“{_echo(word)}” is not a valid JID (like alice@example.org).")

    def remainder(self, what: str = "") -> str:
        """The rest of the line; required (and named ``what`` in the error) if ``what``."""
        text, self.rest = self.rest.strip(), ""
        if what and not text:
            raise self.fail(f"/{self.name} needs a {what}.")
        return text

    def end(self) -> None:
        if self.rest.strip():
            raise self.fail(f"Too many arguments for /{self.name}.")


def _msg(args: _Args) -> Command:
    return MsgCommand(args.jid(), args.remainder())


def _add(args: _Args) -> Command:
    return AddCommand(args.jid(), args.remainder())


def _accept(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return AcceptCommand(jid)


def _deny(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return DenyCommand(jid)


def _remove(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return RemoveCommand(jid)


def _rename(args: _Args) -> Command:
    return RenameCommand(args.jid(), args.remainder("name"))


def _group(args: _Args) -> Command:
    return GroupCommand(args.jid(), args.remainder("group name"))


def _status(args: _Args) -> Command:
    word, args.rest = _split(args.rest)
    if not word:
        raise args.fail("/status needs a presence.")
    show = _STATUS_WORDS.get(word.lower())
    if show is None:
        raise args.fail(f"“{_echo(word)}” is not a presence.")
    return StatusCommand(show, args.remainder())


def _close(args: _Args) -> Command:
    args.end()
    return CloseCommand()


def _quit(args: _Args) -> Command:
    args.end()
    return QuitCommand()


def _block(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return BlockCommand(jid)


def _unblock(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return UnblockCommand(jid)


def _blocked(args: _Args) -> Command:
    args.end()
    return BlockedCommand()


def _info(args: _Args) -> Command:
    jid = args.jid()
    args.end()
    return InfoCommand(jid)


def _correct(args: _Args) -> Command:
    return CorrectCommand(args.remainder("new text"))


def _search(args: _Args) -> Command:
    return SearchCommand(args.remainder("text to search for"))


def _retry(args: _Args) -> Command:
    args.end()
    return RetryCommand()


def _reconnect(args: _Args) -> Command:
    args.end()
    return ReconnectCommand()


def _passwd(args: _Args) -> Command:
    args.end()  # never take a password on the command line: it would sit in input history
    return PasswdCommand()


def _xmlconsole(args: _Args) -> Command:
    args.end()
    return XmlConsoleCommand()


def _help(args: _Args) -> Command:
    word, args.rest = _split(args.rest)
    args.end()
    if not word:
        return HelpCommand()
    topic = word.removeprefix("/").lower()
    topic = ALIASES.get(topic, topic)
    if topic not in HELP:
        raise args.fail(f"There is no command /{_echo(topic)}.")
    return HelpCommand(topic)


_PARSERS: Final[Mapping[str, Callable[[_Args], Command]]] = MappingProxyType(
    {
        "msg": _msg,
        "add": _add,
        "accept": _accept,
        "deny": _deny,
        "remove": _remove,
        "rename": _rename,
        "group": _group,
        "status": _status,
        "close": _close,
        "quit": _quit,
        "block": _block,
        "unblock": _unblock,
        "blocked": _blocked,
        "info": _info,
        "correct": _correct,
        "search": _search,
        "retry": _retry,
        "reconnect": _reconnect,
        "passwd": _passwd,
        "xmlconsole": _xmlconsole,
        "help": _help,
    }
)


#: Commands whose lines never go into the input history (ctrl+up): a password typed
#: after them by mistake must not be one keypress away (or in a screenshot).
_PRIVATE = frozenset({"passwd"})


def is_private(line: str) -> bool:
    """Whether ``line`` is a command that must stay out of the input history."""
    if not line.startswith("/") or line.startswith("//"):
        return False
    word = line[1:].split(maxsplit=1)[0].lower() if line[1:].strip() else ""
    return ALIASES.get(word, word) in _PRIVATE


def parse(line: str) -> Command | None:
    """Parse one line from the chat input.

    Returns ``None`` when ``line`` is ordinary text to send as it is, a
    ``SayCommand`` for the ``//`` escape, otherwise the command.

    Raises:
        CommandError: the line is a command that is unknown or malformed.
    """
    if not line.startswith("/"):
        return None
    if line.startswith("//"):
        return SayCommand(line[1:])
    word, rest = _split(line[1:]) if not line[1:2].isspace() else ("", "")
    name = ALIASES.get(word.lower(), word.lower())
    if not name:
        raise CommandError("Type a command name right after the /; type /help for the list.")
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"Unknown command /{_echo(name)}; type /help for the list.")
    return parser(_Args(name, rest))
