"""xmpptui test suite (a package, so tests import helpers as ``tests.rig``)."""
