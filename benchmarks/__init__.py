"""The xmpptui benchmark suite (issue 7): ``make bench`` or ``python -m benchmarks``."""
