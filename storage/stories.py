"""Query functions for the stories aggregate: de-duplicating upsert and listing."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Insert,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage.records import StoryInput, StoryRecord, TagInput, UpsertCounts
from storage.tables import STORIES, STORY_TOPICS, FeedRow, StoryRow, StoryTopicRow

_CHUNK = 500
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The write path's statements are built once. Building a statement and finding its compiled
# form again costs SQLAlchemy more than running it (measured on SQLite: about 350 µs against
# 20 µs for a one-row UPDATE), and a poll runs several of them.
_S = STORIES.c
_KNOWN_ENTRIES = select(_S.feed_id, _S.guid_key, _S.id, _S.content_hash, _S.url).where(
    or_(
        and_(
            _S.feed_id == bindparam("feed_id"),
            _S.guid_key.in_(bindparam("guid_keys", expanding=True)),
        ),
        _S.url.in_(bindparam("urls", expanding=True)),
    )
)
# An edited entry: the changed columns come as parameters named like them.
_UPDATE_STORY = update(STORIES).where(_S.id == bindparam("story_id"))
_DELETE_TOPICS = delete(STORY_TOPICS).where(
    STORY_TOPICS.c.story_id.in_(bindparam("story_ids", expanding=True))
)
# Each topic row repeats its story's publication time, read from the story itself.
_INSERT_TOPICS = insert(STORY_TOPICS).values(
    published_at=select(_S.published_at).where(_S.id == bindparam("of_story")).scalar_subquery()
)


@cache
def _insert_ignoring_conflicts(dialect: str) -> Insert:
    """An INSERT that silently skips rows hitting a unique key (another instance won the race)
    and returns the URL and id of each row it did insert."""
    if dialect == "postgresql":
        statement: Insert = postgresql.insert(STORIES).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(STORIES).on_conflict_do_nothing()
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    return statement.returning(_S.url, _S.id)


def insert_new_stories(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert story rows; a row hitting a unique key (another process stored it first) is
    skipped, not an error. Returns the new stories' ids by URL."""
    if not rows:
        return {}
    connection = session.connection()
    # RETURNING lists only the rows actually inserted.
    statement = _insert_ignoring_conflicts(connection.dialect.name)
    return {url: story_id for url, story_id in connection.execute(statement, rows)}


def replace_topics(session: Session, tags_by_story: Mapping[int, Sequence[TagInput]]) -> None:
    """Make each story's stored topics exactly the given tags."""
    if not tags_by_story:
        return
    connection = session.connection()
    for chunk in _chunks(list(tags_by_story), _CHUNK):
        connection.execute(_DELETE_TOPICS, {"story_ids": list(chunk)})
    insert_topics(session, tags_by_story)


def insert_topics(session: Session, tags_by_story: Mapping[int, Sequence[TagInput]]) -> None:
    """Store the topics of stories that have none yet (each row repeats its story's
    publication time, read from the story itself)."""
    rows = [
        {"story_id": story_id, "slug": tag.slug, "alias": tag.alias[:200], "of_story": story_id}
        for story_id, tags in tags_by_story.items()
        for tag in tags
    ]
    if rows:
        session.connection().execute(_INSERT_TOPICS, rows)


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
    return store_entries(session, feed_id, stories, fetched_at, backlog_before).counts


Entry = TypeVar("Entry", bound=StoryInput)


@dataclass(frozen=True, slots=True)
class StoredEntries(Generic[Entry]):
    """What ``store_entries`` did, and the entries it inserted with their new ids (in the
    order given), so that what comes next need not read them back."""

    counts: UpsertCounts
    inserted: list[tuple[int, Entry]]


def store_entries(
    session: Session,
    feed_id: int,
    stories: Sequence[Entry],
    fetched_at: datetime,
    backlog_before: datetime | None,
) -> StoredEntries[Entry]:
    """``upsert_stories``, also returning the inserted entries with their ids."""
    by_key: dict[str, tuple[int, str, str]] = {}
    known_urls: set[str] = set()
    connection = session.connection()
    for chunk in _chunks(stories, _CHUNK // 2):
        # One query finds both kinds of known entries: this feed's guids and any feed's URLs.
        rows = connection.execute(
            _KNOWN_ENTRIES,
            {
                "feed_id": feed_id,
                "guid_keys": [s.guid_key for s in chunk],
                "urls": [s.url for s in chunk],
            },
        )
        for row_feed, key, story_id, chash, url in rows:
            known_urls.add(url)
            if row_feed == feed_id:
                by_key[key] = (story_id, chash, url)

    topics_changed: dict[int, Sequence[TagInput]] = {}
    to_insert: list[dict[str, Any]] = []
    inserting: list[Entry] = []
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
            topics_changed[story_id] = story.topics
            change: dict[str, Any] = {
                "story_id": story_id,
                "title": story.title,
                "summary": story.summary,
                "content_hash": story.content_hash,
                "updated_at": fetched_at,
                "about_turkey": story.about_turkey,
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
        inserting.append(story)
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
                "about_turkey": story.about_turkey,
            }
        )

    new_ids = insert_new_stories(session, to_insert)
    inserted = len(new_ids)
    topics_by_story: dict[int, Sequence[TagInput]] = {
        new_ids[story.url]: story.topics for story in stories if story.url in new_ids
    }
    _update_edited(session, to_update)
    insert_topics(session, topics_by_story)
    replace_topics(session, topics_changed)
    counts = UpsertCounts(
        new=inserted,
        updated=len(to_update),
        duplicate=duplicate + (len(to_insert) - inserted),
        new_ids=tuple(new_ids.values()),
    )
    return StoredEntries(
        counts, [(new_ids[story.url], story) for story in inserting if story.url in new_ids]
    )


