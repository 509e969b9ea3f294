"""The real app in a real terminal (a pty) against the hostile server: what
reaches the terminal is inert.

``python -m xmpptui`` runs as a child process on a 120x40 pseudo-terminal,
with its config, data, logs and keyring confined to a temporary directory.
The hostile server logs it in and sends hostile strings where a compromised
server or a malicious contact would put them: roster names, a presence
status, a chat message, a server notice (a message without ``from``) and a
stream error's text. The payloads are what XML 1.0 lets through: C1 controls
(U+009B CSI, U+009D OSC, U+0090 DCS, U+009C ST, U+0085 NEL), a bidi override
(U+202E) and Textual/Rich markup (``[@click=...]``, ``[link=...]``).

The test reads every byte the app writes and checks that each payload's
visible marker arrived (so it fails if nothing reached the screen), that no
C1 control, bidi override or payload-made hyperlink did, and that the app
only quits when told to (ctrl+q, exit code 0).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hostile import HostileServer
from tests.rig import wait_until

ME = "alice@localhost"
BOB = "bob@localhost"
TO = f" to='{ME}/xmpptui-test'"
ROOT = Path(__file__).resolve().parents[2]
COLUMNS, LINES = 120, 40

CSI, OSC, DCS, ST, NEL, RLO = "\u009b", "\u009d", "\u0090", "\u009c", "\u0085", "\u202e"
SHOWN = "\ufffd"  # what render puts in place of a control character

#: (where, what the server sends, what must be visible on the screen)
ROSTER_BOB = f"Bob{CSI}1mRN"
ROSTER_MALLORY = f"{RLO}Mal[@click=app.quit]Q[/]"
STATUS = f"{OSC}8;;x{ST}ST1"
BODY = (
    f"MSG{CSI}2J [@click=app.quit]CLK[/] {NEL}NEL "
    f"[link=http://evil]LNK[/link] {RLO}RLOEND {DCS}qDCS{ST}"
)
NOTICE = f"NOTE{DCS}q [link=http://evil]NLNK[/link] [@click=app.quit]NCLK[/]"
STREAM_ERROR = f"SERR{OSC}0;PWNED{ST} [@click=app.quit]SCLK[/]"

MARKERS = {
    "roster name": [f"Bob{SHOWN}1mRN", "Mal[@click=app.quit]Q[/]"],
    "status": [f"{SHOWN}8;;x{SHOWN}ST1"],
    "message": [
        f"MSG{SHOWN}2J",
        "[@click=app.quit]CLK[/]",
        f"{SHOWN}NEL",
        "[link=http://evil]LNK[/link]",
        "RLOEND",
        f"{SHOWN}qDCS{SHOWN}",
    ],
    "notice": [f"NOTE{SHOWN}q", "[link=http://evil]NLNK[/link]", "[@click=app.quit]NCLK[/]"],
    "stream error": [f"SERR{SHOWN}0;PWNED{SHOWN}", "[@click=app.quit]SCLK[/]"],
}

#: Escape sequences (CSI, OSC/DCS/APC/PM/SOS strings, the two-byte ones); a
#: cursor move first becomes a line break, so text at two places never joins.
_CURSOR_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDGd]")
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P_^X].*?(?:\x07|\x1b\\)|\x1b[()*+][0-~]|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
_HYPERLINK = re.compile(r"\x1b\]8;[^\x07\x1b]*;([^\x07\x1b]*)")


class PtyChild:
    """A command on a pseudo-terminal; every byte it writes is kept in ``output``."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.output = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._text: list[str] = []
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        try:
            self.process = subprocess.Popen(
                argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                cwd=ROOT,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(slave)
        self._master = master
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            asyncio.get_running_loop().remove_reader(self._master)
            return
        self.output += chunk
        self._text.append(self._decoder.decode(chunk))

    def screen_text(self) -> str:
        """Everything shown so far as plain text (escape sequences removed)."""
        return _ESCAPE.sub("", _CURSOR_MOVE.sub("\n", "".join(self._text)))

    def send(self, keys: bytes) -> None:
        os.write(self._master, keys)

    async def wait_for_text(self, *texts: str, timeout: float = 20) -> None:
        def missing() -> list[str]:
            shown = self.screen_text()
            return [t for t in texts if t not in shown]

        await wait_until(
            lambda: not missing() or self.process.poll() is not None,
            timeout,
            lambda: f"not on screen: {missing()!r}; screen: {self.screen_text()[-3000:]!r}",
        )
        assert not missing(), f"the app exited ({self.process.returncode}) before {missing()!r}"

    async def wait_exit(self, timeout: float = 20) -> int:
        await wait_until(lambda: self.process.poll() is not None, timeout, "the app did not exit")
        return int(self.process.returncode)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self._master)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        os.close(self._master)


