"""Query functions for the delivery ledger: what each chat was sent, is being sent, or lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.tables import DELIVERIES, DeliveryRow

# A row is "pending" from just before its message is sent until just after. A pending row
# found after a crash cannot be known to have arrived or not: it becomes "uncertain" and is
# never sent again (at most once), and it is counted in /stats rather than dropped silently.
PENDING, SENT, FAILED, UNCERTAIN = "pending", "sent", "failed", "uncertain"


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
    """Write pending rows for (item key, story id) pairs; returns the keys reserved now (a key
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
            "status": PENDING,
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
    """Confirm (sent) or fail pending rows."""
    if keys:
        session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.chat_id == chat_id, DELIVERIES.c.item_key.in_(list(keys)))
            .values(status=status, reason=reason, sent_at=now if status == SENT else None)
        )


def resolve_in_flight(session: Session, reason: str = "in flight when haberci stopped") -> int:
    """After a restart: pending rows become uncertain (never resent). Returns how many."""
    pending = session.scalar(
        select(func.count()).select_from(DELIVERIES).where(DELIVERIES.c.status == PENDING)
    )
    session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.status == PENDING)
        .values(status=UNCERTAIN, reason=reason)
    )
    return int(pending or 0)


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status))
    return {status: count for status, count in rows}
