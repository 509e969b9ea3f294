"""The user's ``config.toml``: read, checked, and turned into frozen dataclasses.

Shape::

    [ui]
    bell = true

    [accounts."alice@example.org"]
    host = "xmpp.example.org"       # instead of DNS SRV / the JID's domain
    port = 5222                     # 1..65535
    resource = "laptop"
    password_command = "pass show xmpp/alice"
    ca_file = "~/certs/my-ca.pem"  # ~ expanded; relative to the config folder
    presence = "away"               # available | chat | away | xa | dnd
    status = "Lunch"
    priority = 5                    # -128..127
    tls = "direct"                  # starttls | direct (default: from the port)
    pinned_keys = ["sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]

``pinned_keys`` are SHA-256 hashes of trusted server public keys (SPKI), in
the ``sha256/<base64>`` form of :attr:`CertificateInfo.spki_sha256`.

Passwords never live here: a ``password`` key is refused with a
:class:`ConfigError` pointing to the keyring and ``password_command``.
Unknown keys are refused too, so that a typo does not silently do nothing.
Every problem is reported as one sentence naming the file and the line or key.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from xmpptui.models import SELECTABLE_SHOWS, Show
from xmpptui.store.paths import config_file, display_path

#: The keys an ``[accounts."<jid>"]`` table may hold, in documentation order.
ACCOUNT_KEYS = (
    "host",
    "port",
    "resource",
    "password_command",
    "ca_file",
    "presence",
    "status",
    "priority",
    "tls",
    "pinned_keys",
)
_UI_KEYS = ("bell",)
_TOP_KEYS = ("accounts", "ui", "keys")
_PASSWORD_HINT = (
    "passwords are never read from the config file, so keep it in the system keyring "
    "(service xmpptui) or set password_command instead"
)
_PIN_PREFIX = "sha256/"
_PIN_FORM = re.compile(r"sha256/[A-Za-z0-9+/]{43}=")

#: How to start TLS: ``"starttls"`` upgrades a plain connection, ``"direct"`` is
#: XEP-0368 TLS from the first byte. ``None`` (unset) means decided from the port.
TlsMode = Literal["starttls", "direct"]
TLS_MODES: tuple[TlsMode, ...] = get_args(TlsMode)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


class ConfigError(Exception):
    """The config file cannot be used; ``str(error)`` is one readable sentence."""


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """Settings for one account (``[accounts."<bare jid>"]``). ``None`` means unset."""

    jid: str
    host: str | None = None
    port: int | None = None
    resource: str | None = None
    password_command: str | None = None
    ca_file: Path | None = None
    presence: Show = Show.AVAILABLE
    status: str = ""
    priority: int = 0
    tls: TlsMode | None = None
    pinned_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UiConfig:
    """The ``[ui]`` table."""

    bell: bool = True


@dataclass(frozen=True, slots=True)
class Config:
    """The whole config file. ``accounts`` keep the file's order."""

    accounts: tuple[AccountConfig, ...] = ()
    ui: UiConfig = UiConfig()
    path: Path | None = None
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> key(s)

    def account(self, jid: str) -> AccountConfig | None:
        """The settings for the bare JID ``jid`` (case-insensitive), if any."""
        wanted = jid.casefold()
        for account in self.accounts:
            if account.jid.casefold() == wanted:
                return account
        return None


def load_config(path: Path | None = None) -> Config:
    """Read and check the config file (default: :func:`paths.config_file`).

    A missing file gives an empty :class:`Config` and is not created.
    Raises :class:`ConfigError` for anything unreadable, malformed or invalid.
    """
    path = config_file() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"{display_path(path)} cannot be read: {reason}.") from None
    return parse_config(raw, path)


def parse_config(raw: bytes, path: Path) -> Config:
    """Check the bytes of a config file; ``path`` is used in messages and for ``ca_file``."""
    where = display_path(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not valid UTF-8 text.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_sentence(where, str(exc), text)) from None
    return _Checker(where, path.parent).config(data, path)


def _toml_sentence(where: str, message: str, text: str) -> str:
    """Turn tomllib's ``Message (at line 3, column 7)`` into our one sentence."""
    match = _TOML_POSITION.search(message)
    if match:
        detail = message[: match.start()]
        prefix = f"{where}, line {match.group(1)}, column {match.group(2)}"
    else:
        detail = _TOML_AT_END.sub("", message)
        last_line = max(1, len(text.splitlines()))
        prefix = f"{where}, line {last_line} (end of file)" if detail != message else where
    detail = detail.strip().rstrip(".") or "invalid TOML"
    return f"{prefix}: {detail[0].lower()}{detail[1:]}."


