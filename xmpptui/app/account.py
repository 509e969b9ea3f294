"""Account flows: password lookup, login prompt, account creation, password change,
certificate trust and resource conflicts.

Part of the app coordinator (which alone may cross layers): ``XmppTuiApp``
inherits these. Each flow that needs the user runs in a worker and waits on a
modal screen; nothing here reconnects or trusts anything by itself.

The dialogs are imported where they are shown: most sessions never show any of
them, and with their widgets they weighed about a MiB in every running app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from secrets import token_hex
from typing import Protocol

from textual.app import App

from xmpptui.models import (
    ConnectionState,
    FormField,
    RegistrationForm,
    Show,
)
from xmpptui.store import logs, secrets
from xmpptui.store.credentials import PasswordSource
from xmpptui.ui import render
from xmpptui.ui.screens.main import MainScreen
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.api import Session
from xmpptui.xmpp.regform import FormValue, RegistrationError

log = logging.getLogger(__name__)

SessionFactory = Callable[[str], Session]
#: Persists the account's pinned keys (replacing the old ones) in the config.
PinSaver = Callable[[tuple[str, ...]], Awaitable[None]]
#: Remembers the chosen presence (show, status) in the config for the next start.
PresenceSaver = Callable[[Show, str], Awaitable[None]]


class Registrar(Protocol):
    """Creates the account in-band (XEP-0077); raises RegistrationError (a sentence)."""

    async def fetch_form(self) -> RegistrationForm: ...

    async def submit(self, values: Mapping[str, FormValue]) -> None: ...


def new_resource(current: str) -> str:
    """A fresh resource after a conflict: the current one plus a random suffix."""
    base = current.rsplit("~", 1)[0]
    return f"{base}~{token_hex(2)}"


def prefill_registration(
    form: RegistrationForm, username: str, password: str | None
) -> RegistrationForm:
    """Fill the username in; with a password command, fill the password in and hide it."""
    fields: list[FormField] = []
    for field in form.fields:
        if field.var == "username":
            field = replace(field, value=username)
        elif password is not None and field.var == "password":
            field = replace(field, value=password, kind="hidden")
        fields.append(field)
    return replace(form, fields=tuple(fields))


def account_password(form: RegistrationForm, values: Mapping[str, FormValue]) -> str:
    """The new account's password: the ``password`` field, else the first private one."""
    names = [f.var for f in form.fields if f.var == "password"]
    names += [f.var for f in form.fields if f.kind == "text-private"]
    for name in names:
        value = values.get(name)
        if isinstance(value, str):
            return value
    return ""


