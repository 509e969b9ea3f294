"""The key footer: Textual's ``Footer`` without its leak, rebuilt only when its keys change.

Textual's footer rebuilds its keys whenever the bindings change, which is on every
focus change, and binds each key to its own ``compact`` reactive with ``data_bind``.
That binding sits in the footer's watcher list, and Textual prunes the list only
when ``compact`` changes. Here it never changes, so every rebuild kept the old keys
alive: about twenty widgets per focus change, for the life of the app (Textual issue
#6666). After each rebuild this footer marks ``compact`` as mutated. Textual then
drops the watchers of the removed keys and hands the unchanged value to the new ones.

A rebuild removes and mounts about twenty widgets (their styles, a layout), and
Textual asks for one at every change of the bindings, even when what the footer
shows stays the same: four at start-up, where two show something new. This footer
remembers what it was built from, and when a scheduled rebuild comes, skips it if
it would show the same keys.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """``Footer`` that lets go of the keys it replaced, and keeps the ones still right."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_from: tuple[object, ...] | None = None

    def _shown_bindings(self, screen: Screen[Any]) -> tuple[object, ...]:
        """What ``compose`` shows: the bindings to show, their state, the palette's key."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        # Read just before Footer.compose reads the same bindings, in the same step.
        self._built_from = self._shown_bindings(self.screen) if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Footer.bindings_changed, but the rebuild it schedules looks first.
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        """Rebuild unless the keys shown are still right (several changes in a row
        queue several calls: the first one rebuilds, the others find nothing to do)."""
        if not self.is_attached:
            return
        if self._built_from is not None and self._shown_bindings(self.screen) == self._built_from:
            return
        await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        if self.is_attached:
            self.mutate_reactive(Footer.compact)  # prunes watchers of closed keys
