"""Query functions for the feeds aggregate: registration, health, scheduling claims."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.clusters import refresh_clusters
from storage.records import FeedRecord
from storage.tables import FEEDS, FeedRow, StoryRow

_FEED_FIELDS = tuple(f.name for f in fields(FeedRecord))


class FeedAlreadyExistsError(ValueError):
    """A feed with this URL is already registered."""

    def __init__(self, url: str, existing_id: int) -> None:
        super().__init__(f"feed {url} is already registered (id {existing_id})")
        self.url = url
        self.existing_id = existing_id


class FeedNotFoundError(LookupError):
    """No feed matches the given id or URL."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"no feed with id or URL {ref!r}")
        self.ref = ref


@dataclass(frozen=True, slots=True)
class NewFeed:
    url: str
    poll_interval_min: int
    turkey_focused: bool = True
    title: str | None = None
    site_url: str | None = None
    language: str | None = None


_FEEDS = FEEDS


def _update_feed(session: Session, feed_id: int, **values: Any) -> None:
    """One UPDATE of a feed row (a Core statement: no ORM bookkeeping on the hot poll path)."""
    session.connection().execute(update(_FEEDS).where(_FEEDS.c.id == feed_id).values(**values))


def to_record(row: FeedRow) -> FeedRecord:
    return FeedRecord(**{name: getattr(row, name) for name in _FEED_FIELDS})


