"""Hoithi's benchmark (issue #6): `make bench` runs `python -m bench.run`; see docs/performance.md."""
