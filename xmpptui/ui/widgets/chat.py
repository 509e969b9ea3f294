"""Chat tabs and message views: the names the app uses, from their parts.

* ``chat_view.ChatView``: the message view of one tab (Line API, no widget per message).
* ``chat_tabs.ChatTabs``: the console tab, then one tab per conversation (and the XML console).
* ``xml_console.XmlConsoleView``: the XML console's log of the raw stream.
* ``chat_canvas.ChatCanvas``: the drawing half of ``ChatView`` (Line API).
* ``chat_model`` / ``chat_entry`` / ``chat_layout``: the pure model and layout under it.

"""

from __future__ import annotations

from xmpptui.ui.widgets.chat_tabs import CONSOLE_ID, XML_CONSOLE_ID, ChatTabs
from xmpptui.ui.widgets.chat_view import ChatView
from xmpptui.ui.widgets.xml_console import XmlConsoleView

__all__ = ["CONSOLE_ID", "XML_CONSOLE_ID", "ChatTabs", "ChatView", "XmlConsoleView"]
