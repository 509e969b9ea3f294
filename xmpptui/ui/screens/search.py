"""Search results over the history (``/search TEXT``): pick one to jump to it.

The app runs the query and gives the matching messages; this screen only
shows them and says which one was chosen. Every string is drawn through
``render`` (Rich ``Text``, never markup).

One row per message: ``2026-11-20 09:41  Bob  me: …text with the match…``
(local time, the conversation, the sender, an excerpt around the first match
with the match highlighted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.models import ChatMessage
from xmpptui.ui import render
from xmpptui.ui.widgets.chat_layout import local

EXCERPT: Final = 72  # characters of body shown per result
BEFORE: Final = 24  # of which at most this many before the match


@dataclass(frozen=True, slots=True)
class SearchHit:
    """The chosen result: open ``peer``'s tab and ``scroll_to_message(id)``."""

    peer: str
    id: str


def excerpt(body: str, query: str) -> Text:
    """One line of ``body`` around the first match of ``query`` (case-insensitive),
    the match in reverse video, ``…`` where text was cut."""
    line = render.clean_identity(body, max_len=len(body) + 1)
    match = re.search(re.escape(query.strip()), line, re.IGNORECASE) if query.strip() else None
    start = max(match.start() - BEFORE, 0) if match else 0
    end = min(start + EXCERPT, len(line))
    lead = render.ELLIPSIS if start else ""
    text = Text(lead + line[start:end] + (render.ELLIPSIS if end < len(line) else ""))
    if match:
        text.stylize(
            "reverse", len(lead) + match.start() - start, len(lead) + min(match.end(), end) - start
        )
    return text


def result_prompt(message: ChatMessage, query: str, name_of: Callable[[str], str]) -> Text:
    """The row shown for one result."""
    text = Text(local(message.timestamp).strftime("%Y-%m-%d %H:%M"), style="dim")
    text.append("  ")
    text.append(render.clean_identity(name_of(message.peer), 24) or message.peer, style="bold")
    text.append("  ")
    sender = "me" if message.outgoing else render.clean_identity(name_of(message.sender), 24)
    text.append(f"{sender}: ", style="green" if message.outgoing else "cyan")
    text.append_text(excerpt(message.body, query))
    return text


class SearchScreen(ModalScreen[SearchHit | None]):
    """The results of a history search; dismisses with a ``SearchHit`` or ``None``.

    | key       | action                         |
    |-----------|--------------------------------|
    | up/down   | move                           |
    | enter     | jump to the message            |
    | escape    | close                          |
    """

    BINDINGS = [Binding("escape", "close", "Close", id="search.close")]

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    SearchScreen #title { text-style: bold; margin-bottom: 1; }
    SearchScreen OptionList { height: auto; max-height: 30; }
    SearchScreen #empty { color: $text-muted; }
    SearchScreen #keys { margin-top: 1; color: $text-muted; }
    """

    def __init__(
        self,
        query: str,
        results: Sequence[ChatMessage],
        name_of: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.query_text = query
        self.results = list(results)
        self._name_of = name_of or (lambda jid: jid)

    def compose(self) -> ComposeResult:
        count = len(self.results)
        query = render.clean_identity(self.query_text, 60)
        title = f"Search “{query}”: {count} message{'s' if count != 1 else ''}"
        with Vertical():
            yield Static(Text(title), id="title")
            if self.results:
                yield OptionList(
                    *(
                        Option(result_prompt(m, self.query_text, self._name_of))
                        for m in self.results
                    )
                )
                yield Static(Text("enter: go to the message · escape: close"), id="keys")
            else:
                yield Static(Text("No message matches."), id="empty")
                yield Static(Text("escape: close"), id="keys")

    def on_mount(self) -> None:
        if self.results:
            options = self.query_one(OptionList)
            options.highlighted = 0
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        message = self.results[event.option_index]
        self.dismiss(SearchHit(message.peer, message.id))

    def action_close(self) -> None:
        self.dismiss(None)
