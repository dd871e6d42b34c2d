"""Task 5: the migration 0001 → 0002 keeps every row exactly, both ways, and ends at the models."""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from grader.kit import fail
from grader.loader import LoadedApp

pytestmark = pytest.mark.task(5)

CUSTOMERS = [(1, "Ada Lovelace", 3), (2, "Ben O'Brien", 1), (5, "Cy %_; --", 12)]
#: Balances under 0001, in dollars: every one of them at most two decimals, several of them
#: ones whose product by 100 is not a whole number in floating point (19.99 * 100 < 1999).
DOLLARS = [0.0, 0.01, 0.29, 0.57, 1.15, 4.35, 19.99, 1234567.8, 100.0, 12345678901.23, 0.07, 8.2]
ACCOUNTS = [(10 + n, CUSTOMERS[n % 3][0], dollars) for n, dollars in enumerate(DOLLARS)]
CENTS = [(10 + n, CUSTOMERS[n % 3][0], round(dollars * 100)) for n, dollars in enumerate(DOLLARS)]


class Migrations:
    """Alembic, run by the grader on a database file of its own, as the README says."""

    def __init__(self, folder: Path, database: Path) -> None:
        from alembic.config import Config

        self.database = database
        self.config = Config(str(folder / "alembic.ini"))
        self.config.set_main_option("script_location", str(folder / "migrations"))
        self.config.set_main_option("sqlalchemy.url", f"sqlite:///{database.as_posix()}")
        # The grader's own logging stays as it is.
        self.config.attributes["configure_logger"] = False

    def run(self, command: str, revision: str) -> None:
        from alembic import command as commands

        try:
            getattr(commands, command)(self.config, revision)
        except Exception as error:  # the learner's migration, whatever it raised
            raise fail(
                f"alembic {command} {revision} → raised {type(error).__name__}: {error}"
            ) from None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.database)) as connection:
            try:
                return connection.execute(sql).fetchall()
            except sqlite3.Error as error:
                raise fail(f"{sql} → {error}") from None

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.rows(f"PRAGMA table_info({table})")]

    def fill(self) -> None:
        """Rows under revision 0001, written as another program would."""
        with closing(sqlite3.connect(self.database)) as connection, connection:
            connection.executemany("INSERT INTO customers VALUES (?, ?, ?)", CUSTOMERS)
            connection.executemany(
                "INSERT INTO accounts (id, customer_id, balance) VALUES (?, ?, ?)", ACCOUNTS
            )


@pytest.fixture
def migrations(loaded: LoadedApp, exercise_dir: Path, tmp_path: Path) -> Iterator[Migrations]:
    # `loaded` puts the exercise's folder on sys.path: env.py imports database.py from there.
    yield Migrations(exercise_dir, tmp_path / "migrated.db")


def filled_at_head(migrations: Migrations) -> None:
    migrations.run("upgrade", "0001")
    if sorted(migrations.columns("accounts")) != ["balance", "customer_id", "id"]:
        raise fail(
            "alembic upgrade 0001 → accounts has columns "
            f"{migrations.columns('accounts')}: revision 0001 must stay as given"
        )
    migrations.fill()
    migrations.run("upgrade", "head")


def expect_cents(migrations: Migrations, what: str) -> None:
    columns = migrations.columns("accounts")
    if "balance_cents" not in columns:
        raise fail(f"{what} → accounts has no balance_cents column: {columns}")
    rows = migrations.rows("SELECT id, customer_id, balance_cents FROM accounts ORDER BY id")
    if rows != CENTS:
        wrong = [
            f"{dollars} → {got[2]!r}"
            for dollars, got, want in zip(DOLLARS, rows, CENTS, strict=False)
            if got != want
        ]
        raise fail(
            f"{what} on accounts filled under 0001 → expected (id, customer_id, balance_cents) "
            f"{CENTS}, got {rows}" + (f"; balances converted wrongly: {wrong}" if wrong else "")
        )
    customers = migrations.rows("SELECT id, name, version FROM customers ORDER BY id")
    if customers != CUSTOMERS:
        raise fail(f"{what} → customers should stay {CUSTOMERS}, got {customers}")


