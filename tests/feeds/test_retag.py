"""Re-tagging stored stories after the taxonomy changes: nothing duplicated, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from feeds.models import Story
from feeds.retag import retag
from feeds.tag import Tagger, tag_stories
from feeds.taxonomy import load_taxonomy, parse_taxonomy
from storage import feeds as feed_store
from storage import stories as story_store

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def story(key: str, title: str, hours_ago: int) -> Story:
    return Story(
        guid_key=key,
        url=f"https://e.com/{key}",
        title=title,
        summary="",
        content_hash=key,
        published_at=NOW - timedelta(hours=hours_ago),
        language="en",
        author=None,
    )


def test_retag_applies_a_new_taxonomy(sessions: sessionmaker[Session]) -> None:
    bundled = Tagger(load_taxonomy())
    with sessions.begin() as session:
        feed = feed_store.add_feed(
            session, feed_store.NewFeed(url="https://e.com/rss", poll_interval_min=15), NOW
        )
        stories = [
            story("a", "Galatasaray wins the derby", 1),
            story("b", "NATO summit opens", 2),
            story("c", "Fenerbahçe football club buys a striker", 48),
        ]
        story_store.upsert_stories(session, feed.id, tag_stories(stories, bundled), NOW, None)
    football = parse_taxonomy(
        """
        [[topic]]
        slug = "football"
        name_en = "Football"
        name_tr = "Futbol"
        aliases_en = ["football", "derby"]
        """,
        "football.toml",
    )
    recent = retag(sessions, Tagger(football), since=NOW - timedelta(hours=24))
    assert (recent.scanned, recent.changed) == (2, 2)
    with sessions() as session:
        topics = {s.guid_key: s.topics for s in story_store.list_stories(session)}
    assert topics == {"a": ("football",), "b": (), "c": ()}

    everything = retag(sessions, Tagger(football))
    assert (everything.scanned, everything.changed) == (3, 1)
    again = retag(sessions, Tagger(football))
    assert again.changed == 0
    with sessions() as session:
        assert story_store.count_stories(session) == 3
        assert story_store.topic_counts(session) == {"football": 2}
