"""Everything xmpptui keeps on disk or in the OS: paths, config, passwords, history, logs.

This layer imports only the standard library, ``keyring``, ``platformdirs``
and :mod:`xmpptui.models` (never Textual or slixmpp). Blocking work has an
async entry point that runs off the event loop.
"""

from xmpptui.store.config import AccountConfig, Config, ConfigError, UiConfig, load_config
from xmpptui.store.history import AsyncHistory, History, HistoryError
from xmpptui.store.logs import add_secret, setup_logging
from xmpptui.store.paths import config_file, history_db, log_file
from xmpptui.store.secrets import (
    KEYRING_SERVICE,
    KeyringUnavailable,
    PasswordCommandError,
    delete_password,
    get_password,
    run_password_command,
    store_password,
)

__all__ = [
    "KEYRING_SERVICE",
    "AccountConfig",
    "AsyncHistory",
    "Config",
    "ConfigError",
    "History",
    "HistoryError",
    "KeyringUnavailable",
    "PasswordCommandError",
    "UiConfig",
    "add_secret",
    "config_file",
    "delete_password",
    "get_password",
    "history_db",
    "load_config",
    "log_file",
    "run_password_command",
    "setup_logging",
    "store_password",
]
