"""config_writer: line-based edits of config.toml that never damage the user's file."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xmpptui.models import Show
from xmpptui.store import config_writer
from xmpptui.store.config import AccountConfig, ConfigError, load_config
from xmpptui.store.config_writer import set_account_values, set_account_values_async
from xmpptui.store.toml_lines import toml_string


def pin(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "sha256/" + base64.b64encode(digest).decode("ascii")


PIN_A, PIN_B, PIN_C = pin("a"), pin("b"), pin("c")

ORIGINAL = f"""\
# My xmpptui settings.   Hand-written; keep my comments!
[ui]
bell = false   # the bell drives me mad

[accounts."alice@example.org"]
# where my server is
host = "xmpp.example.org"
port = 5222    # plain port
pinned_keys = [
    "{PIN_A}",  # old key ] with a bracket
    "{PIN_B}",
]
status = \"\"\"two
lines [x] = "y"
\"\"\"

# this comment belongs to bob
[accounts."bob@example.net"]
resource = "phone"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode("utf-8"))
    return path


def snapshot(path: Path) -> tuple[bytes, int, int]:
    info = path.stat()
    return path.read_bytes(), info.st_mtime_ns, info.st_ino


def test_other_lines_survive_byte_for_byte_and_keys_change_in_place(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGINAL)
    set_account_values(
        path,
        "alice@example.org",
        {"port": 5223, "pinned_keys": [PIN_C], "status": None, "resource": "laptop"},
    )
    assert path.read_text(encoding="utf-8") == (
        f"""\
# My xmpptui settings.   Hand-written; keep my comments!
[ui]
bell = false   # the bell drives me mad

[accounts."alice@example.org"]
# where my server is
host = "xmpp.example.org"
port = 5223    # plain port
pinned_keys = ["{PIN_C}"]
resource = "laptop"

# this comment belongs to bob
[accounts."bob@example.net"]
resource = "phone"
"""
    )
    alice = load_config(path).account("alice@example.org")
    assert alice is not None
    assert (alice.port, alice.pinned_keys, alice.status, alice.resource) == (
        5223,
        (PIN_C,),
        "",
        "laptop",
    )


def test_every_account_key_round_trips_through_load_config(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGINAL)
    values: dict[str, config_writer.Value] = {
        "host": "chat.example.org",
        "port": 5223,
        "resource": "desk",
        "password_command": "pass show 'xmpp/alice'",
        "ca_file": "/etc/ssl/my ca.pem",
        "presence": "dnd",
        "status": "Busy",
        "priority": -5,
        "tls": "direct",
        "pinned_keys": [PIN_A, PIN_C],
    }
    set_account_values(path, "carol@example.com", values)
    assert load_config(path).account("carol@example.com") == AccountConfig(
        jid="carol@example.com",
        host="chat.example.org",
        port=5223,
        resource="desk",
        password_command="pass show 'xmpp/alice'",
        ca_file=Path("/etc/ssl/my ca.pem"),
        presence=Show.DND,
        status="Busy",
        priority=-5,
        tls="direct",
        pinned_keys=(PIN_A, PIN_C),
    )
    assert path.read_text(encoding="utf-8").startswith(
        ORIGINAL + '\n[accounts."carol@example.com"]\n'
    )


@pytest.mark.parametrize(
    "status",
    [
        'say "hi"',
        "back\\slash \\n not a newline",
        "two\nlines\r\nand a tab\t",
        '] = 1\n[accounts."x@y.z"]\nport = 1',
        "'''\"\"\"",
        "héllo ✓ 日本語 🎉",
        "bidi \u202etxt.exe and nul \x00 and \x7f and \u2028",
        "# not a comment",
        "",
    ],
)
def test_tricky_strings_round_trip(tmp_path: Path, status: str) -> None:
    path = write(tmp_path, ORIGINAL)
    set_account_values(path, "alice@example.org", {"status": status})
    config = load_config(path)
    assert config.account("alice@example.org") == AccountConfig(
        jid="alice@example.org",
        host="xmpp.example.org",
        port=5222,
        pinned_keys=(PIN_A, PIN_B),
        status=status,
    )
    assert config.account("bob@example.net") == AccountConfig(
        jid="bob@example.net", resource="phone"
    )
    new_lines = path.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("status = ") for line in new_lines) == 1  # one line, in place


