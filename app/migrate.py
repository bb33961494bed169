"""Running the system schema's Alembic migrations from code (init-db, start-up, tests)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def revision(engine: sa.Engine, message: str) -> None:
    """Autogenerate a migration (developers only: ``python -m app.migrate "message"``)."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    from app.database import make_engine

    revision(make_engine(sys.argv[2] if len(sys.argv) > 2 else "sqlite:///instance/dev.db"),
             sys.argv[1])
