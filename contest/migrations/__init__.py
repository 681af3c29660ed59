"""Alembic migrations; run them with `hoithi db upgrade`."""
