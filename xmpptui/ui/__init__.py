"""The Textual user interface: widgets, screens, styles and the display-text helpers.

Nothing in this package talks to slixmpp or the store; it sees the session only
through ``xmpptui.xmpp.api`` and ``xmpptui.xmpp.events``. Every untrusted string
reaches the screen through ``xmpptui.ui.render``.
"""
