"""Re-run tagging over stored stories after the taxonomy changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from feeds.tag import Tagger
from storage import stories as story_store

BATCH = 500


@dataclass(frozen=True, slots=True)
class RetagReport:
    scanned: int
    changed: int


def retag(
    sessions: sessionmaker[Session], tagger: Tagger, since: datetime | None = None
) -> RetagReport:
    """Re-tag every story (published at or after ``since``), batch by batch.

    Only the topic rows change: no story is added or removed, and a batch is one transaction.
    """
    scanned = changed = 0
    after = 0
    while True:
        with sessions.begin() as session:
            batch = story_store.story_texts(session, since=since, after_id=after, limit=BATCH)
            if not batch:
                return RetagReport(scanned, changed)
            before = story_store.topics_of(session, [story_id for story_id, *_ in batch])
            updates = {}
            for story_id, title, summary, language in batch:
                tags = tagger.tag(f"{title}. {summary}", language)
                if tuple(sorted(tag.slug for tag in tags)) != before.get(story_id, ()):
                    updates[story_id] = tags
            story_store.replace_topics(session, updates)
        scanned += len(batch)
        changed += len(updates)
        after = batch[-1][0]
