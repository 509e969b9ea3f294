"""The slash-command parser of the chat input (xmpptui.ui.commands)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmpptui.models import Show
from xmpptui.ui.commands import (
    HELP,
    AcceptCommand,
    AddCommand,
    CloseCommand,
    Command,
    CommandError,
    DenyCommand,
    GroupCommand,
    HelpCommand,
    MsgCommand,
    QuitCommand,
    RemoveCommand,
    RenameCommand,
    SayCommand,
    StatusCommand,
    parse,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/msg alice@example.org", MsgCommand("alice@example.org", "")),
        ("/msg alice@example.org hi there", MsgCommand("alice@example.org", "hi there")),
        ("/msg alice@example.org   two  spaces  ", MsgCommand("alice@example.org", "two  spaces")),
        (
            "/msg alice@example.org [b]/not a command",
            MsgCommand("alice@example.org", "[b]/not a command"),
        ),
        ("/msg Alice@Example.ORG hi", MsgCommand("alice@example.org", "hi")),
        ("/msg example.org hi", MsgCommand("example.org", "hi")),
        ("/MSG alice@example.org", MsgCommand("alice@example.org", "")),
        ("/msg\talice@example.org\thi", MsgCommand("alice@example.org", "hi")),
        ("/add bob@example.org", AddCommand("bob@example.org", "")),
        ("/add bob@example.org Bob the Builder", AddCommand("bob@example.org", "Bob the Builder")),
        ("/accept bob@example.org", AcceptCommand("bob@example.org")),
        ("/deny bob@example.org ", DenyCommand("bob@example.org")),
        ("/remove bob@example.org", RemoveCommand("bob@example.org")),
        (
            "/rename bob@example.org  Robert  Smith ",
            RenameCommand("bob@example.org", "Robert  Smith"),
        ),
        ("/group bob@example.org Work Friends", GroupCommand("bob@example.org", "Work Friends")),
        ("/status available", StatusCommand(Show.AVAILABLE, "")),
        ("/status online", StatusCommand(Show.AVAILABLE, "")),
        ("/status chat come talk", StatusCommand(Show.CHAT, "come talk")),
        ("/status away lunch, back at 2", StatusCommand(Show.AWAY, "lunch, back at 2")),
        ("/status XA on holiday", StatusCommand(Show.XA, "on holiday")),
        ("/status dnd", StatusCommand(Show.DND, "")),
        ("/status offline gone", StatusCommand(Show.OFFLINE, "gone")),
        ("/close", CloseCommand()),
        ("/close  ", CloseCommand()),
        ("/quit", QuitCommand()),
        ("/help", HelpCommand(None)),
        ("/help msg", HelpCommand("msg")),
        ("/help /Status", HelpCommand("status")),
    ],
)
def test_commands_parse(line: str, command: Command) -> None:
    assert parse(line) == command


@pytest.mark.parametrize("line", ["hello", "", " /quit", "hi /quit", "\t/msg a@b", "[/b]"])
def test_ordinary_lines_are_not_commands(line: str) -> None:
    assert parse(line) is None


@pytest.mark.parametrize(
    ("line", "text"),
    [("//shrug", "/shrug"), ("//", "/"), ("// spaced /quit", "/ spaced /quit"), ("///x", "//x")],
)
def test_double_slash_escapes_a_leading_slash(line: str, text: str) -> None:
    assert parse(line) == SayCommand(text)


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("/msg", ["/msg needs a JID", "Usage: /msg JID [text]"]),
        ("/msg alice@ hi", ["not a valid JID", "Usage: /msg JID [text]"]),
        ("/msg @example.org hi", ["not a valid JID", "Usage: /msg JID [text]"]),
        ("/msg al'ice@example.org hi", ["not a valid JID"]),
        ("/msg alice@example.org/phone hi", ["alice@example.org", "without the /resource"]),
        ("/add", ["Usage: /add JID [name]"]),
        ("/add a@b@c", ["not a valid JID", "Usage: /add JID [name]"]),
        ("/accept", ["Usage: /accept JID"]),
        ("/accept a@example.org extra", ["Too many arguments", "Usage: /accept JID"]),
        ("/deny a@example.org extra", ["Usage: /deny JID"]),
        ("/remove", ["Usage: /remove JID"]),
        ("/rename bob@example.org", ["needs a name", "Usage: /rename JID NAME"]),
        ("/rename", ["Usage: /rename JID NAME"]),
        ("/group bob@example.org   ", ["needs a group", "Usage: /group JID GROUP"]),
        ("/status", ["needs a presence", "Usage: /status available|chat|away|xa|dnd"]),
        ("/status busy now", ["“busy” is not a presence", "Usage: /status"]),
        ("/close now", ["Usage: /close"]),
        ("/quit please", ["Usage: /quit"]),
        ("/help nosuch", ["/nosuch", "Usage: /help [command]"]),
        ("/help msg add", ["Too many arguments", "Usage: /help [command]"]),
    ],
)
def test_malformed_commands_explain_their_usage(line: str, fragments: list[str]) -> None:
    with pytest.raises(CommandError) as raised:
        parse(line)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message
    assert raised.value.usage and raised.value.usage in message


@pytest.mark.parametrize("line", ["/frobnicate", "/FROB now", "/ms alice@example.org"])
def test_unknown_commands_point_to_help(line: str) -> None:
    with pytest.raises(CommandError, match=r"Unknown command /\w+; type /help") as raised:
        parse(line)
    assert line.split()[0].lower() in str(raised.value)


@pytest.mark.parametrize("line", ["/", "/ msg alice@example.org", "/\tquit"])
def test_a_lone_slash_is_an_error(line: str) -> None:
    with pytest.raises(CommandError, match="/help"):
        parse(line)


def test_error_messages_quote_at_most_a_short_excerpt() -> None:
    with pytest.raises(CommandError) as raised:
        parse("/msg " + "x" * 5000 + "@")
    assert len(str(raised.value)) < 200


def test_help_table_covers_exactly_the_commands() -> None:
    assert list(HELP) == [
        "msg",
        "add",
        "accept",
        "deny",
        "remove",
        "rename",
        "group",
        "block",
        "unblock",
        "blocked",
        "info",
        "status",
        "close",
        "quit",
        "correct",
        "search",
        "retry",
        "reconnect",
        "passwd",
        "xmlconsole",
        "help",
    ]
    for name, (usage, description) in HELP.items():
        assert usage.split()[0] == f"/{name}"
        assert description.endswith(".")
        # Every documented command is known to the parser (an error, if any, is about arguments).
        try:
            parse(f"/{name}")
        except CommandError as error:
            assert "Unknown command" not in str(error)
    with pytest.raises(TypeError):
        HELP["x"] = ("/x", "x")  # type: ignore[index]


def test_commands_are_frozen() -> None:
    command = MsgCommand("a@example.org", "hi")
    with pytest.raises(AttributeError):
        command.text = "changed"  # type: ignore[misc]


@given(st.text())
def test_parse_returns_none_a_command_or_raises_command_error(line: str) -> None:
    try:
        result = parse(line)
    except CommandError as error:
        assert line.startswith("/") and not line.startswith("//")
        assert str(error)
        return
    if not line.startswith("/"):
        assert result is None
    elif line.startswith("//"):
        assert result == SayCommand(line[1:])
    else:
        assert result is not None


@given(st.sampled_from(["msg", "add", "rename", "group"]), st.text())
def test_free_text_arguments_keep_their_content(name: str, tail: str) -> None:
    line = f"/{name} a@b.example {tail}"
    if name in ("rename", "group") and not tail.strip():
        with pytest.raises(CommandError, match=f"Usage: /{name} JID"):
            parse(line)
        return
    match parse(line):
        case (
            MsgCommand(jid=jid, text=free_text)
            | AddCommand(jid=jid, name=free_text)
            | RenameCommand(jid=jid, name=free_text)
            | GroupCommand(jid=jid, group=free_text)
        ):
            assert jid == "a@b.example"
            assert free_text == tail.strip()
        case other:
            pytest.fail(f"{line!r} parsed to {other!r}")


def test_reconnect_and_passwd_take_no_arguments() -> None:
    from xmpptui.ui import commands as c

    assert c.parse("/reconnect") == c.ReconnectCommand()
    assert c.parse("/passwd") == c.PasswdCommand()
    with pytest.raises(c.CommandError, match="Too many arguments"):
        c.parse("/passwd hunter2")  # a password typed here would land in input history


def test_block_unblock_blocked_info() -> None:
    from xmpptui.ui import commands as c

    assert c.parse("/block Eve@Example.org") == c.BlockCommand("eve@example.org")
    assert c.parse("/unblock eve@example.org") == c.UnblockCommand("eve@example.org")
    assert c.parse("/blocked") == c.BlockedCommand()
    assert c.parse("/info bob@example.org") == c.InfoCommand("bob@example.org")
    with pytest.raises(c.CommandError, match="needs a JID"):
        c.parse("/block")


def test_correct_search_retry() -> None:
    from xmpptui.ui import commands as c

    assert c.parse("/correct  fixed text ") == c.CorrectCommand("fixed text")
    assert c.parse('/search "quoted" [b]') == c.SearchCommand('"quoted" [b]')
    assert c.parse("/retry") == c.RetryCommand()
    with pytest.raises(c.CommandError, match="needs a new text"):
        c.parse("/correct")
