"""The account picker: what ``xmpptui`` with no JID opens.

A small app of its own, run before the main app in the same event loop. It
returns the chosen bare JID and whether the account must be created first.
The list of accounts comes from the caller (the UI never reads the config).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.ui import render, textual_fixes
from xmpptui.ui.widgets.footer import KeyFooter

_ADD = "__add__"
_CREATE = "__create__"


@dataclass(frozen=True, slots=True)
class Pick:
    """The user's choice."""

    jid: str
    create: bool = False  # register the account (XEP-0077) before logging in


class AccountPickerApp(App[Pick | None]):
    """Choose an account, add one, or create one. Escape or ctrl+q quits.

    | key    | action                     |
    |--------|----------------------------|
    | enter  | choose                     |
    | escape | back / quit                |
    """

    TITLE = "xmpptui"
    BINDINGS = [
        Binding("escape", "leave", "Back / quit"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    DEFAULT_CSS = """
    AccountPickerApp {
        align: center middle;
    }
    AccountPickerApp > Screen {
        align: center middle;
    }
    AccountPickerApp #box {
        width: 64;
        height: auto;
        border: thick $primary;
        padding: 1 2;
        background: $surface;
    }
    AccountPickerApp #title {
        text-style: bold;
        margin-bottom: 1;
    }
    AccountPickerApp OptionList {
        height: auto;
        max-height: 16;
    }
    AccountPickerApp #ask {
        display: none;
        height: auto;
        margin-top: 1;
    }
    AccountPickerApp #problem {
        color: $error;
    }
    """

    def __init__(self, accounts: Sequence[str], is_valid_jid: Callable[[str], bool]) -> None:
        super().__init__()
        textual_fixes.apply()
        self._accounts = list(accounts)
        self._is_valid = is_valid_jid
        self._create = False

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static("Choose an account", id="title")
            options = [
                Option(render.identity_content(jid, max_len=60), id=jid) for jid in self._accounts
            ]
            options += [
                Option("Add an existing account…", id=_ADD),
                Option("Create a new account on a server…", id=_CREATE),
            ]
            yield OptionList(*options, id="accounts")
            with Vertical(id="ask"):
                yield Label("Address (JID), e.g. alice@example.org", id="ask-label")
                yield Input(placeholder="name@server", id="jid")
                yield Static("", id="problem")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#accounts", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id or ""
        if choice in (_ADD, _CREATE):
            self._create = choice == _CREATE
            label = "New account address" if self._create else "Account address"
            self.query_one("#ask-label", Label).update(f"{label} (JID), e.g. alice@example.org")
            self.query_one("#ask").display = True
            self.query_one("#jid", Input).focus()
        else:
            self.exit(Pick(choice))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        jid = event.value.strip()
        if not self._is_valid(jid):
            self.query_one("#problem", Static).update(
                render.body_content(f"{jid!r} is not a valid JID (expected name@server).")
            )
            return
        self.exit(Pick(jid, create=self._create))

    def action_leave(self) -> None:
        ask = self.query_one("#ask")
        if ask.display:
            ask.display = False
            self.query_one("#accounts", OptionList).focus()
        else:
            self.exit(None)
