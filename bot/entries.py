"""Stored stories as reader-facing entries: one per same-event cluster, with every outlet."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from bot.reply import Link, StoryEntry
from storage import clusters as cluster_store
from storage.records import StoryRecord


def story_entries(session: Session, stories: Sequence[StoryRecord]) -> list[StoryEntry]:
    """One entry per cluster, in the given order (the first story of a cluster speaks for
    it), listing each outlet of the cluster once, this story's outlet first."""
    sources = cluster_store.cluster_sources(
        session, [s.cluster_id for s in stories if s.cluster_id is not None]
    )
    entries: list[StoryEntry] = []
    seen: set[int] = set()
    for story in stories:
        if story.cluster_id is not None:
            if story.cluster_id in seen:
                continue
            seen.add(story.cluster_id)
        links = [Link(story.feed_name, story.url)]
        for other in sources.get(story.cluster_id or 0, ()):
            if other.feed_id != story.feed_id:
                links.append(Link(other.source, other.url))
        entries.append(
            StoryEntry(
                title=story.title,
                summary=story.summary,
                url=story.url,
                source=story.feed_name,
                published=story.published_at,
                links=tuple(links),
                story_id=story.id,
                cluster_id=story.cluster_id,
            )
        )
    return entries


def newest_entries(
    session: Session,
    fetch: Callable[[int, int], list[StoryRecord]],
    count: int,
    skip: int = 0,
) -> tuple[list[StoryEntry], bool]:
    """``count`` entries after the first ``skip``, from stories fetched newest first in pages
    by ``fetch(limit, offset)``. Returns the entries and whether more exist."""
    wanted = skip + count + 1
    stories: list[StoryRecord] = []
    offset = 0
    page = max(wanted * 3, 30)
    while True:
        batch = fetch(page, offset)
        stories.extend(batch)
        offset += len(batch)
        entries = story_entries(session, stories)
        if len(entries) >= wanted or len(batch) < page:
            break
    return entries[skip : skip + count], len(entries) > skip + count
