"""Keys first: while the user types, big redraws wait for the keystroke's frame.

A stream of incoming messages redraws the whole conversation a few times a
second; such a frame takes ~10 ms, and a key typed just before it waited for
it (its echo, a few hundred cells, takes ~2 ms). While keys keep coming, a
widget with such a redraw due hands it to ``after_next_key``: the composer
calls ``key_typed`` for each key, and the redraw then runs right after the
frame that shows that key, in the gap before the next one. When typing stops,
the widget's own timer (``TYPING_GAP``) draws it anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Protocol

TYPING_GAP = 0.25
"""Keys closer together than this (seconds) count as typing."""


class _Refreshing(Protocol):
    def call_after_refresh(self, callback: Callable[[], object]) -> bool: ...


_last_key = -1.0
_waiting: dict[int, Callable[[], object]] = {}


def typing() -> bool:
    """Was a key typed less than ``TYPING_GAP`` ago?"""
    return monotonic() - _last_key < TYPING_GAP


def after_next_key(owner: object, callback: Callable[[], object]) -> None:
    """Run ``callback`` right after the frame of the next key (one callback per
    ``owner``: the last one handed in before that key)."""
    _waiting[id(owner)] = callback


def key_typed(widget: _Refreshing) -> None:
    """A key was typed into ``widget``: the waiting redraws follow its frame."""
    global _last_key
    _last_key = monotonic()
    if _waiting:
        callbacks = list(_waiting.values())
        _waiting.clear()
        for callback in callbacks:
            widget.call_after_refresh(callback)


def forget(owner: object) -> None:
    """``owner`` is gone (unmounted): drop what it handed in."""
    _waiting.pop(id(owner), None)
