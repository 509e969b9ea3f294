"""The roster as data: contacts, presence, requests and unread counts, flattened into rows.

Pure Python (no Textual): the widget in ``roster.py`` draws what ``rows()``
returns. Strings are kept exactly as received; cleaning happens when drawing.

Rows, top to bottom
-------------------
| kind             | when                            | fields used                       |
|------------------|---------------------------------|-----------------------------------|
| request-header   | at least one (matching) request | ``total`` = pending requests      |
| request          | one per pending request         | ``jid``, ``name`` (nick), status  |
| group            | one per group with members      | ``group``, ``online``, ``total``, |
|                  |                                 | ``collapsed``                     |
| contact          | per contact and group, unless   | ``jid``, ``group``, ``name``,     |
|                  | the group is collapsed          | ``show``, ``status``, ``unread``, |
|                  |                                 | ``subscription``, ``ask``         |

Groups sort by name (casefold), contacts without a group go to ``NO_GROUP``,
last. Inside a group: most reachable first (``Show.rank`` of the best
resource), then display name (casefold), then JID. A filter (case-insensitive
substring of name or JID) hides other contacts, groups left empty and requests
that do not match; while filtering, collapsed groups show their matches. Group
counts (``online``/``total``) always count every member.

Cost: each group keeps its members as a sorted list of keys (``bisect``), and
each contact a cached ``Row`` per group. ``view()`` returns the rows as a
:class:`~xmpptui.ui.widgets.roster_rows.RowView` that makes a row only when it
is read (the widget reads what is on screen): after a change, making a view
costs a few operations per group, not one per contact. A presence change moves
the contact in the lists of its groups only. The filter looks for the needle in
one cached casefolded string per contact, and a longer needle (the next key
typed) searches only the previous matches.

Lists a view holds (a group's members, its matches) are never modified: a
change replaces them, so views stay as they were made.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui.widgets.roster_rows import Block, RowView
from xmpptui.ui.widgets.roster_rows import Row as Row  # re-exported: where it used to live
from xmpptui.ui.widgets.roster_rows import SortKey as _SortKey

NO_GROUP = "Contacts"
"""Where contacts without a group are listed (always the last group)."""

_OFFLINE_RANK = Show.OFFLINE.rank
_SEPARATOR = "\0"  # between JID and name in the filter's haystack (never in a JID)


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """Someone asked to see our presence (an incoming ``subscribe``)."""

    jid: str
    nick: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """What the details screen shows about one JID."""

    contact: Contact
    resources: tuple[ResourcePresence, ...] = ()
    clients: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    request: PendingRequest | None = None  # they asked to see our presence
    unread: int = 0


def groups_of(contact: Contact) -> tuple[str, ...]:
    """The groups ``contact`` is listed in: its own (no blanks, no repeats), else ``NO_GROUP``."""
    groups = contact.groups
    if len(groups) == 1 and groups[0].strip():  # most contacts: one group
        return groups
    return tuple(dict.fromkeys(g for g in groups if g.strip())) or (NO_GROUP,)


class _Group:
    __slots__ = ("header", "matches", "matches_for", "members")

    def __init__(self, members: list[_SortKey] | None = None) -> None:
        self.members: list[_SortKey] = members or []  # sorted; replaced, never modified
        self.header: Row | None = None  # None: make again
        self.matches: list[_SortKey] | None = None  # members matching ``matches_for``
        self.matches_for = ""


class RosterModel:
    """The roster state and its visible rows. See the module docstring."""

    def __init__(self) -> None:
        self._contacts: dict[str, Contact] = {}
        self._presence: dict[str, dict[str, ResourcePresence]] = {}
        self._best: dict[str, ResourcePresence] = {}
        self._clients: dict[str, dict[str, str]] = {}
        self._requests: dict[str, PendingRequest] = {}
        self._unread: dict[str, int] = {}
        self._collapsed: set[str] = set()
        self._filter = ""
        self._groups: dict[str, _Group] = {}
        self._keys: dict[str, _SortKey] = {}
        self._row_cache: dict[tuple[str, str], Row] = {}
        self._haystacks: dict[str, str] = {}  # jid -> casefolded "jid\0name", for the filter
        self._order: list[str] | None = None  # sorted group names; None: re-sort
        self._request_rows: list[Row] | None = None
        self._view: RowView | None = None

    # ------------------------------------------------------------ contacts
    def set_contacts(self, contacts: Iterable[Contact]) -> None:
        """Replace the whole roster (presence, requests and unread counts are kept)."""
        self._contacts = {c.jid: c for c in contacts}
        self._haystacks.clear()
        self._reindex()

    def update_contact(self, contact: Contact) -> None:
        """Add or change one roster item (a roster push)."""
        if contact.jid in self._contacts:
            self._unindex(contact.jid)
        self._contacts[contact.jid] = contact
        self._haystacks.pop(contact.jid, None)
        self._index(contact)

    def remove_contact(self, jid: str) -> None:
        """Drop ``jid`` from the roster, with its presence."""
        if jid in self._contacts:
            self._unindex(jid)
            del self._contacts[jid]
            self._haystacks.pop(jid, None)
        self._presence.pop(jid, None)
        self._best.pop(jid, None)
        self._clients.pop(jid, None)

    def contact(self, jid: str) -> Contact | None:
        return self._contacts.get(jid)

    def contacts(self) -> list[Contact]:
        return list(self._contacts.values())

    def display_name(self, jid: str) -> str:
        """The roster name, else the nick of a pending request, else the JID (raw, uncleaned)."""
        contact = self._contacts.get(jid)
        if contact is not None:
            return contact.display_name
        request = self._requests.get(jid)
        return (request.nick if request else "") or jid

    # ------------------------------------------------------------ presence
    def update_presence(self, jid: str, presence: ResourcePresence) -> None:
        """Record one resource's presence; ``Show.OFFLINE`` removes the resource."""
        resources = self._presence.setdefault(jid, {})
        if presence.show is Show.OFFLINE:
            resources.pop(presence.resource, None)
            self._clients.get(jid, {}).pop(presence.resource, None)
        else:
            resources[presence.resource] = presence
        best = max(resources.values(), key=_priority) if resources else None
        if best == self._best.get(jid):
            return
        if best is None:
            del self._best[jid]
        else:
            self._best[jid] = best
        contact = self._contacts.get(jid)
        if contact is not None:
            self._unindex(jid)
            self._index(contact)
        if jid in self._requests:
            self._request_rows = self._view = None

    def clear_presence(self) -> None:
        """Everyone is offline as far as we know (we are disconnected)."""
        self._presence.clear()
        self._best.clear()
        self._clients.clear()
        self._reindex()

    def set_client(self, jid: str, resource: str, name: str) -> None:
        """The software behind ``jid/resource`` (forgotten when the resource goes offline)."""
        self._clients.setdefault(jid, {})[resource] = name

    def client(self, jid: str, resource: str) -> str:
        return self._clients.get(jid, {}).get(resource, "")

    def best_presence(self, jid: str) -> ResourcePresence | None:
        """The resource that would receive a bare-JID message: highest priority."""
        return self._best.get(jid)

    def resources(self, jid: str) -> list[ResourcePresence]:
        """Online resources of ``jid``, highest priority first."""
        found = self._presence.get(jid, {}).values()
        return sorted(found, key=lambda p: (-p.priority, p.show.rank, p.resource))

    # ------------------------------------------------------------ requests
    def add_request(self, jid: str, nick: str = "", status: str = "") -> None:
        """``jid`` asks to see our presence (kept until answered or withdrawn)."""
        self._requests[jid] = PendingRequest(jid, nick, status)
        self._request_rows = self._view = None

    def remove_request(self, jid: str) -> None:
        if self._requests.pop(jid, None) is not None:
            self._request_rows = self._view = None

    def requests(self) -> list[str]:
        """JIDs with a pending request, oldest first."""
        return list(self._requests)

    def request(self, jid: str) -> PendingRequest | None:
        return self._requests.get(jid)

    # ----------------------------------------------------- unread, details
    def set_unread(self, jid: str, count: int) -> None:
        """Unread messages from ``jid`` (0 clears)."""
        if count == self._unread.get(jid, 0):
            return
        if count > 0:
            self._unread[jid] = count
        else:
            self._unread.pop(jid, None)
        if jid in self._contacts:
            self._touch(jid)

    def unread(self, jid: str) -> int:
        return self._unread.get(jid, 0)

    def details(self, jid: str) -> ContactDetails | None:
        """Everything known about ``jid``; ``None`` if it is neither a contact nor a request."""
        request = self._requests.get(jid)
        contact = self._contacts.get(jid)
        if contact is None:
            if request is None:
                return None
            contact = Contact(jid, request.nick)
        return ContactDetails(
            contact,
            tuple(self.resources(jid)),
            dict(self._clients.get(jid, {})),
            request,
            self.unread(jid),
        )

    # ------------------------------------------------------ filter, groups
    @property
    def filter(self) -> str:
        return self._filter

    def set_filter(self, text: str) -> bool:
        """Show only contacts and requests whose name or JID contains ``text`` (any case);
        False if that is already the filter."""
        needle = text.strip().casefold()
        if needle == self._filter:
            return False
        self._filter = needle
        self._invalidate_groups()
        return True

    def prepare_filter(self) -> None:
        """Make what the filter searches now (the box opened), not at the first key."""
        for jid in self._contacts.keys() - self._haystacks.keys():
            self._haystack(jid)

    def toggle_group(self, name: str) -> bool:
        """Fold or unfold group ``name``; returns whether it is now collapsed."""
        collapsed = name not in self._collapsed
        if collapsed:
            self._collapsed.add(name)
        else:
            self._collapsed.discard(name)
        self._dirty(name)
        return collapsed

    # ---------------------------------------------------------------- rows
    def rows(self) -> list[Row]:
        """The visible rows, top to bottom (all made: for tests; the widget uses ``view``)."""
        return list(self.view())

    def view(self) -> RowView:
        """The visible rows, made when read (the same view until something changes)."""
        if self._view is None:
            if self._request_rows is None:
                self._request_rows = self._build_requests()
            if self._order is None:
                self._order = sorted(self._groups, key=lambda g: (g == NO_GROUP, g.casefold(), g))
            blocks: list[Block] = []
            start = len(self._request_rows)
            for name in self._order:
                group = self._groups[name]
                shown = self._shown(group)
                if not shown:  # only while filtering: groups have members
                    continue
                if group.header is None:
                    group.header = self._header(name, group)
                keys = () if group.header.collapsed else shown
                blocks.append(Block(start, name, group.header, keys))
                start += 1 + len(keys)
            self._view = RowView(self, self._request_rows, blocks)
        return self._view

    def _build_requests(self) -> list[Row]:
        shown = [r for r in self._requests.values() if self._matches(r.jid, r.nick)]
        if not shown:
            return []
        rows = [Row("request-header", "requests", name="Friend requests", total=len(shown))]
        for r in shown:
            best = self._best.get(r.jid)
            show = best.show if best else Show.OFFLINE
            rows.append(Row("request", f"request:{r.jid}", r.jid, "", r.nick, show, r.status))
        return rows

    def _header(self, name: str, group: _Group) -> Row:
        collapsed = name in self._collapsed and not self._filter
        online = bisect_left(group.members, (_OFFLINE_RANK,))
        return Row(
            "group", f"group:{name}", "", name, name,
            online=online, total=len(group.members), collapsed=collapsed,
        )  # fmt: skip

    def _shown(self, group: _Group) -> list[_SortKey]:
        """The members the filter lets through (all without a filter)."""
        needle = self._filter
        if not needle:
            return group.members
        if group.matches is not None and group.matches_for == needle:
            return group.matches
        narrower = group.matches is not None and group.matches_for in needle
        candidates = group.matches if narrower and group.matches is not None else group.members
        if _SEPARATOR in needle:
            matches = [k for k in candidates if self._matches(k[2], self._contacts[k[2]].name)]
        else:
            haystacks, haystack = self._haystacks, self._haystack
            matches = [k for k in candidates if needle in (haystacks.get(k[2]) or haystack(k[2]))]
        group.matches, group.matches_for = matches, needle
        return matches

    def _haystack(self, jid: str) -> str:
        # casefold() maps each character on its own: the halves stay apart
        text = self._haystacks[jid] = f"{jid}{_SEPARATOR}{self._contacts[jid].name}".casefold()
        return text

    def contact_row(self, group: str, jid: str) -> Row:
        """The row of contact ``jid`` in ``group`` (for ``RowView``)."""
        row = self._row_cache.get((group, jid))
        if row is None:
            contact = self._contacts.get(jid)
            if contact is None:  # gone since an older view was made
                return Row("contact", f"contact:{jid}/{group}", jid, group, jid)
            best = self._best.get(jid)
            row = Row(
                "contact", f"contact:{jid}/{group}", jid, group, contact.display_name,
                best.show if best else Show.OFFLINE, best.status if best else "",
                self._unread.get(jid, 0), contact.subscription, contact.ask,
            )  # fmt: skip
            self._row_cache[(group, jid)] = row
        return row

    def sort_key_of(self, jid: str) -> _SortKey | None:
        """Where ``jid`` sorts in its groups (for ``RowView``)."""
        return self._keys.get(jid)

    def groups_of_jid(self, jid: str) -> tuple[str, ...]:
        """The groups ``jid`` is listed in (for ``RowView``)."""
        contact = self._contacts.get(jid)
        return groups_of(contact) if contact is not None else ()

    def _matches(self, jid: str, name: str) -> bool:
        needle = self._filter
        return not needle or needle in jid.casefold() or needle in name.casefold()

    # ------------------------------------------------------------- indexing
    def _sort_key(self, contact: Contact) -> _SortKey:
        best = self._best.get(contact.jid)
        rank = best.show.rank if best else _OFFLINE_RANK
        return rank, contact.display_name.casefold(), contact.jid

    def _index(self, contact: Contact) -> None:
        key = self._keys[contact.jid] = self._sort_key(contact)
        for name in groups_of(contact):
            group = self._groups.get(name)
            if group is None:
                group = self._groups[name] = _Group()
                self._order = None
            members = group.members
            at = bisect_left(members, key)
            group.members = [*members[:at], key, *members[at:]]
            self._members_changed(group)
            self._row_cache.pop((name, contact.jid), None)  # made by an old view meanwhile

    def _unindex(self, jid: str) -> None:
        key = self._keys.pop(jid)
        for name in groups_of(self._contacts[jid]):
            self._row_cache.pop((name, jid), None)
            group = self._groups[name]
            members = group.members
            at = bisect_left(members, key)
            if len(members) > 1:
                group.members = [*members[:at], *members[at + 1 :]]
                self._members_changed(group)
            else:
                del self._groups[name]
                self._order = self._view = None

    def _reindex(self) -> None:
        self._groups.clear()
        self._keys.clear()
        self._row_cache.clear()
        members: dict[str, list[_SortKey]] = {}
        keys, sort_key = self._keys, self._sort_key
        for jid, contact in self._contacts.items():
            key = keys[jid] = sort_key(contact)
            for name in groups_of(contact):
                if (in_group := members.get(name)) is None:
                    in_group = members[name] = []
                in_group.append(key)
        for name, in_group in members.items():
            in_group.sort()
            self._groups[name] = _Group(in_group)
        self._order = self._request_rows = self._view = None

    def _members_changed(self, group: _Group) -> None:
        group.header = group.matches = None
        self._view = None

    def _touch(self, jid: str) -> None:
        """The look of ``jid``'s rows changed, not their place."""
        for name in groups_of(self._contacts[jid]):
            self._row_cache.pop((name, jid), None)
        self._view = None

    def _dirty(self, name: str) -> None:
        group = self._groups.get(name)
        if group is not None:
            group.header = None
        self._view = None

    def _invalidate_groups(self) -> None:
        for group in self._groups.values():
            group.header = None  # folded groups unfold while filtering
        self._request_rows = self._view = None


def _priority(presence: ResourcePresence) -> tuple[int, int]:
    return presence.priority, -presence.show.rank
