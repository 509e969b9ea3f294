"""Hostile text must reach the screen as inert, visible characters (xmpptui.ui.render)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Label, Static, TabbedContent, TabPane, Tree

from xmpptui.models import Show
from xmpptui.ui.render import (
    ELLIPSIS,
    OWN_SENDER_STYLE,
    PEER_SENDER_STYLE,
    PRESENCE_GLYPHS,
    PRESENCE_STYLES,
    REPLACEMENT,
    TIME_STYLE,
    body_content,
    body_text,
    clean_body,
    clean_identity,
    identity_content,
    identity_text,
    message_line,
    presence_marker,
)

R = REPLACEMENT

# Characters that must never survive, by field kind.
C0_EXCEPT_NL_TAB = {chr(c) for c in range(0x20)} - {"\n", "\t"}
C1_AND_DEL = {chr(c) for c in range(0x7F, 0xA0)}
BIDI_OVERRIDES = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
BIDI_MARKS = {"\u200e", "\u200f", "\u061c"}
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
TAGS = {chr(c) for c in range(0xE0000, 0xE0080)}
SURROGATES = {chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)}

FORBIDDEN_IN_BODY = C0_EXCEPT_NL_TAB | C1_AND_DEL | BIDI_OVERRIDES | SURROGATES
FORBIDDEN_IN_IDENTITY = (
    FORBIDDEN_IN_BODY | {"\n", "\t"} | BIDI_MARKS | ZERO_WIDTH | TAGS | {"\u2028", "\u2029"}
)

# (case id, input, expected clean_body, expected clean_identity)
HOSTILE: list[tuple[str, str, str, str]] = [
    ("bad-closing-tag", "oops [/bold]", "oops [/bold]", "oops [/bold]"),
    ("rich-link", "[link=http://x]a[/link]", "[link=http://x]a[/link]", "[link=http://x]a[/link]"),
    ("click-action", "[@click=app.quit]x[/]", "[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    ("colour-tag", "[red]", "[red]", "[red]"),
    ("content-variable", "$nick [b]$body", "$nick [b]$body", "$nick [b]$body"),
    ("esc-clear-screen", "a\x1b[2Jb", f"a{R}[2Jb", f"a{R}[2Jb"),
    (
        "osc52-clipboard",
        "hi\x1b]52;c;cm0gLXJmIH4=\x07!",
        f"hi{R}]52;c;cm0gLXJmIH4={R}!",
        f"hi{R}]52;c;cm0gLXJmIH4={R}!",
    ),
    (
        "osc8-hyperlink",
        "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
        f"{R}]8;;http://evil{R}\\click{R}]8;;{R}\\",
        f"{R}]8;;http://evil{R}\\click{R}]8;;{R}\\",
    ),
    ("c1-csi", "\x9b31mred", f"{R}31mred", f"{R}31mred"),
    ("c1-osc-and-st", "\x9d0;title\x9c", f"{R}0;title{R}", f"{R}0;title{R}"),
    ("c1-nel", "a\x85b", f"a{R}b", f"a{R}b"),
    ("nul", "a\x00b", f"a{R}b", f"a{R}b"),
    ("del", "a\x7fb", f"a{R}b", f"a{R}b"),
    ("bell-backspace", "ab\x08\x08cd\x07", f"ab{R}{R}cd{R}", f"ab{R}{R}cd{R}"),
    ("rlo-filename", "photo\u202egnp.exe", "photognp.exe", "photognp.exe"),
    ("all-embeddings", "\u202a\u202b\u202cx\u202d\u202e", "x", "x"),
    ("isolates", "\u2066a\u2067b\u2068c\u2069", "abc", "abc"),
    ("bidi-marks", "a\u200eb\u200fc\u061cd", "a\u200eb\u200fc\u061cd", "abcd"),
    ("zero-width", "ad\u200bmi\u2060n\ufeff", "ad\u200bmi\u2060n\ufeff", "admin"),
    ("zwj-emoji", "👩\u200d💻", "👩\u200d💻", "👩💻"),
    (
        "tag-chars",
        "flag🏴\U000e0067\U000e0062\U000e007f",
        "flag🏴\U000e0067\U000e0062\U000e007f",
        "flag🏴",
    ),
    ("soft-hyphen", "ad\u00admin", "ad\u00admin", "admin"),
    ("newline-in-nick", "bob\nalice", "bob\nalice", "bob alice"),
    ("crlf", "one\r\ntwo", "one\ntwo", "one two"),
    ("lone-cr-overwrite", "safe text\rEVIL", "safe text\nEVIL", "safe text EVIL"),
    ("tabs", "a\tb\t\tc", "a\tb\t\tc", "a b c"),
    ("vt-ff", "a\x0bb\x0cc", f"a{R}b{R}c", "a b c"),
    ("line-separators", "a\u2028b\u2029c", "a\nb\nc", "a b c"),
    ("padding", "  \t bob \n ", "  \t bob \n ", "bob"),
    ("lone-surrogate", "a\ud800b", f"a{R}b", f"a{R}b"),
    ("long-name", "x" * 200, "x" * 200, "x" * 63 + ELLIPSIS),
    ("empty", "", "", ""),
    ("only-invisible", "\u202e\u200b\U000e0041", "\u200b\U000e0041", ""),
]


def _ids(cases: list[tuple[str, str, str, str]]) -> list[str]:
    return [case[0] for case in cases]


@pytest.mark.parametrize(("case", "raw", "body", "identity"), HOSTILE, ids=_ids(HOSTILE))
def test_hostile_strings_are_cleaned(case: str, raw: str, body: str, identity: str) -> None:
    assert clean_body(raw) == body
    assert clean_identity(raw) == identity
    assert not FORBIDDEN_IN_BODY & set(clean_body(raw)), case
    assert not FORBIDDEN_IN_IDENTITY & set(clean_identity(raw)), case


@pytest.mark.parametrize(("case", "raw", "body", "identity"), HOSTILE, ids=_ids(HOSTILE))
def test_text_and_content_show_the_cleaned_string_literally(
    case: str, raw: str, body: str, identity: str
) -> None:
    # The plain text is exactly the cleaned input: no markup was interpreted away.
    assert body_text(raw).plain == body
    assert body_content(raw).plain == body
    assert identity_text(raw).plain == identity
    assert identity_content(raw).plain == identity
    # No markup means no spans: nothing became bold, a link or an action.
    for value in (body_text(raw), identity_text(raw), body_content(raw), identity_content(raw)):
        assert list(value.spans) == [], case


def test_a_style_covers_the_whole_text_and_nothing_else() -> None:
    text = identity_text("[i]bob[/i]", style="bold")
    assert text.plain == "[i]bob[/i]"
    assert str(text.style) == "bold"
    assert text.spans == []
    content = identity_content("[i]bob[/i]", style="bold")
    assert content.plain == "[i]bob[/i]"
    assert [(s.start, s.end, s.style) for s in content.spans] == [(0, 10, "bold")]
    assert body_text("[i]x", style="italic").plain == "[i]x"
    assert body_content("[i]x", style="italic").plain == "[i]x"


def test_identity_length_cap_is_configurable() -> None:
    assert clean_identity("abcdefgh", max_len=5) == "abcd" + ELLIPSIS
    assert clean_identity("abcde", max_len=5) == "abcde"
    assert clean_identity("ab   cdef", max_len=4) == "ab" + ELLIPSIS  # no dangling space
    assert identity_text("x" * 30, max_len=10).plain == "x" * 9 + ELLIPSIS
    assert identity_content("x" * 30, max_len=10).plain == "x" * 9 + ELLIPSIS
    with pytest.raises(ValueError, match="max_len"):
        clean_identity("x", max_len=0)


# --- properties -------------------------------------------------------------------------

DANGEROUS = sorted(
    FORBIDDEN_IN_IDENTITY | {"\x1b[2J", "\x1b]52;c;", "[/b]", "[@click=app.quit]", "\r\n"}
)
hostile_text = st.lists(
    st.one_of(st.characters(), st.sampled_from(DANGEROUS), st.sampled_from(["\n", "\t", " "]))
).map("".join)


@given(hostile_text)
def test_bodies_never_contain_controls_or_bidi_overrides(s: str) -> None:
    cleaned = clean_body(s)
    assert not FORBIDDEN_IN_BODY & set(cleaned)
    assert body_text(s).plain == cleaned
    assert body_content(s).plain == cleaned
    assert clean_body(cleaned) == cleaned


@given(hostile_text, st.integers(min_value=1, max_value=100))
def test_identities_are_one_short_clean_line(s: str, max_len: int) -> None:
    cleaned = clean_identity(s, max_len)
    assert not FORBIDDEN_IN_IDENTITY & set(cleaned)
    assert len(cleaned) <= max_len
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert identity_text(s, max_len=max_len).plain == cleaned
    assert identity_content(s, max_len=max_len).plain == cleaned
    assert clean_identity(cleaned, max_len) == cleaned


@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_ordinary_text_is_left_alone(s: str) -> None:
    # Guards against an over-eager cleaner: brackets, emoji, RTL letters survive.
    assert clean_body(s) == s
    assert body_text(s).plain == s
    if len(s) <= 64 and " ".join(s.split()) == s:
        assert clean_identity(s) == s


# --- message lines and presence markers -------------------------------------------------


def _styles(text: Text) -> dict[str, str]:
    return {text.plain[span.start : span.end]: str(span.style) for span in text.spans}


def test_message_line_layout_and_styles() -> None:
    line = message_line(datetime(2024, 5, 6, 7, 8), "Bob", "hello", own=False)
    assert line.plain == "07:08 Bob: hello"
    assert _styles(line) == {"07:08": TIME_STYLE, "Bob": PEER_SENDER_STYLE}
    own = message_line(datetime(2024, 5, 6, 7, 8), "me", "hi", own=True)
    assert _styles(own) == {"07:08": TIME_STYLE, "me": OWN_SENDER_STYLE}
    assert len({OWN_SENDER_STYLE, PEER_SENDER_STYLE}) == 2


def test_message_line_keeps_hostile_sender_and_body_inert() -> None:
    sender = "[b]ev\u202eil[/b]\nnick[@click=app.quit]"
    body = "[link=http://x]click[/link]\x1b[2J\nline 2 \u202ereversed"
    line = message_line(datetime(2024, 5, 6, 23, 59), sender, body, own=False)
    assert line.plain == (
        f"23:59 [b]evil[/b] nick[@click=app.quit]: [link=http://x]click[/link]{R}[2J\n"
        "line 2 reversed"
    )
    assert set(_styles(line).values()) == {TIME_STYLE, PEER_SENDER_STYLE}


def test_message_line_shows_aware_times_in_local_time() -> None:
    moment = datetime(2024, 5, 6, 12, 30, tzinfo=UTC)
    line = message_line(moment, "a", "b", own=False)
    assert line.plain.startswith(moment.astimezone().strftime("%H:%M") + " ")


def test_presence_markers_are_one_distinct_coloured_glyph_each() -> None:
    markers = {show: presence_marker(show) for show in Show}
    assert {show: m.plain for show, m in markers.items()} == dict(PRESENCE_GLYPHS)
    assert all(m.cell_len == 1 for m in markers.values())
    assert len({m.plain for m in markers.values()}) == len(Show)
    assert len({str(m.style) for m in markers.values()}) == len(Show)
    assert all(str(markers[show].style) == PRESENCE_STYLES[show] for show in Show)


# --- in a real Textual app ----------------------------------------------------------------

HOSTILE_NAME = "[b]x[/b] [@click=app.quit]y[/]"


class _RenderHarness(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(identity_content(HOSTILE_NAME), id="static")
        yield Label(identity_content(HOSTILE_NAME), id="label")
        tree: Tree[None] = Tree(identity_text("roster"), id="tree")
        tree.root.expand()
        tree.root.add_leaf(identity_text(HOSTILE_NAME))
        yield tree
        with TabbedContent(id="tabs"):
            yield TabPane(identity_content(HOSTILE_NAME), Static("pane"), id="pane")


def _lines(widget: Widget, height: int) -> list[str]:
    region = Region(0, 0, widget.outer_size.width, height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


async def test_widgets_show_brackets_literally_and_actions_stay_dead() -> None:
    app = _RenderHarness()
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        static_line = _lines(app.query_one("#static", Static), 1)[0]
        assert static_line == HOSTILE_NAME
        assert _lines(app.query_one("#label", Label), 1)[0] == HOSTILE_NAME
        assert _lines(app.query_one("#tree", Tree), 2)[1].endswith(HOSTILE_NAME)
        tab = app.query_one("#tabs", TabbedContent).get_tab("pane")
        assert _lines(tab, 1)[0].strip() == HOSTILE_NAME

        # Clicking where "y" is drawn would run app.quit if the markup had been parsed.
        await pilot.click("#static", offset=(static_line.index("y"), 0))
        await pilot.pause()
        assert app.is_running
        assert app.return_code is None


def test_content_from_str_would_have_parsed() -> None:
    # The premise of this module: a plain str handed to Textual is markup.
    assert Content.from_markup("[b]x[/b]").plain == "x"
    assert Text.from_markup("[b]x[/b]").plain == "x"
