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
            [(show.label, show) for show in SELECTABLE_SHOWS],
            value=Show.AVAILABLE,
            allow_blank=False,
            prompt="Presence",
            id=id,
        )
        self._quiet = False

    def show_quietly(self, show: Show) -> None:
        """Reflect a presence chosen elsewhere (e.g. ``/status``) without re-announcing it."""
        if show is Show.OFFLINE or show == self.value:
            return
        self._quiet = True
        self.value = show

    def _on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._quiet:
            self._quiet = False
            return
        if isinstance(event.value, Show):
            self.post_message(self.PresenceChosen(event.value))
