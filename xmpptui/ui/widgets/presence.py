"""The presence selector: pick how reachable you are."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Select

from xmpptui.models import SELECTABLE_SHOWS, Show


class PresenceSelector(Select[Show]):
    """A drop-down of the shows a user can pick (Enter opens it, arrows move).

    | key   | action                 |
    |-------|------------------------|
    | enter | open / choose          |
    | esc   | close without choosing |
    """

    class PresenceChosen(Message):
        """The user picked a presence."""

        def __init__(self, show: Show) -> None:
            super().__init__()
            self.show = show

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            [(show.label, show) for show in (*SELECTABLE_SHOWS, Show.OFFLINE)],
            value=Show.AVAILABLE,
            allow_blank=False,
            prompt="Presence",
            id=id,
        )
        self._known: Show = Show.AVAILABLE  # what the app already knows; never re-announced

    def show_quietly(self, show: Show) -> None:
        """Reflect a presence chosen elsewhere (``/status``, the config) without announcing it."""
        self._known = show
        if show != self.value:
            self.value = show

    def _on_select_changed(self, event: Select.Changed) -> None:
        # Select also reports its initial value and programmatic changes: only a
        # value that differs from the known one is the user's choice.
        event.stop()
        if isinstance(event.value, Show) and event.value != self._known:
            self._known = event.value
            self.post_message(self.PresenceChosen(event.value))
