"""The XMPP layer: owns slixmpp, emits plain dataclass events (see ``events``)."""
