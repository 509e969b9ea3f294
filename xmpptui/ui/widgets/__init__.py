"""Reusable widgets. Each emits intents as nested messages; none talks to the network."""
