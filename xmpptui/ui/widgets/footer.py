"""The key footer: Textual's ``Footer`` without its leak.

Textual's footer rebuilds its keys whenever the bindings change, which is on every
focus change, and binds each key to its own ``compact`` reactive with ``data_bind``.
That binding sits in the footer's watcher list, and Textual prunes the list only
when ``compact`` changes. Here it never changes, so every rebuild kept the old keys
alive: about twenty widgets per focus change, for the life of the app (Textual issue
#6666). After each rebuild this footer marks ``compact`` as mutated. Textual then
drops the watchers of the removed keys and hands the unchanged value to the new ones.
"""

from __future__ import annotations

from textual.widgets import Footer

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """``Footer`` that lets go of the keys it replaced."""

    async def recompose(self) -> None:
        await super().recompose()
        if self.is_attached:
            self.mutate_reactive(Footer.compact)  # prunes watchers of closed keys
