"""Account creation, password change: Pilot on the app with scripted session and registrar."""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets import Input

from tests.ui.fake import ACCOUNT, FakePasswords, Rig, log_text, wait_for
from xmpptui.app import XmppTuiApp
from xmpptui.models import FormField, RegistrationForm
from xmpptui.ui.screens.new_password import NewPasswordScreen
from xmpptui.ui.screens.password import PasswordScreen
from xmpptui.ui.screens.register import RegisterScreen
from xmpptui.xmpp import events as ev
from xmpptui.xmpp.regform import FormValue, RegistrationError

SIZE = (120, 40)
FORM = RegistrationForm(
    instructions="Choose a username and password for use with this service.",
    fields=(
        FormField("FORM_TYPE", "hidden", value="jabber:iq:register"),
        FormField("username", "text-single", "Username", required=True),
        FormField("password", "text-private", "Password", required=True),
    ),
    is_data_form=True,
)


class FakeRegistrar:
    def __init__(self, refusals: list[str] | None = None) -> None:
        self.refusals = refusals or []
        self.submitted: list[dict[str, FormValue]] = []

    async def fetch_form(self) -> RegistrationForm:
        return FORM

    async def submit(self, values: Mapping[str, FormValue]) -> None:
        self.submitted.append(dict(values))
        if self.refusals:
            raise RegistrationError(self.refusals.pop(0))


def make(rig: Rig, registrar: FakeRegistrar, *, register_first: bool) -> XmppTuiApp:
    rig.app = XmppTuiApp(
        ACCOUNT,
        rig._make,
        rig.passwords,
        registrar=registrar,
        register_first=register_first,
    )
    return rig.app


async def fill_password(pilot, password: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*password, "tab", *password, "enter")


async def test_register_creates_account_then_logs_in_and_only_then_remembers() -> None:
    rig = Rig(FakePasswords(password=None))
    registrar = FakeRegistrar(refusals=["The username alice is already taken on example.org."])
    app = make(rig, registrar, register_first=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen))
        username = app.screen.query_one("#field-1", Input)
        assert username.value == "alice"  # prefilled from the JID
        await fill_password(pilot, "s3cret-pw")
        await wait_for(pilot, lambda: len(registrar.submitted) == 1)
        # Refused: the form comes back with the server's sentence, nothing started.
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen))
        assert "already taken" in str(app.screen.query_one("#error").render())
        assert rig.sessions == []
        await fill_password(pilot, "s3cret-pw")
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        submitted = registrar.submitted[-1]
        assert submitted["username"] == "alice" and submitted["password"] == "s3cret-pw"
        assert submitted["FORM_TYPE"] == "jabber:iq:register"
        assert rig.session.password == "s3cret-pw"
        assert rig.passwords.remembered == []  # not before the login succeeded
        rig.session.emit(ev.SessionStarted(f"{ACCOUNT}/t"))
        await wait_for(pilot, lambda: rig.passwords.remembered == ["s3cret-pw"])
        assert "was created" in log_text(app)


async def test_mismatched_passwords_never_reach_the_server() -> None:
    rig = Rig(FakePasswords(password=None))
    registrar = FakeRegistrar()
    app = make(rig, registrar, register_first=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen))
        await pilot.press(*"one", "tab", *"two", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)
        assert registrar.submitted == []


async def test_create_account_from_the_login_prompt_and_cancel_back() -> None:
    rig = Rig(FakePasswords(password=None))
    registrar = FakeRegistrar()
    app = make(rig, registrar, register_first=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))
        await pilot.click("#create")
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen))
        await pilot.press("escape")  # changed my mind: back to the login prompt
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen))
        assert registrar.submitted == [] and rig.sessions == []


async def test_passwd_changes_password_and_updates_the_keyring() -> None:
    rig = Rig()  # the password came from the keyring
    async with rig.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: rig.sessions and rig.session.started)
        rig.session.emit(ev.SessionStarted(f"{ACCOUNT}/t"))
        await pilot.press(*"/passwd", "enter")
        await wait_for(pilot, lambda: isinstance(rig.app.screen, NewPasswordScreen))
        await pilot.press(*"new-one", "enter", *"new-one", "enter")
        await wait_for(pilot, lambda: rig.session.password == "new-one")
        await wait_for(pilot, lambda: rig.passwords.remembered == ["new-one"])
        assert "keyring was updated" in log_text(rig.app)
