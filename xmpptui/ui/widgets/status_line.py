"""The one-line header: account, connection state and what is happening."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from xmpptui.models import ConnectionState
from xmpptui.ui import render

_STATE_STYLE = {
    ConnectionState.ONLINE: "bold green",
    ConnectionState.CONNECTING: "bold yellow",
    ConnectionState.OFFLINE: "bold red",
}


class StatusLine(Static):
    """Shows ``xmpptui · alice@example.org · online — detail``.

    The account and the detail may come from the network, so the line is built
    as :class:`rich.text.Text` through :mod:`xmpptui.ui.render`, never as markup.
    """

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    account: reactive[str] = reactive("")
    """The account's bare JID."""
    state: reactive[ConnectionState] = reactive(ConnectionState.OFFLINE)
    """The link to the server."""
    detail: reactive[str] = reactive("")
    """A short sentence about the state (an error, the next retry)."""

    def render(self) -> Text:
        line = Text()
        line.append("xmpptui", style="bold")
        line.append(" · ")
        line.append_text(render.identity_text(self.account, max_len=200))
        line.append(" · ")
        line.append(self.state.value, style=_STATE_STYLE[self.state])
        if self.detail:
            line.append(" — ")
            line.append_text(render.identity_text(self.detail, max_len=300))
        return line
