"""RosterModel: grouping, sorting, filter, requests, unread, folding, and 5,000 contacts."""

from __future__ import annotations

import random
import time

import pytest

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui.widgets.roster_model import NO_GROUP, RosterModel, Row, groups_of

BOB = "bob@example.org"
CAROL = "carol@example.org"
DAVE = "dave@example.org"
EVE = "eve@example.org"


def model(*contacts: Contact) -> RosterModel:
    m = RosterModel()
    m.set_contacts(contacts)
    return m


def online(m: RosterModel, jid: str, show: Show = Show.AVAILABLE, **kw: object) -> None:
    resource = str(kw.pop("resource", "pc"))
    m.update_presence(jid, ResourcePresence(resource, show, **kw))  # type: ignore[arg-type]


def brief(rows: list[Row]) -> list[str]:
    """Rows as short strings: ``#Group 1/2``, ``name``, ``?jid``, ``!N``."""
    out = []
    for row in rows:
        if row.kind == "group":
            out.append(f"{'+' if row.collapsed else '#'}{row.group} {row.online}/{row.total}")
        elif row.kind == "request-header":
            out.append(f"!{row.total}")
        elif row.kind == "request":
            out.append(f"?{row.jid}")
        else:
            out.append(row.name)
    return out


def test_groups_sorted_by_name_ungrouped_last_with_counts() -> None:
    m = model(
        Contact(BOB, "Bob", ("work",)),
        Contact(CAROL, "Carol", ()),
        Contact(DAVE, "Dave", ("Friends",)),
    )
    online(m, DAVE)
    assert brief(m.rows()) == ["#Friends 1/1", "Dave", "#work 0/1", "Bob", "#Contacts 0/1", "Carol"]
    assert groups_of(Contact(EVE, groups=("", "  ", "A", "A"))) == ("A",)
    assert groups_of(Contact(EVE)) == (NO_GROUP,)


def test_contacts_sorted_by_presence_rank_then_casefolded_name() -> None:
    m = model(
        Contact(BOB, "bob", ("G",)),
        Contact(CAROL, "Carol", ("G",)),
        Contact(DAVE, "alice", ("G",)),
        Contact(EVE, "", ("G",)),  # display name is the JID
    )
    assert brief(m.rows()) == ["#G 0/4", "alice", "bob", "Carol", EVE]
    online(m, CAROL, Show.DND)
    online(m, EVE, Show.CHAT)
    online(m, BOB, Show.AWAY)
    assert brief(m.rows()) == ["#G 3/4", EVE, "bob", "Carol", "alice"]
    online(m, EVE, Show.OFFLINE)
    assert brief(m.rows()) == ["#G 2/4", "bob", "Carol", "alice", EVE]


def test_best_presence_is_highest_priority_and_resources_listed() -> None:
    m = model(Contact(BOB, "Bob"))
    online(m, BOB, Show.AWAY, resource="phone", priority=5, status="train")
    online(m, BOB, Show.CHAT, resource="pc", priority=1)
    best = m.best_presence(BOB)
    assert best is not None and best.resource == "phone"
    assert [r.resource for r in m.resources(BOB)] == ["phone", "pc"]
    row = m.rows()[1]
    assert (row.show, row.status) == (Show.AWAY, "train")
    online(m, BOB, Show.OFFLINE, resource="phone")
    assert m.rows()[1].show is Show.CHAT
    m.clear_presence()
    assert m.best_presence(BOB) is None and m.resources(BOB) == []
    assert m.rows()[0].online == 0


def test_a_contact_in_several_groups_appears_in_each() -> None:
    m = model(Contact(BOB, "Bob", ("A", "B")), Contact(CAROL, "Carol", ("B",)))
    online(m, BOB, status="hi")
    rows = m.rows()
    assert brief(rows) == ["#A 1/1", "Bob", "#B 1/2", "Bob", "Carol"]
    assert len({r.key for r in rows}) == len(rows)
    assert all(r.status == "hi" for r in rows if r.jid == BOB)
    m.update_contact(Contact(BOB, "Bob", ("B",)))  # roster push: leaves group A
    assert brief(m.rows()) == ["#B 1/2", "Bob", "Carol"]
    m.remove_contact(BOB)
    assert brief(m.rows()) == ["#B 0/1", "Carol"]
    assert m.contact(BOB) is None and m.best_presence(BOB) is None


