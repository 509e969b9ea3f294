"""Chat tabs and message views (compatibility module: import from here or the parts).

* ``chat_view.ChatView``: the message view of one tab (Line API, no widget per message).
* ``chat_tabs.ChatTabs``: the console tab, then one tab per conversation.
* ``chat_canvas.ChatCanvas``: the drawing half of ``ChatView`` (Line API).
* ``chat_model`` / ``chat_entry`` / ``chat_layout``: the pure model and layout under it.

``ChatLog`` is the former name of ``ChatView`` and stays an alias of it.
"""

from __future__ import annotations

from xmpptui.ui.widgets.chat_tabs import CONSOLE_ID, ChatTabs
from xmpptui.ui.widgets.chat_view import ChatView

ChatLog = ChatView

__all__ = ["CONSOLE_ID", "ChatLog", "ChatTabs", "ChatView"]
