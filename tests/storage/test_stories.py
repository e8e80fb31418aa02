"""The stories table: de-duplication is a database guarantee, edits update, backlog is marked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage import feeds as feed_store
from storage import stories as story_store
from storage.tables import StoryRow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Tag:
    slug: str
    alias: str


@dataclass(frozen=True)
class Entry:
    guid_key: str
    url: str
    title: str = "A title"
    summary: str = "A summary."
    content_hash: str = "h1"
    published_at: datetime = NOW - timedelta(hours=1)
    language: str | None = "en"
    author: str | None = None
    topics: tuple[Tag, ...] = ()
    about_turkey: bool | None = None


def raw_row(feed_id: int, guid: str, url: str) -> dict[str, object]:
    """A stories row as written straight to the table."""
    return {
        "feed_id": feed_id,
        "guid_key": guid,
        "url": url,
        "title": "t",
        "summary": "",
        "content_hash": "x",
        "published_at": NOW,
        "fetched_at": NOW,
        "is_backlog": False,
    }


def _feed(sessions: sessionmaker[Session], url: str = "https://example.com/rss") -> int:
    with sessions.begin() as session:
        return feed_store.add_feed(
            session, feed_store.NewFeed(url=url, poll_interval_min=15), NOW
        ).id


def test_new_then_duplicate_then_updated(sessions: sessionmaker[Session]) -> None:
    feed_id = _feed(sessions)
    first = [Entry("guid:1", "https://e.com/1"), Entry("guid:2", "https://e.com/2")]
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, first, NOW, None)
    assert (counts.new, counts.updated, counts.duplicate) == (2, 0, 0)

    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, first, NOW, None)
    assert (counts.new, counts.updated, counts.duplicate) == (0, 0, 2)

    edited = [replace(first[0], title="A corrected title", content_hash="h2"), first[1]]
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, edited, NOW, None)
    assert (counts.new, counts.updated, counts.duplicate) == (0, 1, 1)
    with sessions() as session:
        stored = story_store.list_stories(session)
    assert len(stored) == 2
    corrected = next(s for s in stored if s.guid_key == "guid:1")
    assert corrected.title == "A corrected title"
    assert corrected.updated_at == NOW


def test_same_url_from_another_feed_is_not_stored_twice(sessions: sessionmaker[Session]) -> None:
    first = _feed(sessions, "https://a.example/rss")
    second = _feed(sessions, "https://b.example/rss")
    with sessions.begin() as session:
        story_store.upsert_stories(session, first, [Entry("guid:x", "https://e.com/s")], NOW, None)
    with sessions.begin() as session:
        counts = story_store.upsert_stories(
            session, second, [Entry("guid:other", "https://e.com/s")], NOW, None
        )
    assert (counts.new, counts.duplicate) == (0, 1)
    with sessions() as session:
        assert story_store.count_stories(session) == 1


def test_repeats_inside_one_batch_count_once(sessions: sessionmaker[Session]) -> None:
    feed_id = _feed(sessions)
    batch = [Entry("guid:1", "https://e.com/1"), Entry("guid:1", "https://e.com/1")]
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, batch, NOW, None)
    assert (counts.new, counts.duplicate) == (1, 1)


@pytest.mark.parametrize(
    ("guid", "url"),
    [("guid:1", "https://e.com/other"), ("guid:other", "https://e.com/1")],
    ids=["same-guid-same-feed", "same-url"],
)
def test_unique_keys_hold_in_the_database(
    sessions: sessionmaker[Session], guid: str, url: str
) -> None:
    feed_id = _feed(sessions)
    with sessions.begin() as session:
        story_store.upsert_stories(
            session, feed_id, [Entry("guid:1", "https://e.com/1")], NOW, None
        )
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(insert(StoryRow), [raw_row(feed_id, guid, url)])


def test_insert_hitting_a_unique_key_is_skipped(sessions: sessionmaker[Session]) -> None:
    """Another process stored the URL between our read and our insert: no error, nothing lost."""
    feed_id = _feed(sessions)
    with sessions.begin() as session:
        story_store.upsert_stories(
            session, feed_id, [Entry("guid:1", "https://e.com/1")], NOW, None
        )
    rows = [
        raw_row(feed_id, "guid:race", "https://e.com/1"),
        raw_row(feed_id, "guid:2", "https://e.com/2"),
    ]
    with sessions.begin() as session:
        assert list(story_store.insert_new_stories(session, rows)) == ["https://e.com/2"]
    with sessions() as session:
        assert sorted(s.url for s in story_store.list_stories(session)) == [
            "https://e.com/1",
            "https://e.com/2",
        ]


def test_backlog_marks_entries_older_than_the_cutoff(sessions: sessionmaker[Session]) -> None:
    feed_id = _feed(sessions)
    old = Entry("guid:old", "https://e.com/old", published_at=NOW - timedelta(days=3))
    fresh = Entry("guid:new", "https://e.com/new", published_at=NOW - timedelta(hours=2))
    with sessions.begin() as session:
        story_store.upsert_stories(session, feed_id, [old, fresh], NOW, NOW - timedelta(days=1))
    with sessions() as session:
        flags = {s.guid_key: s.is_backlog for s in story_store.list_stories(session)}
    assert flags == {"guid:old": True, "guid:new": False}


def test_list_is_newest_first_and_filters(sessions: sessionmaker[Session]) -> None:
    first = _feed(sessions, "https://a.example/rss")
    second = _feed(sessions, "https://b.example/rss")
    with sessions.begin() as session:
        story_store.upsert_stories(
            session,
            first,
            [
                Entry("guid:a1", "https://e.com/a1", published_at=NOW - timedelta(hours=5)),
                Entry("guid:a2", "https://e.com/a2", published_at=NOW - timedelta(hours=1)),
            ],
            NOW,
            None,
        )
        story_store.upsert_stories(
            session,
            second,
            [Entry("guid:b1", "https://e.com/b1", published_at=NOW - timedelta(hours=3))],
            NOW,
            None,
        )
    with sessions() as session:
        everything = story_store.list_stories(session)
        assert [s.guid_key for s in everything] == ["guid:a2", "guid:b1", "guid:a1"]
        assert all(s.published_at.tzinfo is not None for s in everything)
        assert everything[0].feed_url == "https://a.example/rss"
        only_b = story_store.list_stories(session, feed_id=second)
        assert [s.guid_key for s in only_b] == ["guid:b1"]
        recent = story_store.list_stories(session, since=NOW - timedelta(hours=4))
        assert {s.guid_key for s in recent} == {"guid:a2", "guid:b1"}
        assert len(story_store.list_stories(session, limit=1)) == 1


def test_many_entries_in_one_batch(sessions: sessionmaker[Session]) -> None:
    """More keys than one IN-list chunk still de-duplicate correctly."""
    feed_id = _feed(sessions)
    batch = [Entry(f"guid:{i}", f"https://e.com/{i}") for i in range(1200)]
    with sessions.begin() as session:
        assert story_store.upsert_stories(session, feed_id, batch, NOW, None).new == 1200
    with sessions.begin() as session:
        assert story_store.upsert_stories(session, feed_id, batch, NOW, None).duplicate == 1200


def test_topics_are_stored_replaced_on_edit_and_filterable(
    sessions: sessionmaker[Session],
) -> None:
    feed_id = _feed(sessions)
    tagged = Entry("guid:1", "https://e.com/1", topics=(Tag("nato", "NATO"), Tag("usa", "US")))
    plain = Entry("guid:2", "https://e.com/2", published_at=NOW - timedelta(days=10))
    with sessions.begin() as session:
        story_store.upsert_stories(session, feed_id, [tagged, plain], NOW, None)
    with sessions() as session:
        stories = {s.guid_key: s.topics for s in story_store.list_stories(session)}
        assert stories == {"guid:1": ("nato", "usa"), "guid:2": ()}
        assert [s.guid_key for s in story_store.list_stories(session, topic="nato")] == ["guid:1"]
        assert story_store.topic_counts(session) == {"nato": 1, "usa": 1}
        assert story_store.topic_counts(session, since=NOW + timedelta(hours=1)) == {}
    edited = replace(tagged, content_hash="h2", topics=(Tag("sanctions", "sanctions"),))
    with sessions.begin() as session:
        story_store.upsert_stories(session, feed_id, [edited], NOW, None)
    with sessions() as session:
        (story,) = story_store.list_stories(session, topic="sanctions")
        assert story.topics == ("sanctions",)
        assert story_store.list_stories(session, topic="nato") == []


def test_several_edits_in_one_batch_are_all_written(sessions: sessionmaker[Session]) -> None:
    """Edited entries are written together (one statement per set of changed columns): each
    gets its own text, hash, time and verdict, and a new link only where it is not taken."""
    feed_id = _feed(sessions)
    first = [Entry(f"guid:{i}", f"https://e.com/{i}") for i in range(4)]
    with sessions.begin() as session:
        story_store.upsert_stories(session, feed_id, first, NOW, None)
    later = NOW + timedelta(hours=1)
    edited = [
        replace(first[0], title="First, corrected", content_hash="h2", about_turkey=True),
        replace(first[1], summary="Second, longer.", content_hash="h3", url="https://e.com/1b"),
        first[2],
        # A new link that another story already has stays the old one.
        replace(first[3], title="Fourth, corrected", content_hash="h4", url="https://e.com/2"),
    ]
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, edited, later, None)
    assert (counts.new, counts.updated, counts.duplicate) == (0, 3, 1)
    with sessions() as session:
        stored = {s.guid_key: s for s in story_store.list_stories(session)}
    expected = {
        "guid:0": ("First, corrected", "A summary.", "h2", "https://e.com/0", later, True),
        "guid:1": ("A title", "Second, longer.", "h3", "https://e.com/1b", later, None),
        "guid:2": ("A title", "A summary.", "h1", "https://e.com/2", None, None),
        "guid:3": ("Fourth, corrected", "A summary.", "h4", "https://e.com/3", later, None),
    }
    assert {
        key: (s.title, s.summary, s.content_hash, s.url, s.updated_at, s.about_turkey)
        for key, s in stored.items()
    } == expected


def test_stored_entries_come_back_with_their_new_ids(sessions: sessionmaker[Session]) -> None:
    """``store_entries`` gives the entries it inserted with their ids, in the order given:
    repeats, known entries and edits are not among them."""
    feed_id = _feed(sessions)
    with sessions.begin() as session:
        story_store.upsert_stories(
            session, feed_id, [Entry("guid:old", "https://e.com/old")], NOW, None
        )
    batch = [
        Entry("guid:b", "https://e.com/b"),
        Entry("guid:old", "https://e.com/old", content_hash="h2"),  # an edit
        Entry("guid:a", "https://e.com/a"),
        Entry("guid:a", "https://e.com/a2"),  # the same item again
        Entry("guid:c", "https://e.com/b"),  # a link already taken
        Entry("guid:d", "https://e.com/d"),
    ]
    with sessions.begin() as session:
        stored = story_store.store_entries(session, feed_id, batch, NOW, None)
    assert [entry for _, entry in stored.inserted] == [batch[0], batch[2], batch[5]]
    assert sorted(story_id for story_id, _ in stored.inserted) == sorted(stored.counts.new_ids)
    with sessions() as session:
        urls = {s.id: s.url for s in story_store.list_stories(session)}
    assert [urls[story_id] for story_id, _ in stored.inserted] == [
        "https://e.com/b",
        "https://e.com/a",
        "https://e.com/d",
    ]
