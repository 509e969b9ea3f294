"""The XMPP layer: owns slixmpp, emits plain dataclass events (see ``events``).

Two of slixmpp's imports cost every running app for nothing; while slixmpp
loads (the first import of this package), both are kept out:

- pygments (~70 ms), only to colour its DEBUG log lines with terminal escape
  codes, which have no place in our log file. Hidden, slixmpp falls back to
  plain text; anything that needs pygments later (Rich) imports it normally.
- importlib.metadata, only to read slixmpp's own version string. It brings
  email, zipfile, csv and importlib.resources: 33 modules, 1.5 MiB of resident
  memory in the app. A stand-in answers ``version()`` from the name of the
  package's ``.dist-info`` folder, and asks the real module when that is not
  conclusive (an editable install, two folders). Whatever imports
  importlib.metadata afterwards (keyring, for its backends) gets the real one.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


class _NotFound(Exception):
    """The stand-in's ``PackageNotFoundError``."""


def _version(name: str) -> str:
    """The installed version of the distribution that provides module ``name``."""
    module = sys.modules.get(name)
    origin: str | None = getattr(module, "__file__", None)
    if origin:
        site = os.path.dirname(os.path.dirname(origin))
        prefix, suffix = f"{name}-", ".dist-info"
        try:
            with os.scandir(site) as entries:
                found = [e.name for e in entries if e.name.startswith(prefix)]
        except OSError:
            found = []
        found = [folder for folder in found if folder.endswith(suffix)]
        if len(found) == 1:
            return found[0][len(prefix) : -len(suffix)]
    return _real_version(name)


def _real_version(name: str) -> str:
    if isinstance(sys.modules.get("importlib.metadata"), _StandIn):
        del sys.modules["importlib.metadata"]  # the real module must load, not us
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise _NotFound(name) from exc


class _StandIn(ModuleType):
    """What ``from importlib.metadata import PackageNotFoundError, version`` finds."""

    PackageNotFoundError = _NotFound
    version = staticmethod(_version)


def _import_slixmpp_lean() -> None:
    hidden: dict[str, ModuleType | None] = {}
    if "pygments" not in sys.modules:
        hidden["pygments"] = None  # import fails: plain text
    if "importlib.metadata" not in sys.modules:
        hidden["importlib.metadata"] = _StandIn("importlib.metadata")
    sys.modules.update(hidden)  # type: ignore[arg-type]  # None: "not importable"
    try:
        import slixmpp.xmlstream.tostring  # noqa: F401
    finally:
        for name, module in hidden.items():
            if name in sys.modules and sys.modules[name] is module:
                del sys.modules[name]


if "slixmpp" not in sys.modules:
    _import_slixmpp_lean()
