"""Logging to a private file, with secrets redacted before anything is written.

The terminal belongs to the TUI, so :func:`setup_logging` writes to the log
file only (mode ``0600``, rotated at 5 MiB, 3 old files kept) and removes
root handlers that print to stderr/stdout. slixmpp logs every byte it sends
and receives at DEBUG; its loggers are held at INFO unless the level asked
for is DEBUG, and even then :class:`RedactingFilter` blanks what
:func:`xmpptui.redact.redact` knows to be secret (SASL payloads,
``<password>``, private form fields, ``password=…`` pairs, every string given
to :func:`add_secret`), plus ``extra`` attributes whose name looks like a
secret. ``redact``, ``add_secret`` and ``REDACTED`` are re-exported from
:mod:`xmpptui.redact`, shared with the XML console.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

from xmpptui.redact import MIN_SECRET_LENGTH, REDACTED, add_secret, redact
from xmpptui.store.paths import ensure_private_dir, log_file, open_private_fd

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "RedactingFilter",
    "add_secret",
    "redact",
    "setup_logging",
]

MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_SECRET_NAME = re.compile(r"pass|secret|token|credential|pwd", re.IGNORECASE)
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

_installed: logging.Handler | None = None


class RedactingFilter(logging.Filter):
    """Rewrites each record so that no secret survives formatting.

    The message is formatted here (``record.getMessage()``), redacted, and
    stored back with ``args`` cleared; traceback and stack text are redacted
    too, and ``extra`` attributes with secret-looking names are blanked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments: keep the template, drop the args
            message = f"{record.msg!s} (unformattable log arguments dropped)"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS:
                secret_name = _SECRET_NAME.search(name)
                setattr(record, name, REDACTED if secret_name else _redact_value(value))
        return True


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose files are created (and kept) ``0600``."""

    def _open(self) -> io.TextIOWrapper:
        fd = open_private_fd(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(path: Path | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send all logging to ``path`` (default :func:`paths.log_file`) and nowhere else.

    Safe to call again (the previous handler is replaced). Python warnings
    are routed to the log too. Returns the installed handler.
    """
    global _installed
    path = log_file() if path is None else path
    ensure_private_dir(path.parent)
    handler = _PrivateRotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())

    root = logging.getLogger()
    for old in list(root.handlers):
        if old is _installed or _writes_to_terminal(old):
            root.removeHandler(old)
            if old is _installed:
                old.close()
    root.addHandler(handler)
    root.setLevel(level)
    slixmpp_level = logging.DEBUG if level <= logging.DEBUG else max(level, logging.INFO)
    logging.getLogger("slixmpp").setLevel(slixmpp_level)
    logging.captureWarnings(True)
    _installed = handler
    return handler


def _writes_to_terminal(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    is_file = isinstance(handler, logging.FileHandler)
    return not is_file and stream is not None and stream in (sys.stderr, sys.stdout)
