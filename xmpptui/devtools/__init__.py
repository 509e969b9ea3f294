"""Developer tools: a private Prosody for tests and the demo, and helpers around it.

Nothing here is used by the client itself. ``prosody`` is stdlib-only;
``provision`` and ``peer`` use slixmpp.
"""
