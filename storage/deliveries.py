"""Query functions for the delivery ledger: what each chat was sent, is being sent, or lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.tables import DELIVERIES, DeliveryRow

# A row is "queued" from when a digest or alert chooses its item until the message that
# carries it is about to go out, then "pending" until the send is confirmed ("sent") or has
# failed. After a crash, queued rows were never attempted and are released (deleted, so the
# item can be chosen again); a pending row cannot be known to have arrived or not: it becomes
# "uncertain" and is never sent again (at most once), and it is counted in /stats rather than
# dropped silently.
QUEUED, PENDING, SENT, FAILED, UNCERTAIN = "queued", "pending", "sent", "failed", "uncertain"


def item_key(story_id: int, cluster_id: int | None) -> str:
    """What a chat receives: a cluster once, whichever outlet's story carried it."""
    return f"c{cluster_id}" if cluster_id is not None else f"s{story_id}"


def received_keys(session: Session, chat_id: int) -> set[str]:
    """Every item the chat was sent or may have been sent (anything but a failure)."""
    rows = session.execute(
        select(DeliveryRow.item_key).where(
            DeliveryRow.chat_id == chat_id, DeliveryRow.status != FAILED
        )
    )
    return {key for (key,) in rows}


def reserve(
    session: Session, chat_id: int, items: Sequence[tuple[str, int]], kind: str, now: datetime
) -> list[str]:
    """Write queued rows for (item key, story id) pairs; returns the keys reserved now (a key
    already in the ledger, e.g. reserved by another process, is skipped)."""
    if not items:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(DeliveryRow)
        .on_conflict_do_nothing(index_elements=["chat_id", "item_key"])
        .returning(DeliveryRow.item_key)
    )
    rows = [
        {
            "chat_id": chat_id,
            "item_key": key,
            "story_id": story_id,
            "kind": kind,
            "status": QUEUED,
            "created_at": now,
        }
        for key, story_id in items
    ]
    return [key for (key,) in session.execute(statement, rows)]


def settle(
    session: Session,
    chat_id: int,
    keys: Sequence[str],
    status: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Move rows to ``status``: pending just before their message goes out, then sent or
    failed."""
    if keys:
        session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.chat_id == chat_id, DELIVERIES.c.item_key.in_(list(keys)))
            .values(status=status, reason=reason, sent_at=now if status == SENT else None)
        )


def resolve_in_flight(
    session: Session, reason: str = "in flight when haberci stopped"
) -> tuple[int, int]:
    """After a restart: queued rows are released (deleted: never attempted, the item may be
    chosen again) and pending rows become uncertain (never resent). Returns (released,
    uncertain)."""
    counts = status_counts(session)
    session.execute(delete(DELIVERIES).where(DELIVERIES.c.status == QUEUED))
    session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.status == PENDING)
        .values(status=UNCERTAIN, reason=reason)
    )
    return counts.get(QUEUED, 0), counts.get(PENDING, 0)


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status))
    return {status: count for status, count in rows}
