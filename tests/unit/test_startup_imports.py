"""What the app imports before its first frame: nothing that can wait.

pygments (slixmpp's DEBUG colouring, ~70 ms), cryptography (certificate
details, ~40 ms) and keyring (backend discovery, ~30 ms, imported in the
keyring worker thread) stay out of the start-up path. Timing belongs to the
benchmarks; this checks the modules are simply not loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import xmpptui.cli, xmpptui.app, xmpptui.xmpp.session, xmpptui.store.credentials
import xmpptui.store.history, xmpptui.store.logs, xmpptui.xmpp.registration
tostring = sys.modules["slixmpp.xmlstream.tostring"]
print(json.dumps({
    "loaded": sorted(m for m in ("pygments", "cryptography", "keyring") if m in sys.modules),
    "highlighted": str(tostring.highlight("<a/>")),
}))
"""


def test_heavy_optional_modules_stay_out_of_start_up() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result = json.loads(out)
    assert result["loaded"] == []
    assert result["highlighted"] == "<a/>"  # plain text: no escape codes in our log file


def test_pygments_still_imports_after_the_xmpp_layer() -> None:
    code = "import xmpptui.xmpp.session, pygments.lexers; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "ok"
