"""The dependency rule of ARCHITECTURE.md, enforced.

``models``/``jid``/``redact`` → stdlib; ``xmpp`` → slixmpp + models; ``store`` → stdlib and
its own libraries + models; ``ui`` → textual + models + the session's event and
interface types. Only ``xmpptui/app/`` (the coordinator package) and
``xmpptui/cli.py`` cross layers.

Two checks, both discovering modules by walking the package directories, so a
new module is covered the day it is added:

* dynamic: each module is imported in a fresh interpreter, which then reports
  which forbidden modules ended up in ``sys.modules`` and through which import
  statements of ours they came in;
* static: the import statements of each file (``ast``), including imports under
  ``if TYPE_CHECKING:``, which couple the layers just as much.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "xmpptui"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _files(*relative: str) -> list[Path]:
    """The .py files at or under each ``relative`` path of the package that exist."""
    found: list[Path] = []
    for rel in relative:
        target = PACKAGE / rel
        if target.is_file():
            found.append(target)
        elif target.is_dir():
            found.extend(
                path
                for path in sorted(target.rglob("*.py"))
                if all(part.isidentifier() for part in path.relative_to(REPO).parts[:-1])
            )
    return found


# --- dynamic check: a fresh interpreter per module --------------------------------------

# Forbidden modules (a name covers its submodules) per group of modules.
DYNAMIC_RULES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("xmpp",), ("textual",)),
    (("store",), ("textual", "slixmpp")),
    (("ui",), ("slixmpp", "xmpptui.xmpp.session", "xmpptui.store")),
    (("models.py", "jid.py", "redact.py"), ("textual", "slixmpp")),
]

DYNAMIC_CASES: list[tuple[str, tuple[str, ...]]] = [
    (_module_name(path), forbidden) for where, forbidden in DYNAMIC_RULES for path in _files(*where)
]

# Runs in the fresh interpreter: argv = module, comma-separated forbidden names, repo.
# A meta-path spy records, for the first import of each forbidden name, the chain
# of import statements in our own files that led to it.
PROBE = r"""
import importlib, json, sys, traceback

module, forbidden, repo = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
ours = repo.rstrip("/") + "/xmpptui/"

def matches(name, target):
    return name == target or name.startswith(target + ".")

chains = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        for bad in forbidden:
            if matches(name, bad) and bad not in chains:
                chains[bad] = [
                    f"{frame.filename[len(repo):].lstrip('/')}:{frame.lineno}: "
                    f"{(frame.line or '').strip()}"
                    for frame in traceback.extract_stack()
                    if frame.filename.startswith(ours)
                ]
        return None

