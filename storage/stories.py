"""Query functions for the stories aggregate: de-duplicating upsert and listing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Insert, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.records import StoryInput, StoryRecord, UpsertCounts
from storage.tables import FeedRow, StoryRow

_CHUNK = 500
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_ignoring_conflicts(session: Session) -> Insert:
    """An INSERT that silently skips rows hitting a unique key (another instance won the race)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(StoryRow).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(StoryRow).on_conflict_do_nothing()
    raise RuntimeError(f"unsupported database dialect {dialect!r}")


def insert_new_stories(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert story rows; a row hitting a unique key (another process stored it first) is
    skipped, not an error. Returns how many rows were inserted."""
    if not rows:
        return 0
    # RETURNING lists only the rows actually inserted.
    statement = _insert_ignoring_conflicts(session).returning(StoryRow.id)
    return len(session.connection().execute(statement, rows).all())


def upsert_stories(
    session: Session,
    feed_id: int,
    stories: Sequence[StoryInput],
    fetched_at: datetime,
    backlog_before: datetime | None,
) -> UpsertCounts:
    """Store a feed's entries: new ones are inserted, edited ones updated, known ones skipped.

    An entry is known when its ``guid_key`` is stored for this feed (same item) or its URL is
    stored for any feed (the same story carried twice). Entries published before
    ``backlog_before`` are stored marked as backlog. The unique keys on the table make this
    hold even when two processes store the same entry at once.
    """
    by_key: dict[str, tuple[int, str, str]] = {}
    known_urls: set[str] = set()
    table = StoryRow.__table__.c
    for chunk in _chunks(stories, _CHUNK // 2):
        # One query finds both kinds of known entries: this feed's guids and any feed's URLs.
        rows = session.connection().execute(
            select(table.feed_id, table.guid_key, table.id, table.content_hash, table.url).where(
                or_(
                    and_(table.feed_id == feed_id, table.guid_key.in_([s.guid_key for s in chunk])),
                    table.url.in_([s.url for s in chunk]),
                )
            )
        )
        for row_feed, key, story_id, chash, url in rows:
            known_urls.add(url)
            if row_feed == feed_id:
                by_key[key] = (story_id, chash, url)

    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    seen_keys: set[str] = set()
    duplicate = 0
    for story in stories:
        if story.guid_key in seen_keys:
            duplicate += 1
            continue
        seen_keys.add(story.guid_key)
        stored = by_key.get(story.guid_key)
        if stored is not None:
            story_id, content_hash, stored_url = stored
            if content_hash == story.content_hash:
                duplicate += 1
                continue
            change: dict[str, Any] = {
                "id": story_id,
                "title": story.title,
                "summary": story.summary,
                "content_hash": story.content_hash,
                "updated_at": fetched_at,
            }
            if story.url != stored_url and story.url not in known_urls:
                change["url"] = story.url
                known_urls.add(story.url)
            to_update.append(change)
            continue
        if story.url in known_urls:
            duplicate += 1
            continue
        known_urls.add(story.url)
        to_insert.append(
            {
                "feed_id": feed_id,
                "guid_key": story.guid_key,
                "url": story.url,
                "title": story.title,
                "summary": story.summary,
                "content_hash": story.content_hash,
                "published_at": story.published_at,
                "fetched_at": fetched_at,
                "language": story.language,
                "author": story.author,
                "is_backlog": backlog_before is not None and story.published_at < backlog_before,
            }
        )

    inserted = insert_new_stories(session, to_insert)
    for change in to_update:
        story_id = change.pop("id")
        session.execute(update(StoryRow).where(StoryRow.id == story_id).values(**change))
    return UpsertCounts(
        new=inserted,
        updated=len(to_update),
        duplicate=duplicate + (len(to_insert) - inserted),
    )


_STORY_COLUMNS = (
    StoryRow.id,
    StoryRow.feed_id,
    func.coalesce(FeedRow.title, FeedRow.url),
    FeedRow.url,
    StoryRow.guid_key,
    StoryRow.url,
    StoryRow.title,
    StoryRow.summary,
    StoryRow.content_hash,
    StoryRow.published_at,
    StoryRow.fetched_at,
    StoryRow.updated_at,
    StoryRow.language,
    StoryRow.author,
    StoryRow.is_backlog,
)


def _records(rows: Iterable[Any]) -> list[StoryRecord]:
    return [StoryRecord(*row) for row in rows]


def list_stories(
    session: Session,
    *,
    feed_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[StoryRecord]:
    """Stored stories, newest published first (backlog included)."""
    query = select(*_STORY_COLUMNS).join(FeedRow, FeedRow.id == StoryRow.feed_id)
    if feed_id is not None:
        query = query.where(StoryRow.feed_id == feed_id)
    if since is not None:
        query = query.where(StoryRow.published_at >= since)
    query = query.order_by(StoryRow.published_at.desc(), StoryRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return _records(session.execute(query))


def count_stories(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StoryRow)) or 0
