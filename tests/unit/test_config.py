"""config.toml: parsed into frozen dataclasses; every problem is one sentence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from xmpptui.models import Show
from xmpptui.store.config import AccountConfig, Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    return message


def test_missing_file_is_an_empty_config_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "config.toml"
    config = load_config(path)
    assert config.accounts == ()
    assert config.ui.bell is True
    assert not path.exists()
    assert not path.parent.exists()


def test_full_account_is_parsed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [ui]
        bell = false

        [accounts."alice@example.org"]
        host = "xmpp.example.org"
        port = 5223
        resource = "laptop"
        password_command = "pass show xmpp/alice"
        ca_file = "certs/ca.pem"
        presence = "dnd"
        status = "Busy"
        priority = -5

        [accounts."bob@example.net"]
        """,
    )
    config = load_config(path)

    assert config.ui.bell is False
    assert [a.jid for a in config.accounts] == ["alice@example.org", "bob@example.net"]
    alice = config.account("Alice@Example.org")
    assert alice == AccountConfig(
        jid="alice@example.org",
        host="xmpp.example.org",
        port=5223,
        resource="laptop",
        password_command="pass show xmpp/alice",
        ca_file=tmp_path / "certs" / "ca.pem",
        presence=Show.DND,
        status="Busy",
        priority=-5,
    )
    assert config.account("bob@example.net") == AccountConfig(jid="bob@example.net")
    assert config.account("carol@example.com") is None


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[accounts."a@b.c"]\nport = 5222\n'))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.accounts[0].port = 1  # type: ignore[misc]
    assert isinstance(config, Config)


def test_ca_file_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config(write(tmp_path, '[accounts."a@b.c"]\nca_file = "~/ca.pem"\n'))
    assert config.accounts[0].ca_file == tmp_path / "home" / "ca.pem"


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[accounts."a@b.c"]\nport = 5222\nhost = = "x"\n')
    assert ", line 3" in message
    assert message.endswith(".")


def test_toml_error_at_end_of_file_names_a_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[accounts."a@b.c"]\nstatus = "unterminated')
    assert ", line 2" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("port = 0", 'accounts."a@b.c".port must be a whole number from 1 to 65535'),
        ("port = 70000", "port must be a whole number from 1 to 65535"),
        ('port = "5222"', "port must be a whole number from 1 to 65535"),
        ("port = true", "port must be a whole number from 1 to 65535"),
        ("priority = 128", "priority must be a whole number from -128 to 127"),
        ("host = 5", "host must be a non-empty text string"),
        ('host = ""', "host must be a non-empty text string"),
        ("status = 1", "status must be a text string"),
        ('presence = "busy"', "presence must be one of available, chat, away, xa, dnd"),
        ('presence = "offline"', "presence must be one of available, chat, away, xa, dnd"),
        ("prot = 5222", 'accounts."a@b.c".prot is not a known setting'),
    ],
)
def test_wrong_values_are_rejected_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    message = error_for(tmp_path, f'[accounts."a@b.c"]\n{body}\n')
    assert expected in message


def test_ui_bell_must_be_boolean(tmp_path: Path) -> None:
    assert "ui.bell must be true or false" in error_for(tmp_path, '[ui]\nbell = "yes"\n')


def test_account_name_must_be_a_bare_jid(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[accounts."alice@example.org/laptop"]\n')
    assert "is not a bare JID" in message


def test_duplicate_accounts_differing_in_case_are_rejected(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[accounts."a@b.c"]\n[accounts."A@B.C"]\n')
    assert "listed twice" in message


def test_password_key_is_rejected_pointing_to_keyring(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[accounts."a@b.c"]\npassword = "hunter2"\n')
    assert 'accounts."a@b.c".password is not allowed' in message
    assert "keyring" in message
    assert "password_command" in message
    assert "hunter2" not in message


def test_top_level_password_is_rejected_too(tmp_path: Path) -> None:
    assert "password is not allowed" in error_for(tmp_path, 'password = "hunter2"\n')


def test_invalid_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'status = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(folder)


def test_default_path_comes_from_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "xmpptui").mkdir()
    (tmp_path / "xmpptui" / "config.toml").write_text('[accounts."a@b.c"]\n')
    assert [a.jid for a in load_config().accounts] == ["a@b.c"]


def test_keys_table_maps_binding_ids_to_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\nroster.focus = "f2"\n"tab.next" = "ctrl+n,alt+right"\n')
    config = load_config(path)
    assert config.keys == {"roster.focus": "f2", "tab.next": "ctrl+n,alt+right"}


def test_keys_must_be_strings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[keys]\nroster.focus = 2\n")
    with pytest.raises(ConfigError, match=r"keys\.(roster\.)?focus"):
        load_config(path)
