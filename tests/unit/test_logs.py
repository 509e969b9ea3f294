"""The log file is private, written only there, and never holds a secret."""

from __future__ import annotations

import logging
import stat
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from xmpptui.store import logs
from xmpptui.store.logs import REDACTED, RedactingFilter, add_secret, setup_logging

SASL_AUTH = (
    '<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="SCRAM-SHA-1">'
    "biwsbj1hbGljZSxyPQ==</auth>"
)
REGISTER = (
    "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'>"
    "<username>bob</username><password>hunter2</password></query></iq>"
)
XMLSTREAM = "slixmpp.xmlstream.xmlstream"


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    """Run the test with our logging set up, then put the old logging back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("slixmpp").level)
    yield tmp_path / "state" / "xmpptui.log"
    if logs._installed is not None:
        logs._installed.close()
        logs._installed = None
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.getLogger("slixmpp").setLevel(saved[2])
    logging.captureWarnings(False)


def written(handler: logging.Handler, path: Path) -> str:
    handler.flush()
    return path.read_text(encoding="utf-8")


def test_sasl_and_password_elements_never_reach_the_file(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.DEBUG)
    stream = logging.getLogger(XMLSTREAM)
    stream.debug("SEND: %s", SASL_AUTH)
    stream.debug("RECV: <challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1meWtv</challenge>")
    stream.debug("SEND: %s", REGISTER)
    stream.debug(
        "SEND: %s", b"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>Yz1iaXdz</response>"
    )

    text = written(handler, log_path)
    assert "SEND: <auth" in text and "<username>bob</username>" in text
    for secret in ("biwsbj1hbGljZSxyPQ==", "cj1meWtv", "hunter2", "Yz1iaXdz"):
        assert secret not in text
    assert text.count(REDACTED) == 4


def test_private_data_form_fields_are_redacted(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.DEBUG)
    form = (
        "<x xmlns='jabber:x:data' type='submit'><field var='username'><value>bob</value></field>"
        "<field type='text-private' var='pin'><value>98765</value></field>"
        "<field var='password'><value>swordfish</value></field></x>"
    )
    logging.getLogger(XMLSTREAM).debug("SEND: %s", form)

    text = written(handler, log_path)
    assert "<value>bob</value>" in text
    assert "98765" not in text and "swordfish" not in text


def test_password_like_args_extra_and_registered_secrets_are_redacted(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s | %(password)s"))
    add_secret("correct horse battery")
    log = logging.getLogger("xmpptui.test")

    log.info("login with password=%s", "pw-from-args", extra={"password": "pw-from-extra"})
    log.info("command said %s", "correct horse battery", extra={"password": "none"})

    text = written(handler, log_path)
    assert "pw-from-args" not in text
    assert "pw-from-extra" not in text
    assert "correct horse battery" not in text
    assert "command said [redacted]" in text


def test_exception_text_is_redacted(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.INFO)
    try:
        raise ValueError("bad stanza <password>hunter2</password>")
    except ValueError:
        logging.getLogger("xmpptui.test").exception("handler failed")

    text = written(handler, log_path)
    assert "ValueError: bad stanza <password>[redacted]</password>" in text
    assert "hunter2" not in text


def test_slixmpp_byte_logging_is_off_unless_debug(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.INFO)
    logging.getLogger(XMLSTREAM).debug("SEND: <presence/>")
    logging.getLogger("slixmpp").info("connected")
    logging.getLogger("xmpptui").info("app started")

    text = written(handler, log_path)
    assert "SEND: <presence/>" not in text
    assert "connected" in text and "app started" in text
    assert logging.getLogger("slixmpp").getEffectiveLevel() == logging.INFO


def test_log_file_is_private(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.INFO)
    logging.getLogger("xmpptui").warning("hello")
    handler.flush()

    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_path.parent.stat().st_mode) == 0o700


def test_rotated_files_stay_private(log_path: Path) -> None:
    handler = setup_logging(log_path, logging.INFO)
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.maxBytes = 200
    for n in range(10):
        logging.getLogger("xmpptui").info("line %d %s", n, "x" * 50)
    handler.flush()

    rotated = sorted(log_path.parent.glob("xmpptui.log*"))
    assert len(rotated) > 1
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in rotated)


def test_nothing_goes_to_stderr(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    handler = setup_logging(log_path, logging.INFO)

    logging.getLogger("xmpptui").error("something broke")
    warnings.warn("deprecated thing", UserWarning, stacklevel=1)

    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    text = written(handler, log_path)
    assert "something broke" in text and "deprecated thing" in text


def test_setting_up_twice_does_not_duplicate_lines(log_path: Path) -> None:
    setup_logging(log_path, logging.INFO)
    handler = setup_logging(log_path, logging.INFO)
    logging.getLogger("xmpptui").info("only once")
    assert written(handler, log_path).count("only once") == 1


def test_filter_keeps_record_when_args_do_not_fit() -> None:
    record = logging.makeLogRecord({"msg": "pw %s %s", "args": ("hunter2",)})
    assert RedactingFilter().filter(record) is True
    assert "hunter2" not in record.getMessage()
    assert record.args is None
