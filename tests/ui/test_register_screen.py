"""The registration form screen, driven with the keyboard through Pilot."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from tests.ui.fake import wait_for
from xmpptui.models import FormField, RegistrationForm
from xmpptui.ui.screens.register import RegisterScreen, RegistrationValues

SIZE = (100, 60)

DATA_FORM = RegistrationForm(
    instructions="Creating a new account\nChoose a username and password.",
    fields=(
        FormField("FORM_TYPE", "hidden", value="jabber:iq:register"),
        FormField("", "fixed", value="Accounts are free."),
        FormField("username", "text-single", "Username", required=True),
        FormField("password", "text-private", "Password", required=True),
        FormField(
            "colour", "list-single", "Colour", required=True, options=(("Red", "r"), ("Blue", "b"))
        ),
        FormField(
            "langs",
            "list-multi",
            "Languages",
            value="en",
            options=(("English", "en"), ("French", "fr")),
        ),
        FormField("bio", "text-multi", "About you", description="Optional."),
        FormField("rules", "boolean", "I accept the rules"),
    ),
    is_data_form=True,
)

LEGACY_FORM = RegistrationForm(
    instructions="Choose a username and password.",
    fields=(
        FormField("username", "text-single", "Username", required=True, value="alice"),
        FormField("password", "text-private", "Password", required=True),
        FormField("email", "text-single", "Email", required=True),
    ),
)


class Harness(App[None]):
    """Shows one RegisterScreen and records what it dismissed with."""

    def __init__(self, screen: RegisterScreen) -> None:
        super().__init__()
        self.under_test = screen
        self.results: list[RegistrationValues | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.under_test, self.results.append)


def shown_texts(screen: RegisterScreen) -> list[str]:
    """The plain text of every Static and Label (Label is a Static) on the screen."""
    return [str(widget.render()) for widget in screen.query(Static)]


def problem(screen: RegisterScreen) -> str:
    widget = screen.query_one("#problem", Static)
    return str(widget.render()) if widget.display else ""


async def started(app: Harness, pilot: Pilot[None]) -> RegisterScreen:
    await wait_for(pilot, lambda: app.screen is app.under_test)
    return app.under_test


async def test_a_data_form_filled_with_the_keyboard_gives_every_kind_of_value() -> None:
    app = Harness(RegisterScreen(DATA_FORM, domain="example.org"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(app, pilot)
        username = screen.query_one("#field-2", Input)
        assert app.focused is username  # the first field to fill
        assert isinstance(screen.query_one("#field-3"), Input)
        assert screen.query_one("#field-3", Input).password
        assert "Accounts are free." in shown_texts(screen)

        await pilot.press(*"alice", "tab", *"s3cret", "tab", *"s3cret", "tab")
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "down", "down", "enter")  # open, skip the blank, Blue
        await pilot.press("tab")
        assert isinstance(app.focused, SelectionList)
        await pilot.press("down", "space", "tab")  # French too (English is preselected)
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"hi", "enter", *"there", "tab")
        assert isinstance(app.focused, Checkbox)
        await pilot.press("space", "tab")
        assert app.focused is screen.query_one("#create")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results)

    assert app.results == [
        {
            "FORM_TYPE": "jabber:iq:register",
            "username": "alice",
            "password": "s3cret",
            "colour": "b",
            "langs": ["en", "fr"],
            "bio": "hi\nthere",
            "rules": True,
        }
    ]


async def test_a_legacy_form_submits_with_enter_from_the_last_input() -> None:
    app = Harness(RegisterScreen(LEGACY_FORM))
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(app, pilot)
        assert app.focused is screen.query_one("#field-1", Input)  # username is prefilled
        assert screen.query_one("#field-0", Input).value == "alice"

        await pilot.press(*"pw", "tab", *"pw", "tab", *"a@example.org", "enter")
        await wait_for(pilot, lambda: app.results)

    assert app.results == [{"username": "alice", "password": "pw", "email": "a@example.org"}]


async def test_passwords_that_differ_block_the_submission() -> None:
    app = Harness(RegisterScreen(LEGACY_FORM))
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(app, pilot)
        await pilot.press(*"one", "tab", *"two", "tab", *"a@example.org", "enter")
        await wait_for(pilot, lambda: problem(screen))

        assert problem(screen) == "The two passwords do not match."
        assert app.focused is screen.query_one("#repeat-password", Input)
        assert app.results == []

        await pilot.press(*"\b\b\b", *"one", "enter")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [{"username": "alice", "password": "one", "email": "a@example.org"}]


async def test_missing_required_fields_are_named_and_block_the_submission() -> None:
    app = Harness(RegisterScreen(DATA_FORM))
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(app, pilot)
        await pilot.press("tab", *"pw", "tab", *"pw", "enter")
        await wait_for(pilot, lambda: problem(screen))

        assert problem(screen) == "Please fill in: Username, Colour."
        assert app.focused is screen.query_one("#field-2", Input)
        assert app.results == []
        labels = [str(label.render()) for label in screen.query(Label)]
        assert "Username *" in labels and "Languages" in labels


async def test_escape_cancels_and_so_does_the_cancel_button() -> None:
    app = Harness(RegisterScreen(LEGACY_FORM))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [None]

    app = Harness(RegisterScreen(LEGACY_FORM))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.click("#cancel")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [None]


async def test_server_texts_are_shown_as_inert_text() -> None:
    hostile = "[b]x[/b] \x1b[2J [@click=app.quit]q[/]"
    form = RegistrationForm(
        instructions=f"Read {hostile}",
        fields=(
            FormField("", "fixed", value=f"Fixed {hostile}"),
            FormField("nick", "text-single", f"Nick {hostile}", description=f"Desc {hostile}"),
            FormField("pick", "list-single", "Pick", options=((f"Opt {hostile}", "o"),)),
            FormField("many", "list-multi", "Many", options=((f"Multi {hostile}", "m"),)),
            FormField("ok", "boolean", f"Box {hostile}"),
        ),
        is_data_form=True,
    )
    error = "The server refused the registration: [red]no[/red]."
    app = Harness(RegisterScreen(form, domain="[b]evil[/b].org", error=error))
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(app, pilot)
        await pilot.press("tab", "enter", "down", "enter")  # choose in the Select overlay
        assert screen.query_one("#field-2", Select).value == "o"
        texts = shown_texts(screen)  # includes the Select's current value
        inert = "[b]x[/b] �[2J [@click=app.quit]q[/]"
        for expected in ("Read", "Fixed", "Nick", "Desc", "Opt"):
            assert f"{expected} {inert}" in texts, expected
        assert not any("\x1b" in text for text in texts)
        assert str(screen.query_one("#error", Static).render()) == error
        title = str(screen.query_one("#title", Static).render())
        assert title == "Create an account on [b]evil[/b].org"
        assert screen.query_one("#field-4", Checkbox).label.plain == f"Box {inert}"
        multi = screen.query_one("#field-3", SelectionList)
        assert str(multi.get_option_at_index(0).prompt) == f"Multi {inert}"
    assert app.results == []
