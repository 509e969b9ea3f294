"""Keys first: while the user types, big redraws wait for the keystroke's frame.

A stream of incoming messages redraws the whole conversation a few times a
second; such a frame takes ~10 ms, and a key typed just before it waited for
it (its echo, a few hundred cells, takes ~2 ms). While keys keep coming, a
widget with such a redraw due hands it to ``after_next_key``: the composer
calls ``key_typed`` for each key, and the redraw then runs right after the
frame that shows that key, in the gap before the next one. When typing stops,
the widget's own timer (``TYPING_GAP``) draws it anyway. A key that ends the
typing (Enter, a tab switch, the focus leaving) releases them at once
(``typing_ended``).

Keys also go before the network and before redraws that are due: the terminal
driver stamps each key as it arrives (``key_arrived``, on its input thread);
for ``KEY_WAIT`` after that, ``key_pending`` is true, the session parses no
received data (``xmpp.client.yield_to``) and the chat view holds its redraw,
so a key does not wait behind a slice of a burst on any of its hops through
the loop (~5 ms from the terminal to its echo), nor behind a 10-30 ms frame.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Protocol

TYPING_GAP = 0.25
"""Keys closer together than this (seconds) count as typing."""

KEY_WAIT = 0.01
"""For this long after a key arrived, work that can wait yields to it (its echo
is on screen ~5 ms after it arrived; a burst's parsing waits at most this long
per key)."""


class _Refreshing(Protocol):
    def call_after_refresh(self, callback: Callable[[], object]) -> bool: ...
    def call_later(self, callback: Callable[[], object]) -> bool: ...


_last_key = -1.0
_waiting: dict[int, Callable[[], object]] = {}
_arrived = -1.0


def key_arrived() -> None:
    """A key came from the terminal (any thread: one float stored)."""
    global _arrived
    _arrived = monotonic()


def key_wait_left() -> float:
    """Seconds until the last key stops counting as on its way to the screen (0: none)."""
    return max(0.0, _arrived + KEY_WAIT - monotonic())


def key_pending() -> bool:
    """Is a key on its way to the screen (it arrived less than ``KEY_WAIT`` ago)?"""
    return key_wait_left() > 0.0


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
    _release(widget.call_after_refresh)


def typing_ended(widget: _Refreshing) -> None:
    """A key ended the typing (Enter, a tab switch...): what waits for the next
    key is drawn now, and no redraw waits until the next key is typed."""
    global _last_key
    _last_key = -1.0
    _release(widget.call_later)


def _release(schedule: Callable[[Callable[[], object]], object]) -> None:
    """Hand every waiting redraw to ``schedule`` (after the frame, or at once)."""
    callbacks = list(_waiting.values())
    _waiting.clear()
    for callback in callbacks:
        schedule(callback)


def forget(owner: object) -> None:
    """``owner`` is gone (unmounted): drop what it handed in."""
    _waiting.pop(id(owner), None)