class _Checker:
    """Validates the parsed TOML, one table at a time."""

    def __init__(self, where: str, base: Path) -> None:
        self._where = where
        self._base = base

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self._where}: {key} {problem}.")

    def config(self, data: Mapping[str, Any], path: Path) -> Config:
        self._check_keys(data, "", _TOP_KEYS)
        ui = self._ui(data.get("ui", {}))
        accounts_table = data.get("accounts", {})
        if not isinstance(accounts_table, dict):
            raise self.fail("accounts", 'must be a table of [accounts."user@domain"] sections')
        seen: set[str] = set()
        accounts = []
        for jid, table in accounts_table.items():
            account = self._account(jid, table)
            if account.jid.casefold() in seen:
                raise self.fail(f'accounts."{jid}"', "is listed twice (JIDs ignore case)")
            seen.add(account.jid.casefold())
            accounts.append(account)
        return Config(
            accounts=tuple(accounts), ui=ui, path=path, keys=self._keys(data.get("keys", {}))
        )

    def _keys(self, table: object) -> dict[str, str]:
        """``[keys]``: binding id = "key" (comma-separated alternatives).

        For example ``roster.focus = "f2"``.
        """
        if not isinstance(table, dict):
            raise self.fail("keys", 'must be a table ([keys], entries like roster.focus = "f2")')
        keys: dict[str, str] = {}
        for binding_id, key in table.items():
            if isinstance(key, dict):  # dotted ids parse as nested tables: roster.focus
                for sub, value in self._keys(key).items():
                    keys[f"{binding_id}.{sub}"] = value
                continue
            if not isinstance(key, str) or not key.strip():
                raise self.fail(f"keys.{binding_id}", 'must be a key name in quotes, e.g. "f2"')
            keys[binding_id] = key.strip()
        return keys

    def _check_keys(self, table: Mapping[str, Any], prefix: str, allowed: tuple[str, ...]) -> None:
        for key in table:
            name = f"{prefix}{_quote_key(key)}"
            if key.casefold() in ("password", "pass", "passwd"):
                raise self.fail(name, f"is not allowed: {_PASSWORD_HINT}")
            if key not in allowed:
                raise self.fail(name, f"is not a known setting (known: {', '.join(allowed)})")

    def _ui(self, table: object) -> UiConfig:
        if not isinstance(table, dict):
            raise self.fail("ui", "must be a table ([ui])")
        self._check_keys(table, "ui.", _UI_KEYS)
        bell = table.get("bell", True)
        if not isinstance(bell, bool):
            raise self.fail("ui.bell", "must be true or false")
        return UiConfig(bell=bell)

    def _account(self, jid: str, table: object) -> AccountConfig:
        name = f'accounts."{jid}"'
        if not _looks_like_bare_jid(jid):
            raise self.fail(name, "is not a bare JID like user@example.org")
        if not isinstance(table, dict):
            raise self.fail(name, "must be a table of settings")
        self._check_keys(table, f"{name}.", ACCOUNT_KEYS)

        def get(key: str, check: Callable[[str, object], Any]) -> Any:
            return check(f"{name}.{key}", table[key]) if key in table else None

        ca_file: Path | None = get("ca_file", self._path)
        presence: Show | None = get("presence", self._show)
        return AccountConfig(
            jid=jid,
            host=get("host", self._text),
            port=get("port", _int_check(self, 1, 65535)),
            resource=get("resource", self._text),
            password_command=get("password_command", self._text),
            ca_file=ca_file,
            presence=presence or Show.AVAILABLE,
            status=get("status", self._any_text) or "",
            priority=get("priority", _int_check(self, -128, 127)) or 0,
            tls=get("tls", self._tls),
            pinned_keys=get("pinned_keys", self._pins) or (),
        )

    def _any_text(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, "must be a text string in quotes")
        return value

    def _text(self, key: str, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty text string in quotes")
        return value

    def _path(self, key: str, value: object) -> Path:
        path = Path(self._text(key, value)).expanduser()
        return path if path.is_absolute() else self._base / path

    def _tls(self, key: str, value: object) -> TlsMode:
        for mode in TLS_MODES:
            if value == mode:
                return mode
        raise self.fail(key, f"must be one of {', '.join(TLS_MODES)}")

    def _pins(self, key: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, 'must be a list of "sha256/<base64>" strings')
        for index, pin in enumerate(value):
            if not isinstance(pin, str) or not is_valid_pin(pin):
                raise self.fail(
                    f"{key}[{index}]",
                    'is not a SHA-256 key pin like "sha256/<44 base64 characters>"',
                )
        return tuple(value)

    def _show(self, key: str, value: object) -> Show:
        choices = [show.value for show in SELECTABLE_SHOWS]
        if not isinstance(value, str) or value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}")
        return Show(value)


def _int_check(checker: _Checker, low: int, high: int) -> Callable[[str, object], int]:
    def check(key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise checker.fail(key, f"must be a whole number from {low} to {high}")
        return value

    return check


def is_valid_pin(pin: str) -> bool:
    """Whether ``pin`` is ``sha256/`` + the standard base64 of a 32-byte digest."""
    if not _PIN_FORM.fullmatch(pin):
        return False
    try:
        return len(base64.b64decode(pin.removeprefix(_PIN_PREFIX), validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _quote_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _looks_like_bare_jid(jid: str) -> bool:
    local, at, domain = jid.partition("@")
    return bool(at and local and domain) and "/" not in jid and not any(c.isspace() for c in jid)