def add_feed(session: Session, feed: NewFeed, now: datetime) -> FeedRecord:
    """Register a feed, due for polling at once. Raises FeedAlreadyExistsError."""
    existing = session.scalar(select(FeedRow.id).where(FeedRow.url == feed.url))
    if existing is not None:
        raise FeedAlreadyExistsError(feed.url, existing)
    row = FeedRow(
        url=feed.url,
        title=feed.title,
        site_url=feed.site_url,
        language=feed.language,
        turkey_focused=feed.turkey_focused,
        poll_interval_min=feed.poll_interval_min,
        next_poll_at=now,
        added_at=now,
        consecutive_failures=0,
        paused=False,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        found = session.scalar(select(FeedRow.id).where(FeedRow.url == feed.url))
        raise FeedAlreadyExistsError(feed.url, found or 0) from exc
    return to_record(row)


def get_feed(session: Session, feed_id: int) -> FeedRecord | None:
    row = session.get(FeedRow, feed_id)
    return to_record(row) if row else None


def find_feed_by_url(session: Session, url: str) -> FeedRecord | None:
    row = session.scalar(select(FeedRow).where(FeedRow.url == url))
    return to_record(row) if row else None


def find_feed(session: Session, ref: str) -> FeedRecord:
    """Resolve a user's reference (a numeric id or a URL). Raises FeedNotFoundError."""
    row: FeedRow | None = None
    if ref.strip().isdigit():
        row = session.get(FeedRow, int(ref))
    if row is None:
        row = session.scalar(select(FeedRow).where(FeedRow.url == ref.strip()))
    if row is None:
        raise FeedNotFoundError(ref)
    return to_record(row)


def list_feeds(session: Session) -> list[FeedRecord]:
    return [to_record(r) for r in session.scalars(select(FeedRow).order_by(FeedRow.id))]


def feed_urls(session: Session) -> set[str]:
    return set(session.scalars(select(FeedRow.url)))


def story_counts(session: Session) -> dict[int, int]:
    """Number of stored stories per feed id."""
    rows = session.execute(select(StoryRow.feed_id, func.count()).group_by(StoryRow.feed_id))
    return {feed_id: count for feed_id, count in rows}


def remove_feed(session: Session, feed_id: int) -> int:
    """Delete a feed and its stories; returns how many stories went with it. The clusters its
    stories were in lose them (and go when nothing is left in them)."""
    removed = session.scalar(select(func.count()).where(StoryRow.feed_id == feed_id)) or 0
    touched = session.scalars(
        select(StoryRow.cluster_id)
        .where(StoryRow.feed_id == feed_id, StoryRow.cluster_id.is_not(None))
        .distinct()
    ).all()
    session.execute(delete(StoryRow).where(StoryRow.feed_id == feed_id))
    session.execute(delete(FeedRow).where(FeedRow.id == feed_id))
    refresh_clusters(session, [cluster_id for cluster_id in touched if cluster_id is not None])
    return removed


def pause_feed(session: Session, feed_id: int, reason: str) -> None:
    _update_feed(session, feed_id, paused=True, paused_reason=reason)


def resume_feed(session: Session, feed_id: int, now: datetime) -> None:
    """Unpause, forget the failure streak and make the feed due at once."""
    _update_feed(
        session, feed_id, paused=False, paused_reason=None, consecutive_failures=0, next_poll_at=now
    )


def claim_due_feeds(
    session: Session, now: datetime, lease: timedelta, *, include_not_due: bool = False
) -> list[FeedRecord]:
    """Claim feeds that are due (or every unpaused feed) by pushing their next poll one lease ahead.

    The claim is a conditional UPDATE on the ``next_poll_at`` value read, so two instances
    polling the same database never both take a feed; a crashed poll is retried after the lease.
    """
    query = select(FeedRow).where(FeedRow.paused.is_(False)).order_by(FeedRow.next_poll_at)
    if not include_not_due:
        query = query.where(FeedRow.next_poll_at <= now)
    claimed: list[FeedRecord] = []
    for row in session.scalars(query).all():
        seen = row.next_poll_at
        result = session.execute(
            update(FeedRow)
            .where(FeedRow.id == row.id, FeedRow.next_poll_at == seen)
            .values(next_poll_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(to_record(row))
    return claimed


# The two statements every poll ends with, built once (building and caching a statement per
# call costs SQLAlchemy far more than running it). Parameters are named ``b_<column>``.
_RECORD_NOT_MODIFIED = (
    update(_FEEDS)
    .where(_FEEDS.c.id == bindparam("b_id"))
    .values(
        last_polled_at=bindparam("b_now"),
        last_success_at=bindparam("b_now"),
        consecutive_failures=0,
        next_poll_at=bindparam("b_next_poll_at"),
        # A validator sent with the response replaces the stored one; none keeps it.
        etag=func.coalesce(bindparam("b_etag", type_=_FEEDS.c.etag.type), _FEEDS.c.etag),
        last_modified=func.coalesce(
            bindparam("b_last_modified", type_=_FEEDS.c.last_modified.type),
            _FEEDS.c.last_modified,
        ),
    )
)
_RECORD_SUCCESS = (
    update(_FEEDS)
    .where(_FEEDS.c.id == bindparam("b_id"))
    .values(
        etag=bindparam("b_etag"),
        last_modified=bindparam("b_last_modified"),
        body_hash=bindparam("b_body_hash"),
        title=func.coalesce(_FEEDS.c.title, bindparam("b_title", type_=_FEEDS.c.title.type)),
        site_url=func.coalesce(
            _FEEDS.c.site_url, bindparam("b_site_url", type_=_FEEDS.c.site_url.type)
        ),
        language=func.coalesce(
            _FEEDS.c.language, bindparam("b_language", type_=_FEEDS.c.language.type)
        ),
        last_warning=bindparam("b_last_warning"),
        last_polled_at=bindparam("b_now"),
        last_success_at=bindparam("b_now"),
        consecutive_failures=0,
        next_poll_at=bindparam("b_next_poll_at"),
    )
)


def record_not_modified(
    session: Session,
    feed_id: int,
    now: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
) -> None:
    """A poll that found nothing new (304 or same body): the feed is healthy.

    Validators a server sent with the response replace the stored ones.
    """
    session.connection().execute(
        _RECORD_NOT_MODIFIED,
        {
            "b_id": feed_id,
            "b_now": now,
            "b_next_poll_at": next_poll_at,
            "b_etag": etag or None,
            "b_last_modified": last_modified or None,
        },
    )


@dataclass(frozen=True, slots=True)
class FeedSuccess:
    """What a successful, parsed poll learnt about the feed."""

    etag: str | None
    last_modified: str | None
    body_hash: str
    title: str | None
    site_url: str | None
    language: str | None
    warning: str | None


def record_success(
    session: Session, feed_id: int, now: datetime, next_poll_at: datetime, seen: FeedSuccess
) -> None:
    """Store validators and health after a parsed poll; fill title, site and language if unset."""
    session.connection().execute(
        _RECORD_SUCCESS,
        {
            "b_id": feed_id,
            "b_etag": seen.etag,
            "b_last_modified": seen.last_modified,
            "b_body_hash": seen.body_hash,
            "b_title": seen.title,
            "b_site_url": seen.site_url,
            "b_language": seen.language,
            "b_last_warning": seen.warning,
            "b_now": now,
            "b_next_poll_at": next_poll_at,
        },
    )


def record_failure(
    session: Session,
    feed_id: int,
    now: datetime,
    error: str,
    next_poll_at: datetime,
    pause_reason: str | None,
) -> None:
    """Count a failed poll, keep its error and, when ``pause_reason`` is given, pause the feed."""
    values: dict[str, object] = {
        "last_polled_at": now,
        "last_error": error,
        "last_error_at": now,
        "consecutive_failures": _FEEDS.c.consecutive_failures + 1,
        "next_poll_at": next_poll_at,
    }
    if pause_reason is not None:
        values.update(paused=True, paused_reason=pause_reason)
    _update_feed(session, feed_id, **values)
