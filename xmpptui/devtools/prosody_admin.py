"""Prosody's admin socket (``mod_admin_socket``): one console command over a Unix
socket, its output and result (stdlib only)."""

from __future__ import annotations

import contextlib
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from xmpptui.devtools.prosody_setup import ProsodyError

_ADMIN_NS = "xmpp:prosody.im/admin"


def unix_accepts(path: Path) -> bool:
    """Does something accept connections on the Unix socket ``path``?"""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def admin_exchange(path: Path, command: str, timeout: float) -> tuple[list[str], str, bool]:
    """Send one ``repl-input`` on Prosody's admin socket; return (output, result, failed)."""
    deadline = time.monotonic() + timeout
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    output: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            sock.sendall(
                f"<?xml version='1.0'?><stream:stream xmlns='{_ADMIN_NS}' "
                "xmlns:stream='http://etherx.jabber.org/streams'>"
                f"<repl-input>{xml_escape(command)}</repl-input>".encode()
            )
            while time.monotonic() < deadline:
                data = sock.recv(65536)
                if not data:
                    break
                parser.feed(data)
                for event in parser.read_events():
                    element = event[-1]
                    if not isinstance(element, ET.Element):
                        continue
                    name = element.tag.rpartition("}")[2]
                    if name == "repl-output":
                        output.append(element.text or "")
                    elif name == "repl-result":
                        with contextlib.suppress(OSError):
                            sock.sendall(b"</stream:stream>")
                        return output, element.text or "", element.get("type") == "error"
        except (OSError, ET.ParseError) as error:
            raise ProsodyError(f"Prosody admin socket {path}: {error}") from error
    raise ProsodyError(f"Prosody admin socket {path}: no answer within {timeout:g}s")
