"""Details of one contact: JID, name, subscription in words, groups, online resources."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from xmpptui.models import ResourcePresence
from xmpptui.ui import render
from xmpptui.ui.widgets.roster_model import ContactDetails

SUBSCRIPTIONS = {
    "both": "both: you see each other's presence",
    "to": "to: you see their presence, they do not see yours",
    "from": "from: they see your presence, you do not see theirs",
    "none": "none: neither of you sees the other's presence",
}
"""The subscription states (RFC 6121) in words."""


def subscription_words(details: ContactDetails) -> str:
    """``SUBSCRIPTIONS`` plus the pending requests either way."""
    contact = details.contact
    words = SUBSCRIPTIONS.get(contact.subscription, SUBSCRIPTIONS["none"])
    if contact.ask:
        words += "; you asked to see their presence, not answered yet"
    if details.request is not None:
        words += "; asks to see your presence"
    return words


def resource_line(presence: ResourcePresence, client: str) -> Text:
    """``● phone  Away · "on the train" · priority 5 · Conversations``, all cleaned."""
    line = Text()
    line.append_text(render.presence_marker(presence.show))
    line.append(" ")
    line.append_text(render.identity_text(presence.resource or "(no resource)", "bold"))
    line.append(f"  {presence.show.label}")
    if presence.status:
        line.append(" · ")
        line.append_text(render.identity_text(presence.status, "italic", max_len=120))
    line.append(f" · priority {presence.priority}", style="dim")
    if client:
        line.append(" · ")
        line.append_text(render.identity_text(client, "dim"))
    return line


class ContactScreen(ModalScreen[str | None]):
    """What we know about one contact, and what can be done with it.

    Dismisses with ``None`` (closed) or the action the app should carry out.

    | key      | dismisses with |
    |----------|----------------|
    | escape/q | ``None``       |
    | m        | ``"message"``  |
    | r        | ``"rename"``   |
    | g        | ``"group"``    |
    | x        | ``"remove"``   |
    | b        | ``"block"``    |
    | a / d    | ``"accept"`` / ``"deny"`` (only while they ask)  |
    """

    BINDINGS = [
        Binding("escape,q", "choose(None)", "Close", id="contact.close"),
        Binding("m", "choose('message')", "Message", id="contact.message"),
        Binding("r", "choose('rename')", "Rename", id="contact.rename"),
        Binding("g", "choose('group')", "Group", id="contact.group"),
        Binding("x", "choose('remove')", "Remove", id="contact.remove"),
        Binding("b", "choose('block')", "Block", id="contact.block"),
        Binding("a", "choose('accept')", "Accept", id="contact.accept"),
        Binding("d", "choose('deny')", "Deny", id="contact.deny"),
    ]

    DEFAULT_CSS = """
    ContactScreen { align: center middle; }
    ContactScreen > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ContactScreen #name { text-style: bold; margin-bottom: 1; }
    ContactScreen .label { color: $text-muted; margin-top: 1; }
    ContactScreen #resources { height: auto; max-height: 12; }
    ContactScreen #keys { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, details: ContactDetails) -> None:
        super().__init__()
        self.details = details

    def compose(self) -> ComposeResult:
        contact = self.details.contact
        groups = ", ".join(render.clean_identity(g) for g in contact.groups) or "(none)"
        keys = "m message · r rename · g group · x remove · b block · esc close"
        if self.details.request is not None:
            keys = "a accept · d deny · " + keys
        with Vertical():
            yield Static(render.identity_content(contact.display_name, max_len=120), id="name")
            yield Static(render.identity_content(contact.jid, max_len=200), id="jid")
            yield Static("Subscription", classes="label")
            yield Static(Text(subscription_words(self.details)), id="subscription")
            yield Static("Groups", classes="label")
            yield Static(Text(groups), id="groups")
            yield Static("Online resources", classes="label")
            with VerticalScroll(id="resources"):
                for presence in self.details.resources:
                    client = self.details.clients.get(presence.resource, "")
                    yield Static(resource_line(presence, client), classes="resource")
                if not self.details.resources:
                    yield Static(Text("Offline (no resource online)", "dim"), id="offline")
            yield Static(Text(keys), id="keys")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and parameters[0] in ("accept", "deny"):
            return self.details.request is not None
        return True

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
