"""Query functions for chats (private chats, groups, channels), their settings and topics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.tables import CHAT_TOPICS, CHATS, ChatRow, ChatTopicRow


@dataclass(frozen=True, slots=True)
class ChatRecord:
    id: int
    platform: str
    external_id: str
    kind: str
    title: str | None
    language: str
    timezone: str
    digest_times: str
    alerts: bool
    active: bool
    inactive_reason: str | None
    created_at: datetime
    last_digest_at: datetime | None
    next_digest_at: datetime | None
    topics: tuple[str, ...] = ()

    @property
    def times(self) -> tuple[str, ...]:
        """Local digest times ("08:00", …), in order."""
        return tuple(t for t in self.digest_times.split(",") if t)


@dataclass(frozen=True, slots=True)
class NewChat:
    platform: str
    external_id: str
    kind: str
    title: str | None
    language: str
    timezone: str
    digest_times: str


_COLUMNS = (
    ChatRow.id,
    ChatRow.platform,
    ChatRow.external_id,
    ChatRow.kind,
    ChatRow.title,
    ChatRow.language,
    ChatRow.timezone,
    ChatRow.digest_times,
    ChatRow.alerts,
    ChatRow.active,
    ChatRow.inactive_reason,
    ChatRow.created_at,
    ChatRow.last_digest_at,
    ChatRow.next_digest_at,
)


def _records(session: Session, rows: Iterable[Any]) -> list[ChatRecord]:
    chats = [ChatRecord(*row) for row in rows]
    if not chats:
        return []
    topics: dict[int, list[str]] = {}
    found = session.execute(
        select(ChatTopicRow.chat_id, ChatTopicRow.slug)
        .where(ChatTopicRow.chat_id.in_([c.id for c in chats]))
        .order_by(ChatTopicRow.slug)
    )
    for chat_id, slug in found:
        topics.setdefault(chat_id, []).append(slug)
    return [replace(c, topics=tuple(topics.get(c.id, ()))) for c in chats]


def find_chat(session: Session, platform: str, external_id: str) -> ChatRecord | None:
    rows = session.execute(
        select(*_COLUMNS).where(ChatRow.platform == platform, ChatRow.external_id == external_id)
    )
    found = _records(session, rows)
    return found[0] if found else None


def get_chat(session: Session, chat_id: int) -> ChatRecord | None:
    found = _records(session, session.execute(select(*_COLUMNS).where(ChatRow.id == chat_id)))
    return found[0] if found else None


def ensure_chat(session: Session, new: NewChat, now: datetime) -> tuple[ChatRecord, bool]:
    """The chat, registered on first contact with the given defaults. Returns (chat, created).
    A chat that was deactivated (blocked the bot, say) and talks again is active again."""
    existing = find_chat(session, new.platform, new.external_id)
    if existing is not None:
        if not existing.active:
            set_chat(session, existing.id, active=True, inactive_reason=None)
            existing = get_chat(session, existing.id)
            assert existing is not None
        return existing, False
    try:
        with session.begin_nested():
            session.execute(
                insert(CHATS).values(
                    platform=new.platform,
                    external_id=new.external_id,
                    kind=new.kind,
                    title=new.title,
                    language=new.language,
                    timezone=new.timezone,
                    digest_times=new.digest_times,
                    alerts=False,
                    active=True,
                    created_at=now,
                )
            )
    except IntegrityError:  # registered meanwhile by another process
        pass
    chat = find_chat(session, new.platform, new.external_id)
    assert chat is not None
    return chat, True


def set_chat(session: Session, chat_id: int, **values: Any) -> None:
    """Change a chat's settings (column names as in ChatRecord)."""
    session.execute(update(CHATS).where(CHATS.c.id == chat_id).values(**values))


def follow(session: Session, chat_id: int, slugs: Sequence[str]) -> list[str]:
    """Follow topics; returns those that were not followed yet."""
    known = set(followed(session, chat_id))
    added = [slug for slug in dict.fromkeys(slugs) if slug not in known]
    if added:
        session.execute(insert(CHAT_TOPICS), [{"chat_id": chat_id, "slug": s} for s in added])
    return added


def unfollow(session: Session, chat_id: int, slugs: Sequence[str]) -> list[str]:
    """Stop following topics; returns those that were followed."""
    known = set(followed(session, chat_id))
    removed = [slug for slug in dict.fromkeys(slugs) if slug in known]
    if removed:
        session.execute(
            delete(CHAT_TOPICS).where(
                CHAT_TOPICS.c.chat_id == chat_id, CHAT_TOPICS.c.slug.in_(removed)
            )
        )
    return removed


def followed(session: Session, chat_id: int) -> list[str]:
    rows = session.execute(
        select(ChatTopicRow.slug).where(ChatTopicRow.chat_id == chat_id).order_by(ChatTopicRow.slug)
    )
    return [slug for (slug,) in rows]


def list_chats(session: Session, *, active_only: bool = False) -> list[ChatRecord]:
    query = select(*_COLUMNS).order_by(ChatRow.id)
    if active_only:
        query = query.where(ChatRow.active.is_(True))
    return _records(session, session.execute(query))


def chat_counts(session: Session) -> dict[str, int]:
    """Active chats per kind (private, group, supergroup, channel)."""
    rows = session.execute(
        select(ChatRow.kind, func.count()).where(ChatRow.active.is_(True)).group_by(ChatRow.kind)
    )
    return {kind: count for kind, count in rows}


def move_chat(
    session: Session,
    platform: str,
    old_external_id: str,
    new_external_id: str,
    kind: str | None = None,
) -> None:
    """A chat got a new platform id (a Telegram group became a supergroup): its settings and
    topics move with it. If the new id is already registered, the old chat is merged away."""
    old = find_chat(session, platform, old_external_id)
    if old is None:
        return
    existing = find_chat(session, platform, new_external_id)
    if existing is not None:
        follow(session, existing.id, list(old.topics))
        session.execute(delete(CHATS).where(CHATS.c.id == old.id))
        return
    set_chat(session, old.id, external_id=new_external_id, kind=kind or old.kind)
