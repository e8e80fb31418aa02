"""Digest selection: the top stories of a chat's topics over a period, one per cluster."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.entries import story_entries
from bot.reply import StoryEntry
from storage import stories as story_store


class Ranked(Protocol):
    """What ranking needs of a story."""

    @property
    def id(self) -> int: ...
    @property
    def feed_id(self) -> int: ...
    @property
    def cluster_id(self) -> int | None: ...
    @property
    def published_at(self) -> datetime: ...


R = TypeVar("R", bound=Ranked)


def rank_clusters(stories: Sequence[R]) -> list[R]:
    """One story per cluster (a story without a cluster stands alone), best first: covered by
    more outlets first, then the most recent. The story shown for a cluster is its newest."""
    groups: dict[int | tuple[str, int], list[R]] = {}
    for story in stories:
        key: int | tuple[str, int] = (
            story.cluster_id if story.cluster_id is not None else ("story", story.id)
        )
        groups.setdefault(key, []).append(story)

    def score(members: list[R]) -> tuple[int, datetime]:
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
    kept by the general-feed filter, ranked by outlets then recency, at most ``limit``.

    The period's stories are ranked on their ids, outlets, clusters and times alone; whole
    records are read only for the ones chosen."""
    found = story_store.digest_candidates(session, since, topics)
    chosen = [
        s
        for s in rank_clusters(found)
        if s.cluster_id is None or s.cluster_id not in exclude_clusters
    ]
    return story_entries(
        session, story_store.stories_by_id(session, [s.id for s in chosen[:limit]])
    )
