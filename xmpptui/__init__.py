"""xmpptui: a keyboard-driven terminal chat client for XMPP."""

__version__ = "0.1.0"
