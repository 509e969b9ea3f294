"""Chat tabs and message views: the names the app uses, from their parts.

* ``chat_view.ChatView``: the message view of one tab (Line API, no widget per message).
* ``chat_tabs.ChatTabs``: the console tab, then one tab per conversation.
* ``chat_canvas.ChatCanvas``: the drawing half of ``ChatView`` (Line API).
* ``chat_model`` / ``chat_entry`` / ``chat_layout``: the pure model and layout under it.

"""

from __future__ import annotations

from xmpptui.ui.widgets.chat_tabs import CONSOLE_ID, ChatTabs
from xmpptui.ui.widgets.chat_view import ChatView

__all__ = ["CONSOLE_ID", "ChatTabs", "ChatView"]
