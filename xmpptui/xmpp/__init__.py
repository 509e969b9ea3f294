"""The XMPP layer: owns slixmpp, emits plain dataclass events (see ``events``).

slixmpp imports pygments at start-up (~70 ms) only to colour its DEBUG log
lines with terminal escape codes, which have no place in our log file. Hiding
pygments while slixmpp loads makes it fall back to plain text; anything that
needs pygments later (Rich) imports it normally.
"""

import sys

if "slixmpp" not in sys.modules and "pygments" not in sys.modules:
    sys.modules["pygments"] = None  # type: ignore[assignment]  # import fails: plain text
    try:
        import slixmpp.xmlstream.tostring  # noqa: F401
    finally:
        del sys.modules["pygments"]
