"""What each slash command means, as frozen dataclasses (the parser is in ``commands``).

Callers use them through :mod:`xmpptui.ui.commands`, which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from xmpptui.models import Show


@dataclass(frozen=True, slots=True)
class MsgCommand:
    """``/msg JID [text]``: open a chat with ``jid``; send ``text`` if not empty."""

    jid: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class AddCommand:
    """``/add JID [name]``: add ``jid`` to the roster and ask for its presence."""

    jid: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class AcceptCommand:
    """``/accept JID``: accept the friend request of ``jid``."""

    jid: str


@dataclass(frozen=True, slots=True)
class DenyCommand:
    """``/deny JID``: refuse (or revoke) ``jid``'s subscription to our presence."""

    jid: str


@dataclass(frozen=True, slots=True)
class RemoveCommand:
    """``/remove JID``: remove ``jid`` from the roster."""

    jid: str


@dataclass(frozen=True, slots=True)
class RenameCommand:
    """``/rename JID NAME``: set the roster name of ``jid``."""

    jid: str
    name: str


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """``/group JID GROUP``: put ``jid`` in the roster group ``group``."""

    jid: str
    group: str


@dataclass(frozen=True, slots=True)
class StatusCommand:
    """``/status SHOW [message]``: set our presence."""

    show: Show
    message: str = ""


@dataclass(frozen=True, slots=True)
class CloseCommand:
    """``/close``: close the current chat tab."""


@dataclass(frozen=True, slots=True)
class QuitCommand:
    """``/quit``: disconnect and leave the application."""


@dataclass(frozen=True, slots=True)
class BlockCommand:
    """``/block JID``: stop all traffic from JID (XEP-0191)."""

    jid: str


@dataclass(frozen=True, slots=True)
class UnblockCommand:
    """``/unblock JID``."""

    jid: str


@dataclass(frozen=True, slots=True)
class BlockedCommand:
    """``/blocked``: show the blocked list."""


@dataclass(frozen=True, slots=True)
class InfoCommand:
    """``/info JID``: the contact's details (subscription, resources, clients)."""

    jid: str


@dataclass(frozen=True, slots=True)
class CorrectCommand:
    """``/correct TEXT``: replace your last message in this tab (XEP-0308)."""

    text: str


@dataclass(frozen=True, slots=True)
class SearchCommand:
    """``/search TEXT``: search all history."""

    text: str


@dataclass(frozen=True, slots=True)
class RetryCommand:
    """``/retry``: send again the messages of this tab that were not sent."""


@dataclass(frozen=True, slots=True)
class ReconnectCommand:
    """``/reconnect``: connect again now, without waiting for the next attempt."""


@dataclass(frozen=True, slots=True)
class PasswdCommand:
    """``/passwd``: change the account's password on the server (asked in a dialog)."""


@dataclass(frozen=True, slots=True)
class XmlConsoleCommand:
    """``/xmlconsole`` (or ``/xml``): open the XML console tab (the raw stream, redacted)."""


@dataclass(frozen=True, slots=True)
class HelpCommand:
    """``/help [command]``: ``topic`` is a key of ``HELP`` (no slash), or ``None`` for all."""

    topic: str | None = None


@dataclass(frozen=True, slots=True)
class SayCommand:
    """A ``//text`` line: send ``text`` (which starts with ``/``) as a chat message."""

    text: str


Command: TypeAlias = (
    MsgCommand
    | AddCommand
    | AcceptCommand
    | DenyCommand
    | RemoveCommand
    | RenameCommand
    | GroupCommand
    | StatusCommand
    | CloseCommand
    | QuitCommand
    | BlockCommand
    | UnblockCommand
    | BlockedCommand
    | InfoCommand
    | CorrectCommand
    | SearchCommand
    | RetryCommand
    | ReconnectCommand
    | PasswdCommand
    | XmlConsoleCommand
    | HelpCommand
    | SayCommand
)
