"""The account picker that `xmpptui` with no JID opens."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from tests.ui.fake import wait_for
from xmpptui.jid import is_valid_bare_jid
from xmpptui.ui.picker import AccountPickerApp, Pick

SIZE = (100, 30)


async def test_choose_a_configured_account() -> None:
    app = AccountPickerApp(["alice@example.org", "[b]bob[/b]@example.net"], is_valid_bare_jid)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList))
        options = app.query_one(OptionList)
        assert str(options.get_option_at_index(1).prompt) == "[b]bob[/b]@example.net"
        await pilot.press("enter")
    assert app.return_value == Pick("alice@example.org")


async def test_create_a_new_account_validates_the_jid() -> None:
    app = AccountPickerApp([], is_valid_bare_jid)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList))
        await pilot.press("down", "enter")  # "Create a new account…"
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press(*"not a jid", "enter")
        await pilot.pause()
        assert "not a valid JID" in str(app.query_one("#problem").render())
        app.query_one(Input).value = ""
        await pilot.press(*"carol@example.org", "enter")
    assert app.return_value == Pick("carol@example.org", create=True)


async def test_escape_goes_back_then_quits() -> None:
    app = AccountPickerApp(["alice@example.org"], is_valid_bare_jid)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList))
        await pilot.press("down", "enter")  # "Add an existing account…"
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList))
        await pilot.press("escape")
    assert app.return_value is None
