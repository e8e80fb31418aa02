"""Feed administration shared by the CLI and the bots' admin commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.app import App
from feeds.errors import BlockedURLError
from feeds.fetch import Fetcher
from feeds.ingest import PollOutcome, utc_now
from feeds.opml import export_opml, parse_opml
from storage import feeds as feed_store
from storage.feeds import FeedAlreadyExistsError, NewFeed
from storage.records import FeedRecord


class FeedInputError(ValueError):
    """A feed URL or option that cannot be accepted, with the reason."""


def validate_feed_url(url: str) -> str:
    """Trim and sanity-check a URL a person typed; the SSRF guard runs later, at fetch time."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedInputError(f"{url!r} is not an http(s) URL; give the full feed address")
    if not parts.hostname:
        raise FeedInputError(f"{url!r} has no host name")
    if any(ch.isspace() for ch in url):
        raise FeedInputError(f"{url!r} contains spaces")
    return url


async def add_feed(
    app: App,
    fetcher: Fetcher,
    url: str,
    *,
    name: str | None = None,
    general: bool = False,
    interval: int | None = None,
) -> tuple[FeedRecord, PollOutcome]:
    """Fetch ``url`` once, refuse what is not a feed, register it and store its stories."""
    url = validate_feed_url(url)
    if interval is not None and interval < 1:
        raise FeedInputError("the poll interval must be at least 1 minute")
    new = NewFeed(
        url=url,
        title=name,
        turkey_focused=not general,
        poll_interval_min=interval or app.settings.poll_interval_min,
    )
    return await app.new_ingest(fetcher).add_feed(new)


@dataclass
class ImportReport:
    added: list[FeedRecord] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


async def import_opml(app: App, fetcher: Fetcher, data: bytes) -> ImportReport:
    """Register every feed of an OPML file that is new and passes the SSRF guard.

    Feeds are not fetched here (a large list would take minutes); each one's first poll
    validates it and records any error on the feed.
    """
    feeds, skipped = parse_opml(data, app.settings.poll_interval_min)
    report = ImportReport(refused=list(skipped))
    with app.sessions() as session:
        known = feed_store.feed_urls(session)
    accepted: list[NewFeed] = []
    for feed in feeds:
        if feed.url in known:
            report.existing.append(feed.url)
            continue
        try:
            validate_feed_url(feed.url)
            await fetcher.check_destination(feed.url)
        except (FeedInputError, BlockedURLError) as exc:
            report.refused.append(f"{feed.url}: {exc}")
            continue
        known.add(feed.url)
        accepted.append(feed)
    now = utc_now()
    with app.sessions.begin() as session:
        for feed in accepted:
            try:
                report.added.append(feed_store.add_feed(session, feed, now))
            except FeedAlreadyExistsError:
                report.existing.append(feed.url)
    return report


def export_feeds(app: App) -> bytes:
    with app.sessions() as session:
        return export_opml(feed_store.list_feeds(session), utc_now())


def remove_feed(app: App, ref: str) -> tuple[FeedRecord, int]:
    """Remove a feed (by id or URL) with its stories; returns it and the story count."""
    with app.sessions.begin() as session:
        feed = feed_store.find_feed(session, ref)
        return feed, feed_store.remove_feed(session, feed.id)


def pause_feed(app: App, ref: str, reason: str = "paused by an admin") -> FeedRecord:
    with app.sessions.begin() as session:
        feed = feed_store.find_feed(session, ref)
        feed_store.pause_feed(session, feed.id, reason)
        return feed_store.find_feed(session, str(feed.id))


def resume_feed(app: App, ref: str) -> FeedRecord:
    with app.sessions.begin() as session:
        feed = feed_store.find_feed(session, ref)
        feed_store.resume_feed(session, feed.id, utc_now())
        return feed_store.find_feed(session, str(feed.id))