def test_filter_matches_names_and_jids_and_hides_empty_groups() -> None:
    m = model(
        Contact(BOB, "Bobby", ("A",)),
        Contact(CAROL, "Carol", ("B",)),
        Contact("zed@ex.net", "Zed", ("A",)),
    )
    m.add_request("bobcat@ex.net", "Cat")
    m.add_request("other@ex.net")
    m.set_filter("  BOB ")
    assert brief(m.rows()) == ["!1", "?bobcat@ex.net", "#A 0/2", "Bobby"]
    m.set_filter("ex.net")  # JIDs match too
    assert brief(m.rows()) == ["!2", "?bobcat@ex.net", "?other@ex.net", "#A 0/2", "Zed"]
    m.set_filter("nobody")
    assert m.rows() == []
    m.set_filter("")
    assert len(m.rows()) == 8


def test_requests_section_comes_first_and_goes_when_answered() -> None:
    m = model(Contact(BOB, "Bob"))
    m.add_request(EVE, "Eve", "let me in")
    m.add_request(DAVE)
    rows = m.rows()
    assert brief(rows) == ["!2", f"?{EVE}", f"?{DAVE}", "#Contacts 0/1", "Bob"]
    assert (rows[1].name, rows[1].status) == ("Eve", "let me in")
    assert m.requests() == [EVE, DAVE]
    assert m.display_name(EVE) == "Eve" and m.display_name(DAVE) == DAVE
    m.remove_request(EVE)
    m.remove_request(DAVE)
    assert brief(m.rows()) == ["#Contacts 0/1", "Bob"]


def test_unread_counts_show_in_every_row_of_the_contact() -> None:
    m = model(Contact(BOB, "Bob", ("A", "B")))
    m.set_unread(BOB, 3)
    assert [r.unread for r in m.rows() if r.kind == "contact"] == [3, 3]
    assert m.unread(BOB) == 3
    m.set_unread(BOB, 0)
    assert [r.unread for r in m.rows() if r.kind == "contact"] == [0, 0]


def test_collapsed_groups_keep_their_header_and_counts() -> None:
    m = model(Contact(BOB, "Bob", ("A",)), Contact(CAROL, "Carol", ("B",)))
    online(m, BOB)
    assert m.toggle_group("A") is True
    assert brief(m.rows()) == ["+A 1/1", "#B 0/1", "Carol"]
    m.set_filter("bob")  # a filter shows matches even in folded groups
    assert brief(m.rows()) == ["#A 1/1", "Bob"]
    m.set_filter("")
    assert m.toggle_group("A") is False
    assert brief(m.rows())[:2] == ["#A 1/1", "Bob"]


def test_subscription_ask_and_details() -> None:
    m = model(Contact(BOB, "Bob", ("A",), "to", ask=False), Contact(CAROL, "", (), "none", True))
    online(m, BOB, Show.AWAY, resource="phone", priority=3, status="x")
    m.set_client(BOB, "phone", "Conversations 2.16")
    m.add_request(BOB, "Bobby")
    row = next(r for r in m.rows() if r.kind == "contact" and r.jid == CAROL)
    assert (row.subscription, row.ask) == ("none", True)
    details = m.details(BOB)
    assert details is not None and details.request is not None
    assert details.contact.subscription == "to"
    assert details.resources[0].resource == "phone"
    assert details.clients == {"phone": "Conversations 2.16"}
    online(m, BOB, Show.OFFLINE, resource="phone")
    assert m.client(BOB, "phone") == ""
    assert m.details("nobody@ex.net") is None
    m.add_request(EVE, "Eve")
    eve = m.details(EVE)
    assert eve is not None and eve.contact.name == "Eve" and eve.contact.subscription == "none"


