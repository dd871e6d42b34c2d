"""Alembic's environment: how migrations reach the database.

Don't change this: the grader runs your migrations through it, with `sqlalchemy.url` set to a
database of its own. Migrations run on a plain (sync) SQLite connection: they are a deploy step,
not a request, so nothing else waits on them.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, make_url, pool

from database import Base, get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# `alembic revision --autogenerate` compares the database with these models.
target_metadata = Base.metadata


def database_url() -> str:
    """The URL the grader set, else the app's; either way with SQLite's sync driver."""
    url = make_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    return url.set(drivername="sqlite").render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode: SQLite alters most columns only by copying the table, which batch does.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