class AccountFlows(App[int]):
    """The account side of :class:`xmpptui.app.XmppTuiApp` (state set by its ``__init__``)."""

    account: str
    session: Session | None
    _main: MainScreen
    _session_factory: SessionFactory
    _passwords: PasswordSource
    _presence: tuple[Show, str]
    _remember: str | None
    _exit_code: int
    _save_pins: PinSaver | None
    _save_presence: PresenceSaver | None
    _registrar: Registrar | None
    _register_first: bool
    _password_source: str

    async def _bridge(self, session: Session) -> None:
        raise NotImplementedError

    @property
    def main(self) -> MainScreen:
        return self._main

    # ------------------------------------------------------------ start-up
    async def _login(self, error: str = "") -> None:
        """Find a password (keyring, command, prompt), or create the account; then connect."""
        password: str | None = None
        if self._register_first:
            self._register_first = False
            password = await self._create_account()
            if password is None:
                await self.action_quit()
                return
        elif not error:
            found = await self._passwords.find()
            for notice in found.notices:
                self._notice(notice, "warning")
            password, self._password_source = found.password, found.source
        while password is None:
            from xmpptui.ui.screens.password import PasswordScreen  # loaded when first shown

            self._set_state(ConnectionState.OFFLINE, error or "waiting for the password")
            entry = await self.push_screen_wait(
                PasswordScreen(
                    self.account,
                    error=error,
                    can_remember=self._passwords.keyring_usable,
                    can_create=self._registrar is not None,
                )
            )
            if entry is None:
                await self.action_quit()
                return
            if entry.create_account:
                password = await self._create_account()
                continue
            password, self._password_source = entry.password, "prompt"
            self._remember = password if entry.remember else None
        self._start_session(password)

    def _start_session(self, password: str) -> None:
        logs.add_secret(password)
        self._set_state(ConnectionState.CONNECTING, "")
        session = self._session_factory(password)
        show, status = self._presence
        session.set_presence(show, status)
        self.session = session
        self.run_worker(self._bridge(session), group="bridge")
        self.run_worker(session.start(), group="bridge-start")

    async def _create_account(self) -> str | None:
        """Create the account (XEP-0077); return its password, or None if abandoned.

        Nothing goes to the keyring here: only after the first successful login.
        """
        registrar = self._registrar
        if registrar is None:
            return None
        self._set_state(ConnectionState.CONNECTING, "asking the server for its form")
        try:
            form = await registrar.fetch_form()
        except RegistrationError as refusal:
            self._notice(str(refusal), "error")
            self._set_state(ConnectionState.OFFLINE, str(refusal))
            return None
        local, _, domain = self.account.partition("@")
        from_command = await self._password_from_command()
        form = prefill_registration(form, local, from_command)
        error = ""
        from xmpptui.ui.screens.register import RegisterScreen

        while True:
            self._set_state(ConnectionState.OFFLINE, error or "creating the account")
            values = await self.push_screen_wait(RegisterScreen(form, domain=domain, error=error))
            if values is None:
                return None
            username = values.get("username", local)
            if isinstance(username, str) and username.strip().lower() != local.lower():
                error = f"The username must be {local}: xmpptui was started for {self.account}."
                continue
            password = account_password(form, values)
            if not password:
                error = "Choose a password."
                continue
            logs.add_secret(password)
            try:
                await registrar.submit(values)
            except RegistrationError as refusal:
                error = str(refusal)
                continue
            self._notice(f"The account {self.account} was created.")
            self._password_source = "register"
            self._remember = password if self._passwords.keyring_usable else None
            return password

    async def _password_from_command(self) -> str | None:
        command = self._passwords.password_command
        if not command:
            return None
        try:
            return await secrets.run_password_command(command)
        except secrets.PasswordCommandError as problem:
            self._notice(str(problem), "warning")
            return None

    async def _ev_signed_out_elsewhere(self, event: ev.SignedOutElsewhere) -> None:
        text = f"Signed out: another client signed in as {event.full_jid}."
        self._set_state(ConnectionState.OFFLINE, text)
        self.main.tabs.console.add_notice(text, style="red")
        self.main.roster.clear_presence()
        self.run_worker(self._resolve_conflict(event.full_jid), exclusive=True, group="conflict")

    async def _resolve_conflict(self, full_jid: str) -> None:
        from xmpptui.ui.screens.conflict import ConflictScreen

        choice = await self.push_screen_wait(ConflictScreen(full_jid))
        session = self.session
        if session is None or choice == "offline":
            return
        if choice == "new":
            session.reconnect_now(resource=new_resource(session.resource))
        else:
            session.reconnect_now()

    async def _ev_fatal(self, event: ev.CertificateRejected) -> None:
        self._exit_code = 1
        self._set_state(ConnectionState.OFFLINE, event.reason)
        self._notice(event.reason, "error")

    async def _ev_certificate_untrusted(self, event: ev.CertificateUntrusted) -> None:
        self._set_state(ConnectionState.OFFLINE, event.reason)
        self.main.tabs.console.add_notice(event.reason, style="red")
        self.run_worker(self._ask_trust(event), exclusive=True, group="trust")

    async def _ask_trust(self, event: ev.CertificateUntrusted) -> None:
        from xmpptui.ui.screens.trust import TrustScreen

        choice = await self.push_screen_wait(
            TrustScreen(event.info, event.server_name, event.reason)
        )
        pin = event.info.spki_sha256
        if choice == "reject" or self.session is None:
            self._exit_code = 1
            self._notice("Certificate rejected: not connecting.", "error")
            return
        if choice == "always":
            await self._persist_pins((pin,))
        self._set_state(ConnectionState.CONNECTING, "trusting the server's key " + pin)
        self.session.trust_keys((pin,))

    async def _ev_certificate_changed(self, event: ev.CertificateChanged) -> None:
        text = "The server's key changed since you pinned it: login stopped, nothing was sent."
        self._set_state(ConnectionState.OFFLINE, text)
        self.main.tabs.console.add_notice(text, style="red")
        self._exit_code = 1
        if event.info is None:
            self._notice("The server's certificate could not be checked; login stopped.", "error")
            return
        self.run_worker(self._ask_replace_pin(event), exclusive=True, group="trust")

    async def _ask_replace_pin(self, event: ev.CertificateChanged) -> None:
        assert event.info is not None
        from xmpptui.ui.screens.trust import PinChangedScreen

        choice = await self.push_screen_wait(
            PinChangedScreen(event.info, event.pinned, event.server_name)
        )
        if choice != "replace" or self.session is None:
            return
        pin = event.info.spki_sha256
        await self._persist_pins((pin,))
        self._set_state(ConnectionState.CONNECTING, "trusting the new key " + pin)
        self.session.trust_keys((pin,))

    async def _persist_pins(self, pins: tuple[str, ...]) -> None:
        if self._save_pins is None:
            return
        try:
            await self._save_pins(pins)
        except Exception as error:  # config unwritable: say so, keep going for this run
            self._notice(f"The key could not be saved in the config: {error}", "warning")
        else:
            self.main.tabs.console.add_notice("The server's key is now pinned in the config.")

    async def _ev_auth_failed(self, event: ev.AuthenticationFailed) -> None:
        self._set_state(ConnectionState.OFFLINE, event.reason)
        self._notice(event.reason, "error")
        self._remember = None
        session, self.session = self.session, None
        if session is not None:
            await session.close()
        self._exit_code = 1
        self.run_worker(self._login(error=event.reason), exclusive=True, group="login")

    async def _change_password(self) -> None:
        session = self.session
        if session is None:
            self._notice("Log in first.", "warning")
            return
        from xmpptui.ui.screens.new_password import NewPasswordScreen

        new = await self.push_screen_wait(NewPasswordScreen(self.account))
        if not new:
            return
        logs.add_secret(new)
        try:
            await session.change_password(new)
        except RegistrationError as refusal:
            self._notice(str(refusal), "error")
            return
        message = "The password was changed on the server."
        if self._password_source == "keyring" or self._password_source == "remembered":
            problem = await self._passwords.remember(new)
            message += f" {problem}" if problem else " The keyring was updated."
        elif self._password_source == "command":
            message += " Update the store your password command reads from."
        self._notice(message)

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        status = self.main.status
        status.state = state
        status.detail = detail

    def _notice(self, text: str, severity: str = "information") -> None:
        """A sentence for the user: a toast and a line in the console tab (none once
        the app is shutting down: a timer's late notice would find no tabs)."""
        if not self.is_running:
            return
        style = {"error": "red", "warning": "yellow"}.get(severity, "")
        self.main.tabs.console.add_notice(text, style=style)
        toast = render.clean_identity(text, max_len=300)
        self.notify(toast, severity=severity, markup=False)  # type: ignore[arg-type]
