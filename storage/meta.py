"""Small key/value facts about the database itself."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.tables import MetaRow


def get_meta(session: Session, key: str) -> str | None:
    row = session.get(MetaRow, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    session.merge(MetaRow(key=key, value=value))
