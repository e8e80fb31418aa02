"""Re-run tagging and the general-feed filter over stored stories after the taxonomy changed,
and place stories that no cluster holds yet (stored before clustering existed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from feeds.about import judge_about_turkey
from feeds.cluster import ClusterIndex, ClusterSettings
from feeds.models import TagMatch
from feeds.tag import Tagger
from storage import clusters as cluster_store
from storage import stories as story_store

BATCH = 500


@dataclass(frozen=True, slots=True)
class RetagReport:
    scanned: int
    changed: int
    filter_changed: int = 0


def retag(
    sessions: sessionmaker[Session], tagger: Tagger, since: datetime | None = None
) -> RetagReport:
    """Re-tag every story (published at or after ``since``), batch by batch, and re-judge
    whether stories of general feeds are about Turkey.

    Only topic rows and filter verdicts change: no story is added or removed, and a batch is
    one transaction.
    """
    scanned = changed = filter_changed = 0
    after = 0
    while True:
        with sessions.begin() as session:
            batch = story_store.story_texts(session, since=since, after_id=after, limit=BATCH)
            if not batch:
                return RetagReport(scanned, changed, filter_changed)
            before = story_store.topics_of(session, [story.id for story in batch])
            topics: dict[int, list[TagMatch]] = {}
            verdicts: dict[int, bool | None] = {}
            for story in batch:
                tags = tagger.tag(f"{story.title}. {story.summary}", story.language)
                if tuple(sorted(tag.slug for tag in tags)) != before.get(story.id, ()):
                    topics[story.id] = tags
                about = (
                    judge_about_turkey(story.title, story.summary, story.language).about
                    if story.general_feed
                    else None
                )
                if about != story.about_turkey:
                    verdicts[story.id] = about
            story_store.replace_topics(session, topics)
            story_store.set_about_turkey(session, verdicts)
        scanned += len(batch)
        changed += len(topics)
        filter_changed += len(verdicts)
        after = batch[-1].id


def place_unclustered(
    sessions: sessionmaker[Session], settings: ClusterSettings, since: datetime | None = None
) -> int:
    """Put stories without a cluster (published at or after ``since``) into clusters among
    themselves, oldest stored first, batch by batch; returns how many were placed. Stories
    already in clusters keep them."""
    index = ClusterIndex(settings)
    placed = 0
    after = 0
    while True:
        with sessions.begin() as session:
            batch = cluster_store.unclustered(session, since=since, after_id=after, limit=BATCH)
            if not batch:
                return placed
            cluster_store.store_placements(session, index.assign(batch))
        placed += len(batch)
        after = batch[-1].story_id
