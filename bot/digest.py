"""Digest selection: the top stories of a chat's topics over a period, one per cluster."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.entries import story_entries
from bot.reply import StoryEntry
from storage import stories as story_store
from storage.records import StoryRecord


def rank_clusters(stories: Sequence[StoryRecord]) -> list[StoryRecord]:
    """One story per cluster (a story without a cluster stands alone), best first: covered by
    more outlets first, then the most recent. The story shown for a cluster is its newest."""
    groups: dict[int | tuple[str, int], list[StoryRecord]] = {}
    for story in stories:
        key: int | tuple[str, int] = (
            story.cluster_id if story.cluster_id is not None else ("story", story.id)
        )
        groups.setdefault(key, []).append(story)

    def score(members: list[StoryRecord]) -> tuple[int, datetime]:
        return len({m.feed_id for m in members}), max(m.published_at for m in members)

    ranked = sorted(groups.values(), key=score, reverse=True)
    return [max(members, key=lambda m: (m.published_at, m.id)) for members in ranked]


def digest_entries(
    session: Session,
    topics: Sequence[str],
    since: datetime,
    limit: int,
    exclude_clusters: Collection[int] = (),
) -> list[StoryEntry]:
    """The digest of stories haberci received since ``since`` (a story published earlier but
    fetched later still counts): stories of ``topics`` (every topic when empty), not backlog,
    kept by the general-feed filter, ranked by outlets then recency, at most ``limit``."""
    found: list[StoryRecord] = []
    for slug in topics or (None,):
        found.extend(
            story_store.list_stories(session, fetched_since=since, topic=slug, readable=True)
        )
    unique = {s.id: s for s in found if not s.is_backlog}
    chosen = [
        s
        for s in rank_clusters(list(unique.values()))
        if s.cluster_id is None or s.cluster_id not in exclude_clusters
    ]
    return story_entries(session, chosen[:limit])
