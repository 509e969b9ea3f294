"""The roster pane: contacts by group, with presence, keyboard first."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui import render

NO_GROUP = "Contacts"


class RosterView(Tree[str]):
    """Contacts grouped by roster group, most reachable first.

    Leaves carry the contact's bare JID as data; group nodes carry ``""``.
    Changes are batched: any number of updates in one frame cause one rebuild.

    | key          | action                        |
    |--------------|-------------------------------|
    | up/down, j/k | move                          |
    | enter        | open a chat with the contact  |
    | space        | fold / unfold a group         |
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    DEFAULT_CSS = """
    RosterView {
        background: $surface;
        overflow-x: hidden;
    }
    """

    class ContactChosen(Message):
        """Enter was pressed on a contact."""

        def __init__(self, jid: str) -> None:
            super().__init__()
            self.jid = jid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Roster", data="", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self._contacts: dict[str, Contact] = {}
        self._presence: dict[str, dict[str, ResourcePresence]] = {}
        self._collapsed: set[str] = set()
        self._rebuild_pending = False
        self._group_of_node: dict[int, str] = {}

    # ---------------------------------------------------------------- data
    def set_contacts(self, contacts: Iterable[Contact]) -> None:
        """Replace the whole roster (login)."""
        self._contacts = {c.jid: c for c in contacts}
        self._schedule_rebuild()

    def update_contact(self, contact: Contact) -> None:
        self._contacts[contact.jid] = contact
        self._schedule_rebuild()

    def remove_contact(self, jid: str) -> None:
        self._contacts.pop(jid, None)
        self._presence.pop(jid, None)
        self._schedule_rebuild()

    def update_presence(self, jid: str, presence: ResourcePresence) -> None:
        resources = self._presence.setdefault(jid, {})
        if presence.show is Show.OFFLINE:
            resources.pop(presence.resource, None)
        else:
            resources[presence.resource] = presence
        if jid in self._contacts:
            self._schedule_rebuild()

    def clear_presence(self) -> None:
        """Everyone is offline as far as we know (we are disconnected)."""
        self._presence.clear()
        self._schedule_rebuild()

    def contact(self, jid: str) -> Contact | None:
        return self._contacts.get(jid)

    def best_presence(self, jid: str) -> ResourcePresence | None:
        """The resource that would receive a bare-JID message: highest priority."""
        resources = self._presence.get(jid)
        if not resources:
            return None
        return max(resources.values(), key=lambda p: (p.priority, -p.show.rank))

    def display_name(self, jid: str) -> str:
        contact = self._contacts.get(jid)
        return contact.display_name if contact else jid

    @property
    def selected_jid(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node.data else None

    # ------------------------------------------------------------- drawing
    def _schedule_rebuild(self) -> None:
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_later(self._rebuild)

    def _sort_key(self, contact: Contact) -> tuple[int, str]:
        best = self.best_presence(contact.jid)
        rank = best.show.rank if best else Show.OFFLINE.rank
        return rank, contact.display_name.casefold()

    def _rebuild(self) -> None:
        self._rebuild_pending = False
        selected = self.selected_jid
        groups: dict[str, list[Contact]] = {}
        for contact in self._contacts.values():
            for group in contact.groups or (NO_GROUP,):
                groups.setdefault(group, []).append(contact)
        self.clear()
        self._group_of_node.clear()
        target: TreeNode[str] | None = None
        for group in sorted(groups, key=lambda g: (g == NO_GROUP, g.casefold())):
            members = sorted(groups[group], key=self._sort_key)
            online = sum(1 for c in members if self.best_presence(c.jid))
            label = render.identity_text(group, style="bold")
            label.append(f" {online}/{len(members)}", style="dim")
            node = self.root.add(label, data="", expand=group not in self._collapsed)
            self._group_of_node[node.id] = group
            for contact in members:
                leaf = node.add_leaf(self._contact_label(contact), data=contact.jid)
                if contact.jid == selected and target is None:
                    target = leaf
        if target is not None:
            self.move_cursor(target)

    def _contact_label(self, contact: Contact) -> Text:
        best = self.best_presence(contact.jid)
        show = best.show if best else Show.OFFLINE
        label = Text()
        label.append_text(render.presence_marker(show))
        label.append(" ")
        style = "" if best else "dim"
        label.append_text(render.identity_text(contact.display_name, style=style))
        if contact.ask:
            label.append(" (pending)", style="italic dim")
        if best and best.status:
            label.append(" ")
            label.append_text(render.identity_text(best.status, style="dim italic", max_len=40))
        return label

    # -------------------------------------------------------------- events
    def on_focus(self, _event: events.Focus) -> None:
        """Land on the first contact rather than nowhere."""
        if self.cursor_line < 0:
            for line in range(self.last_line + 1):
                node = self.get_node_at_line(line)
                if node is not None and node.data:
                    self.cursor_line = line
                    break

    def _on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.ContactChosen(event.node.data))
        else:
            event.node.toggle()

    def _on_tree_node_collapsed(self, event: Tree.NodeCollapsed[str]) -> None:
        group = self._group_of_node.get(event.node.id)
        if group is not None:
            self._collapsed.add(group)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        group = self._group_of_node.get(event.node.id)
        if group is not None:
            self._collapsed.discard(group)