already = [bad for bad in forbidden if any(matches(n, bad) for n in sys.modules)]
sys.meta_path.insert(0, Spy())
importlib.import_module(module)
loaded = [bad for bad in forbidden if any(matches(n, bad) for n in sys.modules)]
print(json.dumps({"already": already, "loaded": loaded, "chains": chains}))
"""


@dataclass(frozen=True)
class ProbeResult:
    returncode: int
    stdout: str
    stderr: str


def _probe(module: str, forbidden: tuple[str, ...]) -> ProbeResult:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module, ",".join(forbidden), str(REPO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return ProbeResult(done.returncode, done.stdout, done.stderr)


@cache
def _all_probes() -> dict[str, ProbeResult]:
    """Run every probe once, in parallel (each is a separate interpreter)."""
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        futures = {
            module: pool.submit(_probe, module, forbidden) for module, forbidden in DYNAMIC_CASES
        }
        return {module: future.result() for module, future in futures.items()}


@pytest.mark.parametrize(
    ("module", "forbidden"), DYNAMIC_CASES, ids=[module for module, _ in DYNAMIC_CASES]
)
def test_importing_a_module_does_not_pull_in_another_layer(
    module: str, forbidden: tuple[str, ...]
) -> None:
    result = _all_probes()[module]
    assert result.returncode == 0, (
        f"importing {module} in a fresh interpreter failed:\n{result.stderr[-3000:]}"
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["already"] == [], f"{report['already']} loaded before {module} was imported"
    problems = [
        f"importing {module} pulled in {bad}, via:\n    "
        + ("\n    ".join(report["chains"].get(bad, [])) or "(no import statement of ours)")
        for bad in report["loaded"]
    ]
    assert not problems, "\n".join(problems)


def test_the_probe_sees_an_import_and_names_the_statement() -> None:
    # render.py really imports textual and rich: the probe must notice, with the line.
    result = _probe("xmpptui.ui.render", ("textual", "rich", "slixmpp"))
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == ["textual", "rich"]
    assert any(
        step.startswith("xmpptui/ui/render.py:") and "textual" in step
        for step in report["chains"]["textual"]
    )


def test_module_discovery_finds_the_known_modules() -> None:
    discovered = {module for module, _ in DYNAMIC_CASES}
    known = {"xmpptui.models", "xmpptui.jid", "xmpptui.redact", "xmpptui.ui", "xmpptui.ui.render"}
    assert known <= discovered
    assert "xmpptui.app" not in discovered and "xmpptui.cli" not in discovered


# --- static check: import statements -----------------------------------------------------


@dataclass(frozen=True)
class LayerRule:
    """What the files of one layer may import."""

    name: str
    forbidden_external: frozenset[str]
    allowed_internal: tuple[str, ...]
    stdlib_only: bool = False


UI = LayerRule(
    "ui",
    frozenset({"slixmpp"}),
    (
        "xmpptui.ui",
        "xmpptui.models",
        "xmpptui.jid",
        "xmpptui.redact",
        "xmpptui.xmpp.events",
        "xmpptui.xmpp.api",
    ),
)
XMPP = LayerRule(
    "xmpp",
    frozenset({"textual", "rich"}),
    ("xmpptui.xmpp", "xmpptui.models", "xmpptui.jid", "xmpptui.redact"),
)
STORE = LayerRule(
    "store",
    frozenset({"textual", "rich", "slixmpp"}),
    ("xmpptui.store", "xmpptui.models", "xmpptui.jid", "xmpptui.redact"),
)
CORE = LayerRule(
    "models/jid/redact",
    frozenset(),
    ("xmpptui.models", "xmpptui.jid", "xmpptui.redact"),
    stdlib_only=True,
)

STATIC_CASES: list[tuple[Path, LayerRule]] = [
    *((path, UI) for path in _files("ui")),
    *((path, XMPP) for path in _files("xmpp")),
    *((path, STORE) for path in _files("store")),
    *((path, CORE) for path in _files("models.py", "jid.py", "redact.py")),
]


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package of this repository."""
    path = REPO.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def _imports(path: Path, source: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, dotted module) for every import statement in ``path``, relative ones resolved.

    ``source`` replaces the file's text (the self-tests below use it).
    """
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                # ``from xmpptui.xmpp import session`` imports the module xmpptui.xmpp.session.
                yield node.lineno, candidate if _is_module(candidate) else base


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violation(imported: str, rule: LayerRule) -> str | None:
    top = imported.partition(".")[0]
    if top == "xmpptui":
        if imported == "xmpptui" or any(_under(imported, ok) for ok in rule.allowed_internal):
            return None
        return (
            f"{imported} is another layer; the {rule.name} layer may use only "
            f"{', '.join(rule.allowed_internal)} (only xmpptui/app/ and xmpptui/cli.py "
            "cross layers)"
        )
    if top in rule.forbidden_external:
        return f"{imported} is not allowed in the {rule.name} layer"
    if rule.stdlib_only and top not in sys.stdlib_module_names and top != "__future__":
        return f"{imported} is not in the standard library ({rule.name} is stdlib only)"
    return None


@pytest.mark.parametrize(
    ("path", "rule"),
    STATIC_CASES,
    ids=[str(path.relative_to(REPO)) for path, _ in STATIC_CASES],
)
def test_import_statements_respect_the_layers(path: Path, rule: LayerRule) -> None:
    problems = [
        f"{path.relative_to(REPO)}:{line}: imports {imported}: {why}"
        for line, imported in _imports(path)
        if (why := _violation(imported, rule)) is not None
    ]
    assert not problems, "\n".join(problems)


# A file that would live three levels deep, in xmpptui/ui/widgets/.
PRETEND = PACKAGE / "ui" / "widgets" / "_layering_probe.py"


def _offenders(source: str, rule: LayerRule) -> list[str]:
    return [imported for _line, imported in _imports(PRETEND, source) if _violation(imported, rule)]


@pytest.mark.parametrize(
    ("source", "rule", "offender"),
    [
        ("import slixmpp\n", UI, "slixmpp"),
        ("from slixmpp.jid import JID\n", UI, "slixmpp.jid"),
        ("from xmpptui.xmpp import session\n", UI, "xmpptui.xmpp.session"),
        ("from xmpptui.xmpp.session import XmppSession\n", UI, "xmpptui.xmpp.session"),
        ("from ...store import history\n", UI, "xmpptui.store.history"),
        ("from xmpptui import store\n", UI, "xmpptui.store"),
        ("from xmpptui import app\n", UI, "xmpptui.app"),
        ("if TYPE_CHECKING:\n    import xmpptui.store.history\n", UI, "xmpptui.store.history"),
        ("def f():\n    import slixmpp\n", UI, "slixmpp"),
        ("from textual.widgets import Static\n", XMPP, "textual.widgets"),
        ("from xmpptui.ui import render\n", XMPP, "xmpptui.ui.render"),
        ("import textual\n", STORE, "textual"),
        ("import slixmpp\n", STORE, "slixmpp"),
        ("from ...xmpp import events\n", STORE, "xmpptui.xmpp.events"),
        ("import platformdirs\n", CORE, "platformdirs"),
        ("from xmpptui.ui.render import clean_body\n", CORE, "xmpptui.ui.render"),
    ],
)
def test_the_static_check_catches_forbidden_imports(
    source: str, rule: LayerRule, offender: str
) -> None:
    assert _offenders(source, rule) == [offender]


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("from xmpptui.xmpp import events, api\n", UI),
        ("from xmpptui.xmpp.events import MessageReceived\n", UI),
        ("from xmpptui.models import Show\nfrom xmpptui.jid import bare\n", UI),
        ("from textual.widgets import Static\nfrom . import chat\nfrom .. import render\n", UI),
        ("from xmpptui import __version__\n", UI),
        ("import slixmpp\nfrom xmpptui.models import Contact\n", XMPP),
        ("import sqlite3\nfrom xmpptui.store import paths\n", STORE),
        ("from xmpptui.redact import redact\n", XMPP),
        ("from xmpptui.redact import add_secret\n", STORE),
        ("from xmpptui import redact\n", CORE),
        ("from __future__ import annotations\nimport enum\n", CORE),
    ],
)
def test_the_static_check_allows_the_permitted_imports(source: str, rule: LayerRule) -> None:
    assert _offenders(source, rule) == []


def test_static_failure_message_names_file_line_and_import() -> None:
    line, imported = next(iter(_imports(PRETEND, "\n\nimport slixmpp\n")))
    why = _violation(imported, UI)
    assert (line, imported) == (3, "slixmpp")
    assert why is not None and "slixmpp" in why and "ui" in why
