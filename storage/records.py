"""Plain frozen records returned by query functions, and the shapes query functions accept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FeedRecord:
    id: int
    url: str
    title: str | None
    site_url: str | None
    language: str | None
    turkey_focused: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    poll_interval_min: int
    next_poll_at: datetime
    added_at: datetime
    last_polled_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None
    last_warning: str | None
    paused: bool
    paused_reason: str | None

    @property
    def name(self) -> str:
        """What a person calls this feed: its title, else its URL."""
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class StoryRecord:
    id: int
    feed_id: int
    feed_name: str
    feed_url: str
    guid_key: str
    url: str
    title: str
    summary: str
    content_hash: str
    published_at: datetime
    fetched_at: datetime
    updated_at: datetime | None
    language: str | None
    author: str | None
    is_backlog: bool
    about_turkey: bool | None
    cluster_id: int | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClusterCandidate:
    """A stored story as clustering sees it (``cluster_id`` None: not placed yet)."""

    story_id: int
    feed_id: int
    published_at: datetime
    title: str
    summary: str
    language: str | None
    cluster_id: int | None


@dataclass(frozen=True, slots=True)
class Placement:
    """A clustering decision to store: the story's cluster and the cluster's representative."""

    story_id: int
    cluster_id: int
    representative_id: int
    started: bool


@dataclass(frozen=True, slots=True)
class ClusterSource:
    """One outlet's report in a same-event cluster."""

    story_id: int
    feed_id: int
    source: str
    url: str


class TagInput(Protocol):
    """A topic tag to store: the topic's slug and the alias that matched."""

    @property
    def slug(self) -> str: ...
    @property
    def alias(self) -> str: ...


class StoryInput(Protocol):
    """What the story upsert needs from a cleaned entry (``feeds.models.Story`` fits)."""

    @property
    def guid_key(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def language(self) -> str | None: ...
    @property
    def author(self) -> str | None: ...
    @property
    def topics(self) -> Sequence[TagInput]: ...
    @property
    def about_turkey(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What one feed's batch of entries did to the stories table."""

    new: int = 0
    updated: int = 0
    duplicate: int = 0
    new_ids: tuple[int, ...] = ()
