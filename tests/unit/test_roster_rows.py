"""RowView (rows made when read) and the incremental filter of RosterModel."""

from __future__ import annotations

import random

import pytest

from xmpptui.models import Contact, ResourcePresence, Show
from xmpptui.ui.widgets.roster_model import NO_GROUP, RosterModel, groups_of
from xmpptui.ui.widgets.roster_rows import EMPTY, UNREAD, Row

BOB = "bob@example.org"
CAROL = "carol@example.org"
DAVE = "dave@example.org"


def model() -> RosterModel:
    m = RosterModel()
    m.set_contacts(
        [
            Contact(BOB, "Bob", ("Friends", "Work")),
            Contact(CAROL, "Carol", ("Friends",)),
            Contact(DAVE, "", ()),
        ]
    )
    m.add_request("eve@example.net", "Eve")
    return m


def test_a_view_reads_like_the_list_of_rows() -> None:
    m = model()
    view = m.view()
    rows = m.rows()
    assert len(view) == len(rows) == 9
    assert [view[i] for i in range(len(view))] == rows == list(view)
    assert view[-1] == rows[-1] and view[2:4] == rows[2:4]
    with pytest.raises(IndexError):
        view[len(view)]
    assert m.view() is view  # nothing changed: the same view


def test_rows_are_made_when_read_and_peek_tells_what_was_read() -> None:
    m = model()
    view = m.view()
    assert view.peek(0) == view[0]  # request rows are made with the view
    assert view.peek(3) is UNREAD
    row = view[3]
    assert view.peek(3) is row
    assert view.peek(len(view)) is None and EMPTY.peek(0) is None and len(EMPTY) == 0


def test_an_older_view_keeps_what_it_showed() -> None:
    m = model()
    old = m.view()
    bob_before = old[3]
    assert (bob_before.jid, bob_before.show) == (BOB, Show.OFFLINE)
    m.update_presence(BOB, ResourcePresence("pc", Show.AWAY, "out"))
    m.remove_contact(CAROL)
    new = m.view()
    assert new is not old
    assert old.peek(3) is bob_before and len(old) == 9  # unchanged
    assert old[4].jid == CAROL  # read late: made anyway, not an error
    assert [r.name for r in new if r.kind == "contact"] == ["Bob", "Bob", DAVE]
    assert new[3].show is Show.AWAY


def test_index_of_keys_and_jids() -> None:
    m = model()
    m.toggle_group("Work")
    view = m.view()
    rows = m.rows()
    for i, row in enumerate(rows):
        assert view.index_of(row.key) == i
    assert view.index_of(f"contact:{BOB}/Work") == -1  # folded
    assert view.index_of("group:Nope") == -1 and view.index_of("request:x@y") == -1
    assert view.index_of_jid(BOB) == 3
    assert view.index_of_jid("eve@example.net") == 1
    assert view.index_of_jid("nobody@example.org") == -1
    assert view.index_of(f"contact:{DAVE}/{NO_GROUP}") == len(rows) - 1


def reference(m: RosterModel, contacts: list[Contact], needle: str) -> list[tuple[str, str]]:
    """(group, jid) of the contact rows the filter should show, in order."""
    needle = needle.strip().casefold()
    out: list[tuple[str, str]] = []
    by_group: dict[str, list[Contact]] = {}
    for c in contacts:
        if needle in c.jid.casefold() or needle in c.name.casefold():
            for g in groups_of(c):
                by_group.setdefault(g, []).append(c)

    def key(c: Contact) -> tuple[int, str, str]:
        best = m.best_presence(c.jid)
        return (best.show.rank if best else Show.OFFLINE.rank, c.display_name.casefold(), c.jid)

    for g in sorted(by_group, key=lambda g: (g == NO_GROUP, g.casefold(), g)):
        out += [(g, c.jid) for c in sorted(by_group[g], key=key)]
    return out


def shown(m: RosterModel) -> list[tuple[str, str]]:
    return [(r.group, r.jid) for r in m.view() if r.kind == "contact"]


def test_the_filter_narrows_key_by_key_and_widens_again() -> None:
    """Typing narrows the previous matches; deleting, presence and renames stay right."""
    rng = random.Random(7)
    names = ["Ann", "Åsa", "ANNA", "Bjørn", "Zoë", "Straße", "", "Σίσυφος", "a\0b"]
    contacts = [
        Contact(f"user{i}@ex{i % 3}.org", rng.choice(names) + str(i % 7), (f"G{i % 4}",))
        for i in range(200)
    ]
    m = RosterModel()
    m.set_contacts(contacts)
    for text in ["a", "an", "ann", "anna", "ann", "", "ss", "STRASSE", "ß", "@ex1", "x", "\0b"]:
        m.set_filter(text)
        assert shown(m) == reference(m, contacts, text), text
        jid = rng.choice(contacts).jid
        m.update_presence(jid, ResourcePresence("r", rng.choice(list(Show)), ""))
        assert shown(m) == reference(m, contacts, text), text
    renamed = Contact(contacts[0].jid, "Anna Renamed", ("G9",))
    contacts[0] = renamed
    m.set_filter("anna r")
    m.update_contact(renamed)
    assert shown(m) == reference(m, contacts, "anna r") == [("G9", renamed.jid)]


def test_rows_made_again_only_for_what_changed() -> None:
    m = model()
    first = m.view()
    bob = first[3]
    m.set_unread(CAROL, 2)
    again = m.view()
    assert again[3] is bob  # Bob's cached row is reused
    assert again[4] == Row(
        "contact", f"contact:{CAROL}/Friends", CAROL, "Friends", "Carol", unread=2,
        subscription="none",
    )  # fmt: skip


def test_preparing_the_filter_changes_nothing_seen() -> None:
    m = model()
    m.prepare_filter()
    m.set_filter("CAR")
    assert [r.jid for r in m.view() if r.kind == "contact"] == [CAROL]


def test_a_row_an_old_view_made_late_is_not_served_later() -> None:
    m = model()
    old = m.view()
    m.update_contact(Contact(CAROL, "Carol", ("Work",)))  # leaves Friends
    assert old[4].jid == CAROL  # read late: Carol's row in Friends, made now
    m.update_presence(CAROL, ResourcePresence("pc", Show.DND))
    m.update_contact(Contact(CAROL, "Carol", ("Friends",)))  # back
    assert [r.show for r in m.view() if r.jid == CAROL] == [Show.DND]
