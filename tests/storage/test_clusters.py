"""Same-event clusters in the database: placements, counts, sources and the window queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import clusters as cluster_store
from storage import feeds as feed_store
from storage import stories as story_store
from storage.records import ClusterSource, Placement
from storage.tables import ClusterRow

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    guid_key: str
    url: str
    title: str
    summary: str
    published_at: datetime
    content_hash: str = "h1"
    language: str | None = "en"
    author: str | None = None
    topics: tuple[()] = ()
    about_turkey: bool | None = None


def _feed(sessions: sessionmaker[Session], url: str, title: str | None = None) -> int:
    with sessions.begin() as session:
        return feed_store.add_feed(
            session, feed_store.NewFeed(url=url, poll_interval_min=15, title=title), NOW
        ).id


def _story(
    sessions: sessionmaker[Session],
    feed_id: int,
    key: str,
    hours_ago: float,
    title: str = "A report",
) -> int:
    """Store one story published ``hours_ago`` before NOW; its id."""
    entry = Entry(
        f"guid:{key}",
        f"https://news.example/{key}",
        title,
        f"Summary of {key}.",
        NOW - timedelta(hours=hours_ago),
    )
    with sessions.begin() as session:
        counts = story_store.upsert_stories(session, feed_id, [entry], NOW, None)
    (story_id,) = counts.new_ids
    return story_id


def _place(sessions: sessionmaker[Session], *placements: Placement) -> None:
    with sessions.begin() as session:
        cluster_store.store_placements(session, placements)


def _cluster(
    sessions: sessionmaker[Session], cluster_id: int
) -> tuple[int, int, int, datetime, datetime]:
    """(representative, stories, sources, first published, last published) of a stored cluster."""
    with sessions() as session:
        row = session.get(ClusterRow, cluster_id)
        assert row is not None
        return (
            row.representative_id,
            row.story_count,
            row.source_count,
            row.first_published_at,
            row.last_published_at,
        )


def _cluster_ids(sessions: sessionmaker[Session]) -> dict[str, int | None]:
    with sessions() as session:
        return {s.guid_key: s.cluster_id for s in story_store.list_stories(session)}


def test_a_started_cluster_is_created_and_refreshed_as_stories_join(
    sessions: sessionmaker[Session],
) -> None:
    a = _feed(sessions, "https://a.example/rss")
    b = _feed(sessions, "https://b.example/rss")
    first = _story(sessions, a, "a1", hours_ago=5)
    other = _story(sessions, a, "a2", hours_ago=4)
    _place(sessions, Placement(first, first, first, True), Placement(other, other, other, True))
    assert _cluster(sessions, first) == (
        first,
        1,
        1,
        NOW - timedelta(hours=5),
        NOW - timedelta(hours=5),
    )
    assert _cluster(sessions, other)[:3] == (other, 1, 1)

    joined = _story(sessions, b, "b1", hours_ago=2)
    _place(sessions, Placement(joined, first, joined, False))
    assert _cluster(sessions, first) == (
        joined,
        2,
        2,
        NOW - timedelta(hours=5),
        NOW - timedelta(hours=2),
    )
    # A late report published before the first one widens the span; the same feed again
    # counts as a story but not as another source.
    late = _story(sessions, a, "a3", hours_ago=7)
    _place(sessions, Placement(late, first, joined, False))
    assert _cluster(sessions, first) == (
        joined,
        3,
        2,
        NOW - timedelta(hours=7),
        NOW - timedelta(hours=2),
    )
    assert _cluster(sessions, other)[:3] == (other, 1, 1), "untouched clusters stay"
    assert _cluster_ids(sessions) == {
        "guid:a1": first,
        "guid:a2": other,
        "guid:b1": first,
        "guid:a3": first,
    }


def test_a_cluster_started_and_joined_in_one_batch(sessions: sessionmaker[Session]) -> None:
    a = _feed(sessions, "https://a.example/rss")
    b = _feed(sessions, "https://b.example/rss")
    c = _feed(sessions, "https://c.example/rss")
    one = _story(sessions, a, "a1", hours_ago=3)
    two = _story(sessions, b, "b1", hours_ago=2)
    three = _story(sessions, c, "c1", hours_ago=1)
    # The last placement of a cluster carries its representative after the whole batch.
    _place(
        sessions,
        Placement(one, one, one, True),
        Placement(two, one, one, False),
        Placement(three, one, two, False),
    )
    assert _cluster(sessions, one) == (
        two,
        3,
        3,
        NOW - timedelta(hours=3),
        NOW - timedelta(hours=1),
    )
    with sessions() as session:
        assert cluster_store.cluster_exists(session, one)
        assert not cluster_store.cluster_exists(session, two)
        assert not cluster_store.cluster_exists(session, 999_999)
    _place(sessions)  # nothing to store is fine


def test_cluster_sources_give_one_link_per_feed_representative_first(
    sessions: sessionmaker[Session],
) -> None:
    a = _feed(sessions, "https://a.example/rss", title="Outlet A")
    b = _feed(sessions, "https://b.example/rss", title="Outlet B")
    c = _feed(sessions, "https://c.example/rss")  # no title: its URL names it
    a1 = _story(sessions, a, "a1", hours_ago=6)
    b1 = _story(sessions, b, "b1", hours_ago=5)
    a2 = _story(sessions, a, "a2", hours_ago=4)
    c1 = _story(sessions, c, "c1", hours_ago=3)
    alone = _story(sessions, b, "b2", hours_ago=1)
    _place(
        sessions,
        Placement(a1, a1, a1, True),
        Placement(b1, a1, a1, False),
        Placement(a2, a1, a1, False),
        Placement(c1, a1, c1, False),
        Placement(alone, alone, alone, True),
    )
    with sessions() as session:
        sources = cluster_store.cluster_sources(session, [a1, alone, a1, 12345])
    assert sources == {
        a1: [
            ClusterSource(c1, c, "https://c.example/rss", "https://news.example/c1"),
            ClusterSource(a1, a, "Outlet A", "https://news.example/a1"),
            ClusterSource(b1, b, "Outlet B", "https://news.example/b1"),
        ],
        alone: [ClusterSource(alone, b, "Outlet B", "https://news.example/b2")],
    }

    # A feed's later report as representative stands for its feed instead of the earlier one.
    _place(sessions, Placement(a2, a1, a2, False))
    with sessions() as session:
        sources = cluster_store.cluster_sources(session, [a1])
        assert cluster_store.cluster_sources(session, []) == {}
    assert [s.story_id for s in sources[a1]] == [a2, b1, c1]


def test_clustered_since_is_the_window_of_clustered_stories(
    sessions: sessionmaker[Session],
) -> None:
    a = _feed(sessions, "https://a.example/rss")
    b = _feed(sessions, "https://b.example/rss")
    old = _story(sessions, a, "old", hours_ago=60, title="Old report")
    first = _story(sessions, a, "a1", hours_ago=10, title="First report")
    loose = _story(sessions, b, "loose", hours_ago=9, title="Not clustered")
    second = _story(sessions, b, "b1", hours_ago=8, title="Second report")
    newest = _story(sessions, b, "b2", hours_ago=1, title="Newest report")
    _place(
        sessions,
        Placement(old, old, old, True),
        Placement(first, first, first, True),
        Placement(second, first, first, False),
        Placement(newest, newest, newest, True),
    )
    since = NOW - timedelta(hours=48)
    with sessions() as session:
        window = cluster_store.clustered_since(session, since)
        after = cluster_store.clustered_since(session, since, after_id=second)
        recent = cluster_store.clustered_since(session, NOW - timedelta(hours=8))
    assert [(s.story_id, s.cluster_id) for s in window] == [
        (first, first),
        (second, first),
        (newest, newest),
    ]
    assert window[0].feed_id == a and window[0].title == "First report"
    assert window[0].published_at == NOW - timedelta(hours=10)
    assert window[0].summary == "Summary of a1." and window[0].language == "en"
    assert [s.story_id for s in after] == [newest]
    assert [s.story_id for s in recent] == [second, newest], "since is inclusive"
    assert loose not in {s.story_id for s in window}


def test_unclustered_lists_only_stories_without_a_cluster(sessions: sessionmaker[Session]) -> None:
    a = _feed(sessions, "https://a.example/rss")
    ids = [_story(sessions, a, f"s{i}", hours_ago=10 - i) for i in range(6)]
    _place(
        sessions, Placement(ids[1], ids[1], ids[1], True), Placement(ids[4], ids[1], ids[1], False)
    )

    def listed(since: datetime | None = None, after_id: int = 0, limit: int = 100) -> list[int]:
        with sessions() as session:
            found = cluster_store.unclustered(session, since=since, after_id=after_id, limit=limit)
        assert all(s.cluster_id is None for s in found)
        return [s.story_id for s in found]

    assert listed() == [ids[0], ids[2], ids[3], ids[5]]
    assert listed(limit=2) == [ids[0], ids[2]]
    assert listed(after_id=ids[2]) == [ids[3], ids[5]]
    assert listed(since=NOW - timedelta(hours=7)) == [ids[3], ids[5]]
    with sessions() as session:
        found = cluster_store.candidates(session, [ids[0], ids[4]])
    assert sorted((s.story_id, s.cluster_id) for s in found) == [(ids[0], None), (ids[4], ids[1])]


def test_list_stories_filters_by_cluster(sessions: sessionmaker[Session]) -> None:
    a = _feed(sessions, "https://a.example/rss")
    b = _feed(sessions, "https://b.example/rss")
    first = _story(sessions, a, "a1", hours_ago=3)
    second = _story(sessions, b, "b1", hours_ago=2)
    other = _story(sessions, b, "b2", hours_ago=1)
    loose = _story(sessions, a, "a2", hours_ago=1)
    _place(
        sessions,
        Placement(first, first, first, True),
        Placement(second, first, first, False),
        Placement(other, other, other, True),
    )
    with sessions() as session:
        in_first = story_store.list_stories(session, cluster_id=first)
        in_other = story_store.list_stories(session, cluster_id=other)
        everything = story_store.list_stories(session)
        assert story_store.list_stories(session, cluster_id=loose) == []
        assert story_store.list_stories(session, cluster_id=first, feed_id=b)[0].id == second
    assert [s.id for s in in_first] == [second, first]
    assert all(s.cluster_id == first for s in in_first)
    assert [s.id for s in in_other] == [other]
    assert {s.id: s.cluster_id for s in everything}[loose] is None


def test_a_removed_feeds_clusters_do_not_block_new_clusters(
    sessions: sessionmaker[Session], engine: Engine, request: pytest.FixtureRequest
) -> None:
    """A feed added by mistake and removed again: later stories still get clusters."""
    mistake = _feed(sessions, "https://mistake.example/rss")
    wrong = _story(sessions, mistake, "wrong", hours_ago=2)
    _place(sessions, Placement(wrong, wrong, wrong, True))
    with sessions.begin() as session:
        assert feed_store.remove_feed(session, mistake) == 1
    right = _feed(sessions, "https://right.example/rss")
    story = _story(sessions, right, "right", hours_ago=1)
    _place(sessions, Placement(story, story, story, True))
    assert _cluster(sessions, story)[:3] == (story, 1, 1)
    with sessions() as session:
        (stored,) = story_store.list_stories(session, cluster_id=story)
    assert stored.id == story and stored.feed_id == right


def _all_clusters(
    sessions: sessionmaker[Session],
) -> dict[int, tuple[int, int, int, datetime, datetime]]:
    with sessions() as session:
        return {
            row.id: (
                row.representative_id,
                row.story_count,
                row.source_count,
                row.first_published_at,
                row.last_published_at,
            )
            for row in session.query(ClusterRow)
        }


def test_placements_store_the_rows_a_refresh_computes(sessions: sessionmaker[Session]) -> None:
    """A batch of placements writes each cluster's row in one statement (an insert computed
    from the cluster's stories that updates a stored row); the rows are those that
    ``refresh_clusters`` computes from the stories afterwards."""
    feeds = [_feed(sessions, f"https://{name}.example/rss") for name in "abc"]
    ids = [
        _story(sessions, feeds[i % 3], f"s{i}", hours_ago=30 - i, title=f"Report {i}")
        for i in range(12)
    ]
    first, second = ids[:6], ids[6:]
    _place(
        sessions,
        *(Placement(s, s, s, True) for s in first[:3]),
        Placement(first[3], first[0], first[3], False),
        Placement(first[4], first[0], first[3], False),
        Placement(first[5], first[1], first[1], False),
    )
    # A second batch joins clusters stored by the first and starts others.
    _place(
        sessions,
        Placement(second[0], first[0], first[0], False),
        Placement(second[1], second[1], second[1], True),
        Placement(second[2], second[1], second[2], False),
        Placement(second[3], first[2], second[3], False),
        Placement(second[4], second[4], second[4], True),
        Placement(second[5], first[0], second[5], False),
    )
    placed = _all_clusters(sessions)
    assert set(placed) == {first[0], first[1], first[2], second[1], second[4]}
    hours = {story_id: NOW - timedelta(hours=30 - i) for i, story_id in enumerate(ids)}
    assert placed[first[0]] == (
        second[5],
        5,
        3,
        hours[first[0]],
        hours[second[5]],
    )
    assert placed[second[4]] == (second[4], 1, 1, hours[second[4]], hours[second[4]])
    with sessions.begin() as session:
        cluster_store.refresh_clusters(
            session, list(placed), {cluster_id: row[0] for cluster_id, row in placed.items()}
        )
    assert _all_clusters(sessions) == placed
