"""The blocked JIDs (XEP-0191), with a key to unblock one."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.ui import render


class BlockedScreen(ModalScreen[str | None]):
    """Lists blocked JIDs; dismisses with the (raw) JID to unblock, or ``None``.

    | key     | action                   |
    |---------|--------------------------|
    | u/enter | unblock the selected JID |
    | escape  | close                    |
    """

    BINDINGS = [
        Binding("u", "unblock", "Unblock", id="blocked.unblock"),
        Binding("escape", "close", "Close", id="blocked.close"),
    ]

    DEFAULT_CSS = """
    BlockedScreen { align: center middle; }
    BlockedScreen > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    BlockedScreen #title { text-style: bold; margin-bottom: 1; }
    BlockedScreen OptionList { height: auto; max-height: 20; }
    BlockedScreen #empty { color: $text-muted; }
    BlockedScreen #keys { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, jids: Iterable[str]) -> None:
        super().__init__()
        self.jids = sorted(set(jids), key=str.casefold)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Blocked ({len(self.jids)})"), id="title")
            if self.jids:
                yield OptionList(*(Option(render.identity_text(j, max_len=200)) for j in self.jids))
                yield Static(Text("u or enter: unblock · escape: close"), id="keys")
            else:
                yield Static(Text("Nobody is blocked."), id="empty")
                yield Static(Text("escape: close"), id="keys")

    def on_mount(self) -> None:
        if self.jids:
            options = self.query_one(OptionList)
            options.highlighted = 0
            options.focus()

    @property
    def selected(self) -> str | None:
        """The raw JID under the cursor."""
        if not self.jids:
            return None
        index = self.query_one(OptionList).highlighted
        return self.jids[index] if index is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.jids[event.option_index])

    def action_unblock(self) -> None:
        if (jid := self.selected) is not None:
            self.dismiss(jid)

    def action_close(self) -> None:
        self.dismiss(None)