@given(st.text())
def test_toml_string_parses_back_to_the_same_text(text: str) -> None:
    written = toml_string(text)
    assert "\n" not in written and "\r" not in written
    assert tomllib.loads(f"k = {written}")["k"] == text


@pytest.mark.parametrize(
    "header",
    [
        '[accounts."alice@example.org"]',
        "[accounts.'alice@example.org']",
        "[ accounts . 'alice@example.org' ]  # literal key, with spaces",
        '["accounts"."Alice@Example.org"]',
        '[accounts."alice\\u0040example.org"]',
    ],
)
def test_header_spellings_are_found(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, f'{header}\n  port = 5222\n\n[accounts."bob@example.net"]\n')
    set_account_values(path, "alice@example.org", {"priority": 7, "port": None})
    assert path.read_text(encoding="utf-8") == (
        f'{header}\n  priority = 7\n\n[accounts."bob@example.net"]\n'
    )


def test_new_key_goes_after_the_last_key_line_of_the_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[accounts."a@b.c"]\nport = 5222\n\n# about d\n[accounts."d@e.f"]\n',
    )
    set_account_values(path, "a@b.c", {"resource": "r"})
    set_account_values(path, "d@e.f", {"resource": "s"})
    assert path.read_text(encoding="utf-8") == (
        '[accounts."a@b.c"]\nport = 5222\nresource = "r"\n\n# about d\n'
        '[accounts."d@e.f"]\nresource = "s"\n'
    )


def test_crlf_and_missing_final_newline_are_respected(tmp_path: Path) -> None:
    path = write(tmp_path, '# hi\r\n[accounts."a@b.c"]\r\nport = 5222')
    set_account_values(path, "a@b.c", {"port": 5223, "resource": "r"})
    assert path.read_bytes() == b'# hi\r\n[accounts."a@b.c"]\r\nport = 5223\r\nresource = "r"\r\n'


def test_a_table_is_appended_with_a_blank_line_before_it(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nbell = true")
    set_account_values(path, "a@b.c", {"port": 5222})
    assert (
        path.read_text(encoding="utf-8") == '[ui]\nbell = true\n\n[accounts."a@b.c"]\nport = 5222\n'
    )


def test_multi_line_array_is_replaced_cleanly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'[accounts."a@b.c"]\npinned_keys = [\n  "{PIN_A}",\n  # a comment\n  "{PIN_B}"\n]  # end\n'
        "port = 5222\n",
    )
    set_account_values(path, "a@b.c", {"pinned_keys": [PIN_C]})
    assert path.read_text(encoding="utf-8") == (
        f'[accounts."a@b.c"]\npinned_keys = ["{PIN_C}"]  # end\nport = 5222\n'
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'[accounts."a@b.c"]\nport = = 5222\n',  # not TOML
        b'[accounts."a@b.c"]\nstatus = "unterminated\n',
        b'[accounts."a@b.c"]\nprot = 5222\n',  # TOML, but an unknown key
        b'[accounts."a@b.c"]\npinned_keys = ["sha256/short"]\n',  # a malformed pin
        b'[accounts."a@b.c"]\nstatus = "\xff"\n',  # not UTF-8
        b"\xef\xbb\xbf# a byte order mark\n",
    ],
)
def test_a_bad_file_raises_and_is_left_exactly_as_it_was(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(raw)
    path.chmod(0o644)
    before = snapshot(path)
    with pytest.raises(ConfigError, match=r"config\.toml"):
        set_account_values(path, "a@b.c", {"resource": "laptop"})
    assert snapshot(path) == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"port": 0}, "port must be a whole number from 1 to 65535"),
        ({"presence": "offline"}, "presence must be one of"),
        ({"tls": "ssl"}, "tls must be one of starttls, direct"),
        ({"pinned_keys": ["md5/abc"]}, "pinned_keys[0] is not a SHA-256 key pin"),
        ({"host": ""}, "host must be a non-empty text string"),
    ],
)
def test_an_invalid_value_is_refused_before_writing(
    tmp_path: Path, values: dict[str, config_writer.Value], message: str
) -> None:
    path = write(tmp_path, ORIGINAL)
    before = snapshot(path)
    with pytest.raises(ConfigError) as info:
        set_account_values(path, "alice@example.org", values)
    assert message in str(info.value)
    assert snapshot(path) == before


