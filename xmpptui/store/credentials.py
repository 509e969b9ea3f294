"""Where the password comes from, in the documented order.

1. the password command, when one is set (``--password-command`` or the
   account's config): the user's explicit choice;
2. the OS keyring (service ``xmpptui``, user = bare JID), also when the
   command failed;
3. otherwise the caller prompts the user.

Nothing here ever writes a password anywhere but the keyring, and only when
asked to after a successful login.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xmpptui.store import secrets


@dataclass(slots=True)
class Lookup:
    """The outcome of :meth:`PasswordSource.find`."""

    password: str | None = None
    source: str = ""  # "keyring" | "command" | ""
    notices: list[str] = field(default_factory=list)


class PasswordSource:
    """Finds and remembers one account's password."""

    def __init__(self, jid: str, password_command: str | None = None) -> None:
        self.jid = jid
        self.password_command = password_command
        self.keyring_usable = True

    async def find(self) -> Lookup:
        """Try the password command when one is set, else (or when it fails) the
        keyring. Never raises.

        A configured command is the user's explicit choice, so it wins over
        whatever the keyring holds, and the keyring (D-Bus, an unlock prompt)
        is not touched at all at start-up when the command works.
        """
        result = Lookup()
        if self.password_command:
            try:
                result.password = await secrets.run_password_command(self.password_command)
                result.source = "command"
                return result
            except secrets.PasswordCommandError as error:
                result.notices.append(str(error))
        try:
            result.password = await secrets.get_password(self.jid)
        except secrets.KeyringUnavailable as error:
            self.keyring_usable = False
            result.notices.append(str(error))
        if result.password:
            result.source = "keyring"
            return result
        result.password = None
        return result

    async def remember(self, password: str) -> str | None:
        """Save to the keyring; return a sentence if that was not possible."""
        try:
            await secrets.store_password(self.jid, password)
        except secrets.KeyringUnavailable as error:
            self.keyring_usable = False
            return str(error)
        return None