def _update_edited(session: Session, changes: Sequence[dict[str, Any]]) -> None:
    """Write edited entries: one executemany per set of changed columns (with or without a
    new URL)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        by_columns.setdefault(tuple(change), []).append(change)
    connection = session.connection()
    for rows in by_columns.values():
        connection.execute(_UPDATE_STORY, rows)


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
    StoryRow.about_turkey,
    StoryRow.cluster_id,
)


def _records(session: Session, rows: Iterable[Any]) -> list[StoryRecord]:
    records = [StoryRecord(*row) for row in rows]
    topics = topics_of(session, [record.id for record in records])
    return [replace(r, topics=topics.get(r.id, ())) for r in records]


def select_story_records() -> Select[*tuple[Any, ...]]:
    """The columns of a StoryRecord, from stories joined to their feeds: the base query of story
    listings elsewhere (add filters and order, then run it with ``story_records``)."""
    return select(*_STORY_COLUMNS).join(FeedRow, FeedRow.id == StoryRow.feed_id)


def story_records(session: Session, query: Select[*tuple[Any, ...]]) -> list[StoryRecord]:
    """Run a query built on ``select_story_records``: its stories, with their topics."""
    return _records(session, session.execute(query))


def topics_of(session: Session, story_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each story's topic slugs, sorted."""
    found: dict[int, list[str]] = {}
    table = STORY_TOPICS
    for chunk in _chunks(story_ids):
        rows = session.connection().execute(
            select(table.c.story_id, table.c.slug).where(table.c.story_id.in_(chunk))
        )
        for story_id, slug in rows:
            found.setdefault(story_id, []).append(slug)
    return {story_id: tuple(sorted(slugs)) for story_id, slugs in found.items()}


def topic_counts(session: Session, since: datetime | None = None) -> dict[str, int]:
    """Stories per topic slug (published at or after ``since``)."""
    query = select(StoryTopicRow.slug, func.count()).group_by(StoryTopicRow.slug)
    if since is not None:
        query = query.where(StoryTopicRow.published_at >= since)
    return {slug: count for slug, count in session.execute(query)}


def _listing(
    topic: str | None, *, by_topic_index: bool
) -> tuple[Select[*tuple[Any, ...]], Any, Any]:
    """The base query of ``list_stories`` and the columns to order it by (published, id)."""
    if topic is None:
        query = select(*_STORY_COLUMNS).join(FeedRow, FeedRow.id == StoryRow.feed_id)
        return query, StoryRow.published_at, StoryRow.id
    tagged = STORY_TOPICS.c
    if by_topic_index:
        # A topic's newest stories are one range of story_topics' (slug, published_at, story_id)
        # index: walk it in order and stop at the limit, whatever the topic's size.
        query = (
            select(*_STORY_COLUMNS)
            .select_from(STORY_TOPICS)
            .join(StoryRow, StoryRow.id == tagged.story_id)
            .join(FeedRow, FeedRow.id == StoryRow.feed_id)
            .where(tagged.slug == topic)
        )
        return query, tagged.published_at, tagged.story_id
    # Another filter drives (fetched_since): the topic is a check per story.
    query = (
        select(*_STORY_COLUMNS)
        .join(FeedRow, FeedRow.id == StoryRow.feed_id)
        .where(exists().where(tagged.story_id == StoryRow.id, tagged.slug == topic))
    )
    return query, StoryRow.published_at, StoryRow.id