def confined_environment(state: Path) -> dict[str, str]:
    """Config, data, logs and keyring inside ``state`` (as ``devtools.demo`` does)."""
    env = {**os.environ}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        (state / var.lower()).mkdir(parents=True)
        env[var] = str(state / var.lower())
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
    for textual in [name for name in env if name.startswith("TEXTUAL")]:
        del env[textual]  # no devtools, no driver or size overrides from the outside
    return env


@pytest.fixture
async def hostile(tmp_path: Path) -> AsyncIterator[HostileServer]:
    async with HostileServer(tmp_path) as server:
        server.roster_items = (
            f"<item jid='{BOB}' name='{ROSTER_BOB}' subscription='both'/>"
            f"<item jid='mallory@evil.example' name='{ROSTER_MALLORY}' subscription='both'/>"
        )
        yield server


@pytest.fixture
async def app(hostile: HostileServer, tmp_path: Path) -> AsyncIterator[PtyChild]:
    argv = [
        sys.executable, "-m", "xmpptui", ME,
        "--host", hostile.host, "--port", str(hostile.port),
        "--ca-file", str(hostile.ca_file),
        "--resource", "xmpptui-test",
        "--password-command", "printf pw",
    ]  # fmt: skip
    child = PtyChild(argv, confined_environment(tmp_path / "state"))
    try:
        yield child
    finally:
        child.close()


async def test_hostile_strings_reach_the_terminal_as_inert_text(
    hostile: HostileServer, app: PtyChild
) -> None:
    await hostile.wait_bound(timeout=30)
    await app.wait_for_text(*MARKERS["roster name"], timeout=30)

    await hostile.send(f"<presence from='{BOB}/phone'{TO}><status>{STATUS}</status></presence>")
    await app.wait_for_text(*MARKERS["status"])
    await hostile.send(
        f"<message from='{BOB}/phone'{TO} type='chat' id='m1'><body>{BODY}</body></message>"
    )
    await app.wait_for_text(*MARKERS["message"])
    await hostile.send(f"<message{TO} type='normal'><body>{NOTICE}</body></message>")
    await app.wait_for_text(*MARKERS["notice"])
    await hostile.send(
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        f"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{STREAM_ERROR}</text>"
        "</stream:error></stream:stream>"
    )
    await app.wait_for_text(*MARKERS["stream error"])
    assert app.process.poll() is None, "the app quit on its own"

    app.send(b"\x11")  # ctrl+q
    assert await app.wait_exit() == 0

    text = bytes(app.output).decode("utf-8")  # strict: no stray 0x9b/0x9d/0x90/0x85 byte
    controls = sorted({f"U+{ord(c):04X}" for c in text if 0x80 <= ord(c) <= 0x9F})
    assert controls == [], f"C1 controls reached the terminal: {controls}"
    for utf8 in (b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x90", b"\xc2\x9c", b"\xc2\x85"):
        assert utf8 not in app.output
    assert RLO not in text
    links = _HYPERLINK.findall(text)
    assert not [target for target in links if "evil" in target], links