@pytest.mark.parametrize(
    "text",
    [
        '[accounts]\n"a@b.c" = { port = 5222 }\n',
        'accounts."a@b.c".port = 5222\n',
    ],
)
def test_accounts_not_written_as_tables_are_not_restructured(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    before = snapshot(path)
    with pytest.raises(ConfigError, match="left unchanged"):
        set_account_values(path, "a@b.c", {"resource": "laptop"})
    assert snapshot(path) == before


def test_an_inline_accounts_table_cannot_get_a_new_account(tmp_path: Path) -> None:
    path = write(tmp_path, 'accounts = { "a@b.c" = { port = 5222 } }\n')
    before = snapshot(path)
    with pytest.raises(ConfigError, match="left unchanged"):
        set_account_values(path, "x@y.z", {"port": 5222})
    assert snapshot(path) == before


@pytest.mark.parametrize("key", ["password", "Password", "passwd", "pass"])
def test_a_password_is_never_written(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, ORIGINAL)
    before = snapshot(path)
    with pytest.raises(ValueError, match="never writes a password"):
        set_account_values(path, "alice@example.org", {key: "hunter2"})
    assert snapshot(path) == before
    missing = tmp_path / "new" / "config.toml"
    with pytest.raises(ValueError, match="never writes a password"):
        set_account_values(missing, "alice@example.org", {key: "hunter2"})
    assert not missing.parent.exists()
    (tmp_path / "broken").mkdir()
    broken = write(tmp_path / "broken", "not toml")
    with pytest.raises(ValueError, match="never writes a password"):  # refused before reading
        set_account_values(broken, "alice@example.org", {key: "hunter2"})


@pytest.mark.parametrize(
    ("jid", "values", "error"),
    [
        ("alice@example.org", {"colour": "red"}, ValueError),
        ("alice@example.org/laptop", {"port": 5222}, ValueError),
        ("not a jid", {"port": 5222}, ValueError),
        ("alice@example.org", {"port": 52.22}, TypeError),
        ("alice@example.org", {"pinned_keys": [PIN_A, 3]}, TypeError),
    ],
)
def test_bad_requests_are_refused_without_writing(
    tmp_path: Path, jid: str, values: dict[str, object], error: type[Exception]
) -> None:
    path = write(tmp_path, ORIGINAL)
    before = snapshot(path)
    with pytest.raises(error):
        set_account_values(path, jid, values)  # type: ignore[arg-type]
    assert snapshot(path) == before


def test_a_missing_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "config" / "xmpptui" / "config.toml"
    old_umask = os.umask(0)
    try:
        set_account_values(path, "a@b.c", {"resource": "laptop"})
    finally:
        os.umask(old_umask)
    assert path.read_text(encoding="utf-8") == '[accounts."a@b.c"]\nresource = "laptop"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["config.toml"]


def test_removing_from_an_account_that_has_no_table_writes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "config.toml"
    set_account_values(missing, "a@b.c", {"status": None})
    assert not missing.parent.exists()
    path = write(tmp_path, ORIGINAL)
    before = snapshot(path)
    set_account_values(path, "carol@example.com", {"status": None})
    set_account_values(path, "alice@example.org", {"resource": None})
    assert snapshot(path) == before


@pytest.mark.parametrize(("old_mode", "new_mode"), [(0o644, 0o600), (0o600, 0o600), (0o400, 0o400)])
def test_the_file_mode_is_private_or_kept_if_stricter(
    tmp_path: Path, old_mode: int, new_mode: int
) -> None:
    path = write(tmp_path, ORIGINAL)
    path.chmod(old_mode)
    inode = path.stat().st_ino
    set_account_values(path, "alice@example.org", {"port": 5223})
    assert stat.S_IMODE(path.stat().st_mode) == new_mode
    assert path.stat().st_ino != inode  # replaced atomically, not rewritten in place
    assert load_config(path).accounts[0].port == 5223
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


def test_a_symlinked_config_is_written_at_its_target(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = write(dotfiles, ORIGINAL)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    set_account_values(link, "alice@example.org", {"port": 5223})
    assert link.is_symlink()
    assert load_config(real).accounts[0].port == 5223


async def test_the_async_wrapper_writes_from_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, ORIGINAL)
    threads: list[int] = []
    real = config_writer.set_account_values

    def spy(*args: object) -> None:
        threads.append(threading.get_ident())
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(config_writer, "set_account_values", spy)
    values = {"status": "from the loop"}
    await set_account_values_async(path, "alice@example.org", values)
    assert load_config(path).accounts[0].status == "from the loop"
    assert threads and threads[0] != threading.get_ident()


def test_new_keys_are_validated_when_loading(tmp_path: Path) -> None:
    path = write(tmp_path, f'[accounts."a@b.c"]\ntls = "starttls"\npinned_keys = ["{PIN_A}"]\n')
    assert load_config(path).accounts[0] == AccountConfig(
        jid="a@b.c", tls="starttls", pinned_keys=(PIN_A,)
    )
    assert load_config(write(tmp_path, '[accounts."a@b.c"]\n')).accounts[0].tls is None
    for bad in (
        'pinned_keys = "sha256/x"',
        f'pinned_keys = ["{PIN_A[:-2]}=="]',  # right length, but two padding characters
        f'pinned_keys = ["{PIN_A.replace("sha256/", "sha1/")}"]',
        f'pinned_keys = ["{PIN_A} "]',
        "tls = true",
    ):
        with pytest.raises(ConfigError, match=r"pinned_keys|tls"):
            load_config(write(tmp_path, f'[accounts."a@b.c"]\n{bad}\n'))


def _spellings(text: str) -> list[str]:
    """Every way TOML can write ``text`` as a value, as far as ``text`` allows."""
    basic = toml_string(text)
    found = [basic, '"""\n' + basic[1:-1].replace("\\u000A", "\n") + '"""']
    if not any(ch in text for ch in "'\n\r") and text.isprintable():
        found.append(f"'{text}'")
    if "'" not in text and "\r" not in text and text.replace("\n", "").isprintable():
        found.append(f"'''\n{text}'''")  # a newline right after the quotes is dropped
        if not text.startswith("\n"):
            found.append(f"'''{text}'''")
    return found


@given(st.text(max_size=12), st.data())
def test_whatever_the_old_value_looks_like_only_its_lines_change(
    tmp_path_factory: pytest.TempPathFactory, old: str, data: st.DataObject
) -> None:
    spelling = data.draw(st.sampled_from(_spellings(old)))
    new: str | None = data.draw(st.one_of(st.none(), st.text(max_size=12)))
    head = f'[accounts."a@b.c"]\nstatus = {spelling}  # "note" \'x\'\n'
    tail = f'# {old!r}\n[accounts."d@e.f"]\nstatus = {spelling}\n'
    path = write(tmp_path_factory.mktemp("fuzz"), head + tail)
    set_account_values(path, "a@b.c", {"status": new, "port": 5222})
    line = "" if new is None else f"status = {toml_string(new)}  # \"note\" 'x'\n"
    assert path.read_text(encoding="utf-8") == f'[accounts."a@b.c"]\n{line}port = 5222\n' + tail
    config = load_config(path)
    assert [account.status for account in config.accounts] == [new or "", old]


@pytest.mark.parametrize("text", ["", "\n", "\nx", "x\n\n", "a'b", 'say "hi"', "tab\there"])
def test_every_spelling_the_fuzz_test_uses_reads_back_as_the_text(text: str) -> None:
    for spelling in _spellings(text):
        assert tomllib.loads(f"v = {spelling}")["v"] == text, spelling
