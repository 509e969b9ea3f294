"""The main screen: status line, roster and presence on the left, chat tabs and input on the right.

It turns what the user does into intents (nested messages) for the app; it
never talks to the network itself.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from xmpptui.models import Show
from xmpptui.ui import commands, render
from xmpptui.ui.screens.confirm import ConfirmScreen
from xmpptui.ui.screens.contact import ContactScreen
from xmpptui.ui.screens.prompt import RequestScreen, TextPromptScreen
from xmpptui.ui.widgets.chat import ChatTabs
from xmpptui.ui.widgets.composer import Composer
from xmpptui.ui.widgets.footer import KeyFooter
from xmpptui.ui.widgets.presence import PresenceSelector
from xmpptui.ui.widgets.roster import RosterView
from xmpptui.ui.widgets.roster_pane import RosterPane
from xmpptui.ui.widgets.status_line import StatusLine


class MainScreen(Screen[None]):
    """Everything a user sees once logged in.

    | key         | action                           |
    |-------------|----------------------------------|
    | ctrl+r      | focus the roster                 |
    | ctrl+s      | open the presence selector       |
    | ctrl+w      | close the current tab            |
    | alt+right   | next tab                         |
    | alt+left    | previous tab                     |
    | f4          | set the status message           |
    | f5          | reconnect now                    |
    | escape      | back to the input line           |
    | alt+1..9    | tab 1 (console) .. 9             |
    | alt+a       | next tab with unread messages    |
    | ctrl+l      | focus the messages (y copy, o open URL) |
    | /           | start a command (from anywhere)  |
    """

    BINDINGS = [
        Binding("ctrl+r", "focus_roster", "Roster", id="roster.focus"),
        Binding("ctrl+s", "choose_presence", "Presence", id="presence.choose"),
        Binding("ctrl+w", "close_tab", "Close tab", id="tab.close"),
        Binding("alt+right,ctrl+n", "next_tab", "Next tab", id="tab.next"),
        Binding("alt+left", "previous_tab", "Prev tab", id="tab.previous"),
        Binding("f5", "reconnect", "Reconnect", id="connection.reconnect"),
        Binding("f4", "status_message", "Status msg", id="presence.message"),
        Binding("escape", "focus_input", "Input", show=False, id="input.focus"),
        Binding("alt+a", "next_unread", "Next unread", id="tab.next_unread"),
        Binding("ctrl+l", "focus_log", "Log", show=False, id="log.focus"),
        *(
            Binding(f"alt+{n}", f"select_tab({n})", f"Tab {n}", show=False, id=f"tab.{n}")
            for n in range(1, 10)
        ),
    ]

    DEFAULT_CSS = """
    MainScreen #sidebar {
        width: 34;
        border-right: vkey $primary 30%;
    }
    MainScreen #sidebar PresenceSelector {
        margin: 0 0 1 0;
    }
    MainScreen #sidebar RosterPane {
        height: 1fr;
    }
    MainScreen #chat {
        width: 1fr;
    }
    """

    class SendRequested(Message):
        """Send ``body`` to the bare JID ``peer``."""

        def __init__(self, peer: str, body: str) -> None:
            super().__init__()
            self.peer = peer
            self.body = body

    class PresenceRequested(Message):
        """Broadcast this presence."""

        def __init__(self, show: Show, status: str = "") -> None:
            super().__init__()
            self.show = show
            self.status = status

    class ConversationOpened(Message):
        """A tab for ``peer`` was opened (the app may fill it from history)."""

        def __init__(self, peer: str) -> None:
            super().__init__()
            self.peer = peer

    class CommandRequested(Message):
        """A command for the app to carry out (``/add``, ``/reconnect``, ``/passwd``...)."""

        def __init__(self, command: commands.Command) -> None:
            super().__init__()
            self.command = command

    class DetailsShown(Message):
        """The details view of ``jid`` opened (the app may ask for client versions)."""

        def __init__(self, jid: str) -> None:
            super().__init__()
            self.jid = jid

    class QuitRequested(Message):
        """The user asked to quit (``/quit``)."""

    def __init__(self, account: str) -> None:
        super().__init__()
        self.account = account
        self._status_text = ""

    def compose(self) -> ComposeResult:
        status = StatusLine(id="status")
        status.account = self.account
        yield status
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield PresenceSelector(id="presence")
                yield RosterPane(id="roster-pane")
            with Vertical(id="chat"):
                with ChatTabs(id="tabs"):
                    yield ChatTabs.console_pane()
                yield Composer(id="composer")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.composer.focus()
        self.tabs.console.add_notice(
            "Welcome. Pick a contact on the left and press Enter, or type /msg JID. "
            "/help lists the commands."
        )

    def show_presence(self, show: Show, status: str) -> None:
        """Reflect the current presence (e.g. from config) without announcing it."""
        self._status_text = status
        self.presence.show_quietly(show)

    # ---------------------------------------------------------- accessors
    @property
    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    @property
    def roster(self) -> RosterView:
        return self.query_one("#roster", RosterView)

    @property
    def tabs(self) -> ChatTabs:
        return self.query_one("#tabs", ChatTabs)

    @property
    def composer(self) -> Composer:
        return self.query_one("#composer", Composer)

    @property
    def presence(self) -> PresenceSelector:
        return self.query_one("#presence", PresenceSelector)

    # ------------------------------------------------------------ intents
    async def open_conversation(self, jid: str, *, focus: bool = True) -> None:
        is_new = not self.tabs.has_peer(jid)
        await self.tabs.open_peer(jid, self.roster.display_name(jid), focus=focus)
        if is_new:
            self.post_message(self.ConversationOpened(jid))

    async def on_roster_view_contact_chosen(self, event: RosterView.ContactChosen) -> None:
        await self.open_conversation(event.jid)
        self.composer.focus()

    def on_roster_view_request_chosen(self, event: RosterView.RequestChosen) -> None:
        self.answer_request(event.jid)

    def on_roster_view_details_requested(self, event: RosterView.DetailsRequested) -> None:
        self.show_details(event.jid)

    def on_roster_view_action_requested(self, event: RosterView.ActionRequested) -> None:
        self.roster_action(event.action, event.jid)

    def answer_request(self, jid: str) -> None:
        """The accept / deny / later dialog for a pending friend request."""
        request = self.roster.model.request(jid)
        nick, status = (request.nick, request.status) if request else ("", "")

        def answered(choice: str | None) -> None:
            if choice:
                self.roster_action(choice, jid)

        self.app.push_screen(RequestScreen(jid, nick, status), answered)

    def show_details(self, jid: str) -> None:
        details = self.roster.details(jid)
        if details is None:
            self.notify(
                render.clean_identity(f"{jid} is not in your roster.", max_len=300),
                severity="warning",
                markup=False,
            )
            return
        self.post_message(self.DetailsShown(jid))

        def chosen(action: str | None) -> None:
            if action:
                self.roster_action(action, jid)

        self.app.push_screen(ContactScreen(details), chosen)

    def roster_action(self, action: str, jid: str) -> None:
        """Turn a roster key or dialog choice into a command (asking what is missing)."""
        name = self.roster.display_name(jid)

        def ask(question: str, value: str, make: Callable[[str], commands.Command]) -> None:
            def answered(text: str | None) -> None:
                if text:
                    self.post_message(self.CommandRequested(make(text)))

            self.app.push_screen(TextPromptScreen(question, value), answered)

        def confirm(question: str, command: commands.Command) -> None:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.post_message(self.CommandRequested(command))

            self.app.push_screen(ConfirmScreen(question), answered)

        contact = self.roster.contact(jid)
        match action:
            case "add":
                self.ask_add_contact()
            case "message":
                self.run_worker(self.open_conversation(jid))
            case "accept":
                self.post_message(self.CommandRequested(commands.AcceptCommand(jid)))
            case "deny":
                self.post_message(self.CommandRequested(commands.DenyCommand(jid)))
            case "rename":
                ask(
                    f"New name for {jid}",
                    contact.name if contact else "",
                    lambda text: commands.RenameCommand(jid, text),
                )
            case "group":
                current = ", ".join(contact.groups) if contact else ""
                ask(f"Group for {name}", current, lambda text: commands.GroupCommand(jid, text))
            case "remove":
                confirm(
                    f"Remove {name} ({jid}) from your roster? "
                    "This also cancels both presence subscriptions.",
                    commands.RemoveCommand(jid),
                )
            case "block":
                confirm(
                    f"Block {name} ({jid})? You will receive nothing from them.",
                    commands.BlockCommand(jid),
                )

    def ask_add_contact(self) -> None:
        """Prompt for ``JID [name]`` and add it (same checks as ``/add``)."""

        def answered(text: str | None) -> None:
            if not text:
                return
            try:
                command = commands.parse(f"/add {text}")
            except commands.CommandError as error:
                self.notify(render.clean_identity(str(error), 300), severity="error", markup=False)
                return
            if command is not None:
                self.post_message(self.CommandRequested(command))

        self.app.push_screen(
            TextPromptScreen(
                "Add a contact: JID, then an optional name", "", "bob@example.org Bob"
            ),
            answered,
        )

    def ask_status_message(self) -> None:
        """Prompt for a status message, keeping the current presence."""

        def answered(text: str | None) -> None:
            if text is not None:
                show = self.presence.value
                if isinstance(show, Show):
                    self._status_text = text
                    self.post_message(self.PresenceRequested(show, text))

        self.app.push_screen(TextPromptScreen("Status message", self._status_text), answered)

    def on_presence_selector_presence_chosen(self, event: PresenceSelector.PresenceChosen) -> None:
        self.post_message(self.PresenceRequested(event.show, self._status_text))
        self.composer.focus()

    async def on_composer_line_entered(self, event: Composer.LineEntered) -> None:
        try:
            command = commands.parse(event.text)
        except commands.CommandError as error:
            self.notify(render.clean_identity(str(error), 300), severity="error", markup=False)
            self.tabs.console.add_notice(str(error), style="red")
            return
        if command is None:
            self._send(event.text)
        elif isinstance(command, commands.SayCommand):
            self._send(command.text)
        else:
            await self._run(command)

    def _send(self, text: str) -> None:
        peer = self.tabs.active_peer
        if peer is None:
            self.notify(
                "Open a conversation first: Enter on a contact, or /msg JID text.",
                severity="warning",
                markup=False,
            )
            return
        self.post_message(self.SendRequested(peer, text))

    async def _run(self, command: commands.Command) -> None:
        match command:
            case commands.MsgCommand(jid=jid, text=text):
                await self.open_conversation(jid)
                if text:
                    self.post_message(self.SendRequested(jid, text))
            case commands.StatusCommand(show=show, message=message):
                self._status_text = message
                self.presence.show_quietly(show)
                self.post_message(self.PresenceRequested(show, message))
            case commands.CloseCommand():
                await self.action_close_tab()
            case commands.QuitCommand():
                self.post_message(self.QuitRequested())
            case commands.HelpCommand(topic=topic):
                self._show_help(topic)
            case commands.RemoveCommand(jid=jid):
                self.roster_action("remove", jid)  # always asks first
            case commands.InfoCommand(jid=jid):
                self.show_details(jid)
            case commands.XmlConsoleCommand():
                await self.tabs.open_xml_console()  # ChatTabs.XmlConsoleToggled tells the app
            case _:
                self.post_message(self.CommandRequested(command))

    def _show_help(self, topic: str | None) -> None:
        console = self.tabs.console
        topics = [topic] if topic else list(commands.HELP)
        for name in topics:
            usage, description = commands.HELP[name]
            console.add_notice(f"{usage:<40} {description}", style="")
        if topic is None:
            console.add_notice(commands.ESCAPE_HELP, style="")
            for where, bindings in (("Keys", self.BINDINGS), ("Roster", RosterView.BINDINGS)):
                keys = ", ".join(
                    f"{binding.key} {binding.description}"
                    for binding in bindings
                    if isinstance(binding, Binding) and binding.description
                )
                console.add_notice(f"{where}: {keys}.", style="")
            console.add_notice(
                "Also: ctrl+q Quit, ctrl+p Command palette. Keys can be remapped in "
                'config.toml [keys] by binding id (e.g. roster.focus = "f2").',
                style="",
            )
        self.tabs.active = "console"

    # ------------------------------------------------------------ actions
    def action_focus_roster(self) -> None:
        self.roster.focus()

    def action_choose_presence(self) -> None:
        self.presence.focus()
        self.presence.action_show_overlay()

    def action_status_message(self) -> None:
        self.ask_status_message()

    def action_reconnect(self) -> None:
        self.post_message(self.CommandRequested(commands.ReconnectCommand()))

    def action_focus_input(self) -> None:
        self.composer.focus()

    async def action_close_tab(self) -> None:
        await self.tabs.close_active()

    def action_select_tab(self, number: int) -> None:
        self.tabs.select_index(number)

    def action_next_unread(self) -> None:
        peer = self.tabs.next_unread()
        if peer is None:
            self.notify("No unread messages.", markup=False)
        else:
            self.tabs.select_peer(peer)

    def action_focus_log(self) -> None:
        self.tabs.active_view.focus()

    def on_composer_edit_last_requested(self, _event: Composer.EditLastRequested) -> None:
        """Up on an empty line: edit the last message of this tab (XEP-0308)."""
        peer = self.tabs.active_peer
        view = self.tabs.log_for(peer) if peer else None
        last = view.last_own_message() if view is not None else None
        if last is None:
            self.composer.history_back()
            return
        self.composer.value = "/correct " + last.body
        self.composer.cursor_position = len(self.composer.value)

    def action_next_tab(self) -> None:
        self.tabs.cycle(1)

    def action_previous_tab(self) -> None:
        self.tabs.cycle(-1)

    def on_key(self, event: events.Key) -> None:
        """``/`` typed anywhere but in a text field starts a command."""
        if event.character == "/" and not isinstance(self.focused, Input):
            event.stop()
            event.prevent_default()
            self.composer.start_command()
