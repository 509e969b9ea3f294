"""The interface the app talks to. The real ``XmppSession`` and the scripted
fake session used by UI tests both satisfy it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from xmpptui.models import ChatMessage, Show
from xmpptui.xmpp.events import SessionEvent


class Session(Protocol):
    """One XMPP account connection, seen from the app."""

    @property
    def bare_jid(self) -> str:
        """The account's bare JID (``local@domain``)."""
        ...

    @property
    def resource(self) -> str:
        """The resource this session binds (or tries to)."""
        ...

    def events(self) -> AsyncIterator[SessionEvent]:
        """Yield events until the session is closed."""
        ...

    async def start(self) -> None:
        """Begin connecting; progress arrives as events."""
        ...

    def send_message(self, to: str, body: str) -> ChatMessage:
        """Send a chat message to the bare JID ``to`` and return what was sent."""
        ...

    def set_presence(self, show: Show, status: str = "") -> None:
        """Broadcast our presence (``Show.OFFLINE`` means unavailable)."""
        ...

    def reconnect_now(self, resource: str | None = None) -> None:
        """Connect again at once, optionally with another resource (after a conflict)."""
        ...

    async def change_password(self, new_password: str) -> None:
        """Change the password on the server; raises an exception with a sentence."""
        ...

    def trust_keys(self, pins: tuple[str, ...]) -> None:
        """Connect again trusting exactly these SPKI pins (``sha256/<base64>``)."""
        ...

    async def close(self) -> None:
        """Send unavailable presence, close the stream and stop emitting events."""
        ...
