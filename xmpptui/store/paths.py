"""Where xmpptui keeps its files, and how it creates them privately.

All locations come from :mod:`platformdirs` (app name ``xmpptui``), so on
Linux the ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME`` and ``XDG_STATE_HOME``
variables are honoured. The values are read on every call, never cached.

Config, history and logs are private: folders are created ``0700`` and
files ``0600``, whatever the umask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "xmpptui"

#: Permission bits for folders and files xmpptui creates.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def config_dir() -> Path:
    """The user config folder, e.g. ``~/.config/xmpptui``."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The user data folder, e.g. ``~/.local/share/xmpptui``."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The user log folder, e.g. ``~/.local/state/xmpptui/log``."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """``<user_config_dir>/config.toml``."""
    return config_dir() / "config.toml"


def history_db() -> Path:
    """``<user_data_dir>/history.sqlite3``."""
    return data_dir() / "history.sqlite3"


def log_file() -> Path:
    """``<user_log_dir>/xmpptui.log``."""
    return log_dir() / "xmpptui.log"


def display_path(path: Path) -> str:
    """``path`` as a user reads it in a message: the home folder shown as ``~``."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def ensure_private_dir(path: Path) -> Path:
    """Create the folder ``path`` and any missing parents with mode ``0700``.

    Only folders created here get their mode set (whatever the umask);
    folders that already exist are left as they are, so pointing a file at
    ``/tmp/x`` never changes ``/tmp``. Returns ``path``.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # created meanwhile by someone else: not ours to change
        folder.chmod(PRIVATE_DIR_MODE)
    return path


def open_private_fd(path: Path, flags: int) -> int:
    """Open ``path`` with ``os.open`` flags, creating it ``0600`` if needed.

    An existing file is tightened to ``0600``. ``O_CREAT`` is always added.
    The caller owns the returned file descriptor.
    """
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE_MODE:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def ensure_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode ``0600`` if missing; tighten it if present.

    The parent folder is created with :func:`ensure_private_dir`. Existing
    content is kept. Returns ``path``.
    """
    ensure_private_dir(path.parent)
    os.close(open_private_fd(path, os.O_RDONLY))
    return path
