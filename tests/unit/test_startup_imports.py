"""What the app imports before its first frame: nothing that can wait.

pygments (slixmpp's DEBUG colouring, ~70 ms), importlib.metadata (slixmpp's
version string; with email and zipfile, 1.5 MiB), cryptography (certificate
details, ~40 ms) and keyring (backend discovery, ~30 ms, imported in the
keyring worker thread) stay out of the start-up path, and so do the dialogs
that most sessions never show (password, account creation, certificate trust,
resource conflict, new password, blocked contacts, search results): with the
Textual widgets only they use, about a MiB in every running app. Timing and
memory belong to the benchmarks; this checks the modules are simply not loaded.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

from xmpptui import xmpp

HEAVY = ["pygments", "importlib.metadata", "email", "zipfile", "cryptography", "keyring"]
DIALOGS = ["password", "register", "trust", "conflict", "new_password", "blocked", "search"]
PROBE = (
    f"DIALOGS = {DIALOGS!r}\nHEAVY = {HEAVY!r}\n"
    + """
import json, sys
import xmpptui.cli, xmpptui.app, xmpptui.xmpp.session, xmpptui.store.credentials
import xmpptui.store.history, xmpptui.store.logs, xmpptui.xmpp.registration
import slixmpp
dialogs = [f"xmpptui.ui.screens.{name}" for name in DIALOGS]
tostring = sys.modules["slixmpp.xmlstream.tostring"]
print(json.dumps({
    "loaded": sorted(m for m in HEAVY if m in sys.modules),
    "dialogs": sorted(m for m in dialogs if m in sys.modules),
    "main_screen": "xmpptui.ui.screens.main" in sys.modules,
    "highlighted": str(tostring.highlight("<a/>")),
    "slixmpp": [slixmpp.__version__, list(slixmpp.__version_info__)],
}))
"""
)


def test_heavy_optional_modules_stay_out_of_start_up() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    result = json.loads(out)
    assert result["loaded"] == []
    assert result["dialogs"] == []
    assert result["main_screen"]  # the probe did import the app's screens
    assert result["highlighted"] == "<a/>"  # plain text: no escape codes in our log file
    real = importlib.metadata.version("slixmpp")
    assert result["slixmpp"] == [real, [int(part) for part in real.split(".")[:3]]]


@pytest.mark.parametrize("name", DIALOGS)
def test_each_dialog_module_imports_on_its_own(name: str) -> None:
    """Loaded late, each dialog must still import by itself (no order it relied on)."""
    code = f"import xmpptui.ui.screens.{name}; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "ok"


def test_pygments_still_imports_after_the_xmpp_layer() -> None:
    code = "import xmpptui.xmpp.session, pygments.lexers; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "ok"


def test_importlib_metadata_is_the_real_one_after_the_xmpp_layer() -> None:
    code = (
        "import xmpptui.xmpp.session, importlib.metadata as m; "
        "print(m.version('textual'), m.PackageNotFoundError.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.split() == [importlib.metadata.version("textual"), "importlib.metadata"]


def test_the_version_stand_in_asks_the_real_module_when_the_folder_says_nothing() -> None:
    # xmpptui is installed editable: no xmpptui-*.dist-info beside the package
    assert xmpp._version("xmpptui") == importlib.metadata.version("xmpptui")
    with pytest.raises(xmpp._NotFound):
        xmpp._version("no_such_distribution_here")
