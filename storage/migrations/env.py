"""Alembic environment: runs with the engine haberci passes in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from storage.tables import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError(
        "haberci migrations run through storage.db.upgrade(), which passes an engine"
    )

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