def expect_one_head(migrations: Migrations) -> None:
    from alembic.script import ScriptDirectory

    try:
        script = ScriptDirectory.from_config(migrations.config)
        heads = script.get_heads()
        head = script.get_revision(heads[0]) if len(heads) == 1 else None
    except Exception as error:
        raise fail(f"reading migrations/versions → {type(error).__name__}: {error}") from None
    if head is None or head.down_revision != "0001":
        raise fail(
            f'migrations/versions → heads {heads}; expected one head whose down_revision is "0001"'
        )


@pytest.mark.rule("upgrade-keeps-rows", "one-head")
def test_upgrade_converts_every_balance_to_exact_cents(migrations: Migrations) -> None:
    """upgrade head (the one head, after 0001) on rows of 0001 keeps each row, in exact cents."""
    expect_one_head(migrations)
    filled_at_head(migrations)
    expect_cents(migrations, "alembic upgrade head")


@pytest.mark.rule("schema-matches")
def test_the_schema_at_head_matches_the_models(migrations: Migrations) -> None:
    """After upgrade head, Alembic's compare_metadata finds no difference with models.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    filled_at_head(migrations)
    try:
        base = importlib.import_module("models").Base
    except (ImportError, AttributeError) as error:
        raise fail(f"models.py is given, and the grader compares its tables: {error}") from None
    engine = create_engine(f"sqlite:///{migrations.database.as_posix()}")
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), base.metadata)
    finally:
        engine.dispose()
    if differences:
        raise fail(
            "alembic upgrade head → the schema differs from models.py: "
            + "; ".join(str(difference)[:160] for difference in differences[:5])
        )
    nulls = migrations.rows("SELECT COUNT(*) FROM accounts WHERE balance_cents IS NULL")
    if nulls != [(0,)]:
        raise fail(f"alembic upgrade head → {nulls[0][0]} accounts have a NULL balance_cents")


@pytest.mark.rule("downgrade-restores")
def test_downgrade_restores_every_balance(migrations: Migrations) -> None:
    """downgrade 0001 after upgrade head gives back accounts.balance, each value as it was."""
    filled_at_head(migrations)
    columns = migrations.columns("accounts")
    if "balance" in columns or "balance_cents" not in columns:
        raise fail(f"alembic upgrade head → accounts has columns {columns}: nothing to downgrade")
    migrations.run("downgrade", "0001")
    columns = migrations.columns("accounts")
    if sorted(columns) != ["balance", "customer_id", "id"]:
        raise fail(
            f"alembic downgrade 0001 → accounts should have id, customer_id, balance, got {columns}"
        )
    rows = migrations.rows("SELECT id, customer_id, balance FROM accounts ORDER BY id")
    exact = [(i, c, float(d)) for i, c, d in ACCOUNTS]
    typed = [(i, c, b) for i, c, b in rows if isinstance(b, float)]
    if rows != exact or len(typed) != len(rows):
        raise fail(f"alembic downgrade 0001 → expected balances (as floats) {exact}, got {rows}")
    customers = migrations.rows("SELECT id, name, version FROM customers ORDER BY id")
    if customers != CUSTOMERS:
        raise fail(f"alembic downgrade 0001 → customers should stay {CUSTOMERS}, got {customers}")
    version = migrations.rows("SELECT version_num FROM alembic_version")
    if version != [("0001",)]:
        raise fail(f"alembic downgrade 0001 → alembic_version holds {version}")


@pytest.mark.rule("downgrade-restores", "upgrade-again")
def test_upgrade_after_downgrade_gives_the_same_cents(migrations: Migrations) -> None:
    """upgrade head, downgrade 0001, upgrade head again: the same cents as the first time."""
    filled_at_head(migrations)
    migrations.run("downgrade", "0001")
    migrations.run("upgrade", "head")
    expect_cents(migrations, "alembic upgrade head after downgrade 0001")


@pytest.mark.rule("upgrade-keeps-rows")
def test_upgrade_of_an_empty_database(migrations: Migrations) -> None:
    """upgrade head on an empty database gives the schema of the models, with no rows."""
    migrations.run("upgrade", "head")
    columns = migrations.columns("accounts")
    assert sorted(columns) == ["balance_cents", "customer_id", "id"], (
        f"alembic upgrade head on an empty database → accounts has columns {columns}"
    )
    assert migrations.rows("SELECT COUNT(*) FROM accounts") == [(0,)], "rows appeared"
