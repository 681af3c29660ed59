"""Running Alembic from code, so `hoithi db upgrade` needs no alembic.ini."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    # Alembic's env.py runs its own event loop, so it gets a thread of its own: callers may have a loop running.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(command.upgrade, alembic_config(database_url), revision).result()


def new_revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the models' difference to the database (review it by hand)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
