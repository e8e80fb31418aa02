"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage import db
from storage.search import SEARCH_SCHEMA_NAMES
from storage.tables import Base


def _modelled(name: str | None, _type: str, _parent: object) -> bool:
    """Whether the comparison covers an object: all but the search index's own (migration 0006),
    which the models cannot describe (FTS5 tables, an expression index)."""
    return name not in SEARCH_SCHEMA_NAMES


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_current_revision_is_head_after_upgrade(engine: Engine) -> None:
    assert db.current_revision(engine) == db.head_revision()


def test_upgrade_is_idempotent(engine: Engine) -> None:
    db.upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= {"feeds", "stories", "meta"}


def test_fresh_database_has_no_revision(database_url: str) -> None:
    engine = db.create_db_engine(database_url)
    try:
        assert db.current_revision(engine) is None
    finally:
        engine.dispose()


def test_sqlite_uses_wal(tmp_path: object) -> None:
    engine = db.create_db_engine(f"sqlite:///{tmp_path}/nested/dir/h.db")
    try:
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_connections_compile_no_jit(engine: Engine) -> None:
    for _ in range(2):  # a new connection, and one back from the pool after a rollback
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            connection.rollback()
    engine.dispose()
    with engine.begin() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_postgres_urls_use_psycopg3() -> None:
    assert db.normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
