"""The garbage collector around start-up (stdlib only: the command line uses it
before anything else is imported).

Start-up builds a few hundred thousand objects (imports, the interface, the
roster) and almost none of them is garbage, yet CPython's collector walks the
whole growing heap again and again meanwhile: three full collections of 20 to
60 ms each before a 5,000-contact roster is on screen. So the command line
calls ``pause()`` first, and the app calls ``settle()`` once start-up is over
(``AFTER_ROSTER`` after the roster came; or after ``FALLBACK`` seconds: a password
prompt, an error):
one full collection for start-up's little garbage, then ``gc.freeze()``, which
exempts every surviving object from later collections (they are still freed
when no longer referenced; one that later ends up in unreachable cycles stays:
a one-time cost, such as the first footer keys). Later collections only look at
what came after.

Without ``pause()`` (the app run by tests), ``settle()`` freezes right after
the next full collection that comes anyway, instead of forcing one.
"""

from __future__ import annotations

import gc

AFTER_ROSTER = 0.2
"""Seconds from the roster's arrival to ``settle()``: its frame is drawn by then. (Not
"after the next refresh": with nothing else to draw, that came only with the next
key, which then waited for the collection: 115 ms at 5,000 contacts.)"""
FALLBACK = 15.0
"""Seconds after which the app settles the heap even without a roster."""

_state = {"paused": False, "settled": False}


def pause() -> None:
    """No automatic collection until ``settle()`` (call first thing in the process)."""
    if not _state["settled"]:
        gc.disable()
        _state["paused"] = True


def settle() -> None:
    """Start-up is over: collect once, exempt the survivors, collect normally again
    (once per process; later calls do nothing)."""
    if _state["settled"]:
        return
    _state["settled"] = True
    if _state["paused"]:
        gc.collect()
        gc.freeze()
        gc.enable()
        return
    frozen = False

    def after(phase: str, info: dict[str, int]) -> None:
        nonlocal frozen
        if not frozen and phase == "stop" and info["generation"] == 2:
            frozen = True
            gc.freeze()

    gc.callbacks.append(after)


def settled() -> bool:
    return _state["settled"]
