"""Text that can go on the wire: only characters XML 1.0 allows.

ElementTree writes NUL, ESC, vertical tab, lone surrogates or U+FFFE as they
are, and a server must close a stream that carries them: one paste would sign
the user out. Every string we send (bodies, corrections, statuses, roster names
and groups) passes through :func:`xml_text` at the session's boundary.
"""

from __future__ import annotations

import re

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (they are dropped)."""
    return _NOT_XML.sub("", text)
