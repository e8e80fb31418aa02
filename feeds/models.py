"""Plain data passed between the ingest stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A completed download. ``not_modified`` is True for a 304 (then ``body`` is empty)."""

    url: str
    final_url: str
    status: int
    body: bytes
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    redirects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagMatch:
    """A topic found in a story, and the alias that found it (so a tag can be explained)."""

    slug: str
    alias: str


@dataclass(frozen=True, slots=True)
class Story:
    """One cleaned feed entry, ready to store."""

    guid_key: str
    url: str
    title: str
    summary: str
    content_hash: str
    published_at: datetime
    language: str | None
    author: str | None
    date_fallback: bool = False
    topics: tuple[TagMatch, ...] = ()
    about_turkey: bool | None = None  # decided for stories of general feeds only


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed body yielded: channel facts, its stories and any problem found on the way."""

    title: str | None
    site_url: str | None
    language: str | None
    stories: list[Story] = field(default_factory=list)
    warning: str | None = None