def test_hostile_strings_are_kept_unchanged_in_the_model() -> None:
    evil = "[@click=app.quit]x[/] [b]bold\x1b[2J\u202eevil"
    m = model(Contact("eve@ex.net", evil, (evil,)))
    online(m, "eve@ex.net", status=evil)
    m.add_request("x@ex.net", evil, evil)
    rows = m.rows()
    assert rows[1].name == evil and rows[1].status == evil
    assert rows[2].group == evil and rows[3].name == evil and rows[3].status == evil
    assert m.display_name("eve@ex.net") == evil


# --- 5,000 contacts -----------------------------------------------------------------------


def reference_rows(m: RosterModel, contacts: dict[str, Contact]) -> list[tuple[object, ...]]:
    """The rows computed the slow, obvious way (no filter, nothing folded, no requests)."""
    groups: dict[str, list[Contact]] = {}
    for c in contacts.values():
        for g in groups_of(c):
            groups.setdefault(g, []).append(c)

    def rank(c: Contact) -> int:
        best = m.best_presence(c.jid)
        return best.show.rank if best else Show.OFFLINE.rank

    out: list[tuple[object, ...]] = []
    for g in sorted(groups, key=lambda g: (g == NO_GROUP, g.casefold(), g)):
        members = sorted(groups[g], key=lambda c: (rank(c), c.display_name.casefold(), c.jid))
        online_count = sum(1 for c in members if m.best_presence(c.jid))
        out.append(("group", g, online_count, len(members)))
        for c in members:
            best = m.best_presence(c.jid)
            out.append(("contact", c.jid, g, best.show if best else Show.OFFLINE))
    return out


def as_tuples(rows: list[Row]) -> list[tuple[object, ...]]:
    def one(r: Row) -> tuple[object, ...]:
        if r.kind == "group":
            return ("group", r.group, r.online, r.total)
        return (r.kind, r.jid, r.group, r.show)

    return [one(r) for r in rows]


@pytest.mark.parametrize("updates", [1000])
def test_five_thousand_contacts_stay_correct_under_presence_churn(updates: int) -> None:
    rng = random.Random(4)
    groups = [f"Group {i:02d}" for i in range(50)]
    contacts: dict[str, Contact] = {}
    for i in range(5000):
        jid = f"user{i}@example.org"
        in_groups = tuple(rng.sample(groups, 2)) if i % 10 == 0 else (groups[i % 50],)
        contacts[jid] = Contact(jid, f"User {rng.randrange(10**6)}", in_groups, "both")
    m = RosterModel()
    started = time.perf_counter()
    m.set_contacts(contacts.values())
    first = m.rows()
    loaded = time.perf_counter() - started
    assert len(first) == 50 + 5000 + 500  # headers, contacts, second group of every tenth

    jids = list(contacts)
    shows = list(Show)
    started = time.perf_counter()
    for n in range(updates):
        jid = rng.choice(jids)
        status = f"status {n}" if n % 3 else ""
        m.update_presence(jid, ResourcePresence(rng.choice("ab"), rng.choice(shows), status))
        m.rows()
    elapsed = time.perf_counter() - started
    assert as_tuples(m.rows()) == reference_rows(m, contacts)
    started = time.perf_counter()
    m.set_filter("user 12")  # one keystroke in the filter box
    filtered = m.rows()
    typed = time.perf_counter() - started
    names = [r.name for r in filtered if r.kind == "contact"]
    assert names and all("user 12" in name.casefold() for name in names)
    print(
        f"\nroster model, 5,000 contacts in 50 groups: load+rows {loaded * 1000:.1f} ms; "
        f"{updates} presence updates each followed by rows(): {elapsed * 1000:.1f} ms total, "
        f"{elapsed / updates * 1e6:.0f} µs per update; filter keystroke {typed * 1000:.1f} ms"
    )
