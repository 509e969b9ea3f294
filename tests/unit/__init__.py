"""Unit tests: no network, no server."""
