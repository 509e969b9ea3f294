"""Tests against the real Prosody started by the rig (see tests/rig.py)."""
