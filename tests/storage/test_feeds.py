"""The feeds aggregate: registration, health bookkeeping and claiming due feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage import feeds as feed_store
from storage.feeds import FeedAlreadyExistsError, FeedNotFoundError, NewFeed

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _add(sessions: sessionmaker[Session], url: str) -> int:
    with sessions.begin() as session:
        return feed_store.add_feed(session, NewFeed(url=url, poll_interval_min=15), NOW).id


def test_add_and_find_by_id_or_url(sessions: sessionmaker[Session]) -> None:
    feed_id = _add(sessions, "https://example.com/rss")
    with sessions() as session:
        by_id = feed_store.find_feed(session, str(feed_id))
        by_url = feed_store.find_feed(session, "https://example.com/rss")
        assert by_id == by_url
        assert by_id.next_poll_at == NOW and by_id.added_at == NOW
        assert by_id.name == "https://example.com/rss"
        with pytest.raises(FeedNotFoundError, match="no feed with id or URL '999'"):
            feed_store.find_feed(session, "999")


def test_same_url_twice_is_refused(sessions: sessionmaker[Session]) -> None:
    feed_id = _add(sessions, "https://example.com/rss")
    with pytest.raises(FeedAlreadyExistsError, match=f"already registered \\(id {feed_id}\\)"):
        _add(sessions, "https://example.com/rss")
    with sessions() as session:
        assert len(feed_store.list_feeds(session)) == 1


def test_claim_takes_due_feeds_once(sessions: sessionmaker[Session]) -> None:
    due = _add(sessions, "https://a.example/rss")
    later = _add(sessions, "https://b.example/rss")
    with sessions.begin() as session:
        feed_store.record_not_modified(session, later, NOW, NOW + timedelta(hours=1), None, None)
    with sessions.begin() as session:
        claimed = feed_store.claim_due_feeds(session, NOW, LEASE)
    assert [f.id for f in claimed] == [due]
    with sessions.begin() as session:
        assert feed_store.claim_due_feeds(session, NOW, LEASE) == []
    with sessions.begin() as session:
        retried = feed_store.claim_due_feeds(session, NOW + LEASE, LEASE)
    assert [f.id for f in retried] == [due]
    with sessions.begin() as session:
        everything = feed_store.claim_due_feeds(session, NOW, LEASE, include_not_due=True)
    assert {f.id for f in everything} == {due, later}


def test_paused_feeds_are_never_claimed(sessions: sessionmaker[Session]) -> None:
    feed_id = _add(sessions, "https://a.example/rss")
    with sessions.begin() as session:
        feed_store.pause_feed(session, feed_id, "by hand")
    with sessions.begin() as session:
        assert feed_store.claim_due_feeds(session, NOW, LEASE, include_not_due=True) == []


def test_failures_count_pause_and_resume_resets(sessions: sessionmaker[Session]) -> None:
    feed_id = _add(sessions, "https://a.example/rss")
    for _ in range(2):
        with sessions.begin() as session:
            feed_store.record_failure(session, feed_id, NOW, "HTTP 500", NOW, None)
    with sessions.begin() as session:
        feed_store.record_failure(session, feed_id, NOW, "HTTP 503", NOW, "paused after 3")
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert feed.consecutive_failures == 3
    assert (feed.paused, feed.paused_reason, feed.last_error) == (
        True,
        "paused after 3",
        "HTTP 503",
    )
    assert feed.last_error_at == NOW
    later = NOW + timedelta(hours=2)
    with sessions.begin() as session:
        feed_store.resume_feed(session, feed_id, later)
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert (feed.paused, feed.consecutive_failures, feed.next_poll_at) == (False, 0, later)
    assert feed.last_error == "HTTP 503"


def test_success_fills_metadata_and_clears_the_streak(sessions: sessionmaker[Session]) -> None:
    feed_id = _add(sessions, "https://a.example/rss")
    with sessions.begin() as session:
        feed_store.record_failure(session, feed_id, NOW, "boom", NOW, None)
        feed_store.record_success(
            session,
            feed_id,
            NOW,
            NOW + timedelta(minutes=15),
            feed_store.FeedSuccess(
                etag='"v1"',
                last_modified="Wed, 25 Nov 2026 10:00:00 GMT",
                body_hash="abc",
                title="Example",
                site_url="https://a.example/",
                language="tr",
                warning=None,
            ),
        )
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert (feed.title, feed.language, feed.etag, feed.consecutive_failures) == (
        "Example",
        "tr",
        '"v1"',
        0,
    )
    assert feed.last_success_at == NOW


def test_remove_takes_its_stories(sessions: sessionmaker[Session]) -> None:
    from storage import stories as story_store
    from tests.storage.test_stories import Entry

    keep = _add(sessions, "https://keep.example/rss")
    drop = _add(sessions, "https://drop.example/rss")
    with sessions.begin() as session:
        story_store.upsert_stories(session, keep, [Entry("g:1", "https://e.com/1")], NOW, None)
        story_store.upsert_stories(
            session,
            drop,
            [Entry("g:2", "https://e.com/2"), Entry("g:3", "https://e.com/3")],
            NOW,
            None,
        )
    with sessions.begin() as session:
        assert feed_store.remove_feed(session, drop) == 2
    with sessions() as session:
        assert [s.url for s in story_store.list_stories(session)] == ["https://e.com/1"]
        assert [f.id for f in feed_store.list_feeds(session)] == [keep]


def test_an_unchanged_poll_keeps_or_replaces_the_validators(
    sessions: sessionmaker[Session],
) -> None:
    """Validators a server sent with a 304 or the same body replace the stored ones; none (or
    empty ones) keep them; the poll counts as a success either way."""
    feed_id = _add(sessions, "https://a.example/rss")
    later = NOW + timedelta(minutes=15)
    with sessions.begin() as session:
        feed_store.record_failure(session, feed_id, NOW, "boom", NOW, None)
        feed_store.record_not_modified(session, feed_id, NOW, later, '"v1"', "Wed, 25 Nov")
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert (feed.etag, feed.last_modified) == ('"v1"', "Wed, 25 Nov")
    assert (feed.consecutive_failures, feed.next_poll_at, feed.last_success_at) == (0, later, NOW)
    for etag, modified in ((None, None), ("", "")):
        with sessions.begin() as session:
            feed_store.record_not_modified(session, feed_id, later, later, etag, modified)
        with sessions() as session:
            feed = feed_store.find_feed(session, str(feed_id))
        assert (feed.etag, feed.last_modified, feed.last_polled_at) == (
            '"v1"',
            "Wed, 25 Nov",
            later,
        )
    with sessions.begin() as session:
        feed_store.record_not_modified(session, feed_id, later, later, '"v2"', None)
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert (feed.etag, feed.last_modified) == ('"v2"', "Wed, 25 Nov")


def test_success_keeps_metadata_already_set(sessions: sessionmaker[Session]) -> None:
    """Title, site and language are filled only when unset; validators, hash and warning are
    always the poll's."""
    feed_id = _add(sessions, "https://a.example/rss")
    polls = [
        feed_store.FeedSuccess('"v1"', None, "h1", "First", "https://a.example/", "tr", "odd"),
        feed_store.FeedSuccess(None, "Thu", "h2", "Second", "https://b.example/", "en", None),
    ]
    for success in polls:
        with sessions.begin() as session:
            feed_store.record_success(session, feed_id, NOW, NOW, success)
    with sessions() as session:
        feed = feed_store.find_feed(session, str(feed_id))
    assert (feed.title, feed.site_url, feed.language) == ("First", "https://a.example/", "tr")
    assert (feed.etag, feed.last_modified, feed.body_hash, feed.last_warning) == (
        None,
        "Thu",
        "h2",
        None,
    )
