"""Allow ``python -m xmpptui``."""

from xmpptui.cli import main

raise SystemExit(main())