def list_stories(
    session: Session,
    *,
    feed_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    topic: str | None = None,
    cluster_id: int | None = None,
    offset: int = 0,
    readable: bool = False,
    fetched_since: datetime | None = None,
) -> list[StoryRecord]:
    """Stored stories, newest published first (backlog included), with their topics.
    ``readable`` leaves out stories of general feeds judged not about Turkey."""
    query, published, story_id = _listing(topic, by_topic_index=fetched_since is None)
    if readable:
        query = query.where(or_(StoryRow.about_turkey.is_(None), StoryRow.about_turkey.is_(True)))
    if feed_id is not None:
        query = query.where(StoryRow.feed_id == feed_id)
    if cluster_id is not None:
        query = query.where(StoryRow.cluster_id == cluster_id)
    if since is not None:
        query = query.where(published >= since)
    if fetched_since is not None:
        query = query.where(StoryRow.id.in_(_fetched_since(fetched_since)))
    query = query.order_by(published.desc(), story_id.desc())
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return _records(session, session.execute(query))


def _fetched_since(since: datetime) -> Select[int]:
    """The ids of the stories fetched at or after ``since``: one range of
    ix_stories_fetched_at. Filtering by this id list, SQLite reads that range instead of every
    story in published order."""
    fetched = aliased(StoryRow)
    return select(fetched.id).where(fetched.fetched_at >= since)


@dataclass(frozen=True, slots=True)
class DigestCandidate:
    """What a digest ranks a story by."""

    id: int
    feed_id: int
    cluster_id: int | None
    published_at: datetime


def digest_candidates(
    session: Session, fetched_since: datetime, topics: Collection[str] = ()
) -> list[DigestCandidate]:
    """Stories fetched at or after ``fetched_since``, of any of ``topics`` (every story when
    empty), not backlog, kept by the general-feed filter, newest published first: what a
    digest chooses from (records are read only for the chosen ones, with ``stories_by_id``)."""
    query = (
        select(StoryRow.id, StoryRow.feed_id, StoryRow.cluster_id, StoryRow.published_at)
        .where(
            StoryRow.id.in_(_fetched_since(fetched_since)),
            StoryRow.is_backlog.is_(False),
            or_(StoryRow.about_turkey.is_(None), StoryRow.about_turkey.is_(True)),
        )
        .order_by(StoryRow.published_at.desc(), StoryRow.id.desc())
    )
    if topics:
        tagged = STORY_TOPICS.c
        # A probe of story_topics' primary key per story of the period. OFFSET keeps it so on
        # PostgreSQL, which could otherwise make it a join that reads every row of a popular
        # topic (hundreds of thousands) to keep a few hundred.
        in_topics = (
            select(tagged.story_id)
            .where(tagged.story_id == StoryRow.id, tagged.slug.in_(sorted(set(topics))))
            .offset(0)
        )
        query = query.where(in_topics.exists())
    return [DigestCandidate(*row) for row in session.execute(query)]


def stories_by_id(session: Session, story_ids: Sequence[int]) -> list[StoryRecord]:
    """The stories with these ids, with their topics, in the given order (missing ones left
    out)."""
    found: dict[int, StoryRecord] = {}
    for chunk in _chunks(list(story_ids)):
        found.update(
            (record.id, record)
            for record in story_records(
                session, select_story_records().where(StoryRow.id.in_(chunk))
            )
        )
    return [found[story_id] for story_id in story_ids if story_id in found]


def count_stories(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StoryRow)) or 0


@dataclass(frozen=True, slots=True)
class StoryText:
    id: int
    title: str
    summary: str
    language: str | None
    general_feed: bool
    about_turkey: bool | None


def story_texts(
    session: Session, *, since: datetime | None, after_id: int, limit: int
) -> list[StoryText]:
    """The text of stories with an id above ``after_id``, by id, for re-tagging."""
    query = (
        select(
            StoryRow.id,
            StoryRow.title,
            StoryRow.summary,
            StoryRow.language,
            FeedRow.turkey_focused.is_(False),
            StoryRow.about_turkey,
        )
        .join(FeedRow, FeedRow.id == StoryRow.feed_id)
        .where(StoryRow.id > after_id)
        .order_by(StoryRow.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(StoryRow.published_at >= since)
    return [StoryText(*row) for row in session.execute(query)]


def set_about_turkey(session: Session, verdicts: Mapping[int, bool | None]) -> None:
    """Store the general-feed filter's verdicts."""
    for story_id, about in verdicts.items():
        session.execute(update(StoryRow).where(StoryRow.id == story_id).values(about_turkey=about))


def content_hashes(session: Session, feed_id: int, guid_keys: Sequence[str]) -> dict[str, str]:
    """The stored content hash of each of a feed's entries that is stored, by guid key."""
    found: dict[str, str] = {}
    for chunk in _chunks(guid_keys):
        rows = session.execute(
            select(StoryRow.guid_key, StoryRow.content_hash).where(
                StoryRow.feed_id == feed_id, StoryRow.guid_key.in_(chunk)
            )
        )
        found.update({key: content_hash for key, content_hash in rows})
    return found
