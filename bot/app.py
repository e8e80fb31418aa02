"""Composition root: settings → engine, sessions, fetcher and ingest, wired once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from feeds.cluster import ClusterSettings, use_names_file
from feeds.defaults import default_feeds
from feeds.fetch import Fetcher, FetchLimits
from feeds.ingest import Ingest, IngestSettings, utc_now
from feeds.schedule import PollPolicy
from feeds.ssrf import AddressPolicy
from feeds.tag import Tagger
from feeds.taxonomy import Taxonomy, load_taxonomy
from storage import db
from storage.feeds import add_feed, feed_urls
from storage.meta import get_meta, set_meta

DEFAULTS_LOADED_KEY = "default_feeds_loaded"


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = db.make_session_factory(self.engine)

    @property
    def address_policy(self) -> AddressPolicy:
        return AddressPolicy(
            allow_private=self.settings.allow_private_feeds,
            allowed_networks=tuple(self.settings.private_feed_networks),
        )

    @property
    def fetch_limits(self) -> FetchLimits:
        s = self.settings
        return FetchLimits(
            timeout=s.fetch_timeout,
            deadline=s.fetch_deadline,
            max_body_bytes=s.max_body_bytes,
            max_redirects=s.max_redirects,
            global_concurrency=s.global_concurrency,
            per_host_concurrency=s.per_host_concurrency,
            user_agent=s.user_agent,
        )

    @property
    def ingest_settings(self) -> IngestSettings:
        s = self.settings
        return IngestSettings(
            poll=PollPolicy(
                jitter=s.poll_jitter,
                max_backoff=timedelta(minutes=s.max_backoff_min),
                pause_after_failures=s.pause_after_failures,
            ),
            backlog_age=timedelta(hours=s.backlog_age_hours),
            article_fetches=s.article_fetches_per_poll,
            clusters=ClusterSettings(
                window=timedelta(hours=s.cluster_window_hours),
                threshold=s.cluster_threshold,
                feature_threshold=s.cluster_feature_threshold,
                shared_words=s.cluster_shared_words,
                time_decay=s.cluster_time_decay,
            ),
        )

    def new_fetcher(self) -> Fetcher:
        """A fetcher (one shared httpx client); close it with ``await fetcher.aclose()``."""
        return Fetcher(self.fetch_limits, self.address_policy)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        """The topics in use (``HABERCI_TOPICS_FILE`` or the bundled file), loaded once."""
        return load_taxonomy(self.settings.topics_file)

    @cached_property
    def tagger(self) -> Tagger:
        return Tagger(self.taxonomy)

    def new_ingest(self, fetcher: Fetcher) -> Ingest:
        return Ingest(self.sessions, fetcher, self.ingest_settings, tagger=self.tagger)

    def add_default_feeds(self) -> int:
        """Register every bundled feed not yet registered; returns how many were added."""
        added = 0
        now = utc_now()
        with self.sessions.begin() as session:
            known = feed_urls(session)
            for feed in default_feeds(self.settings.poll_interval_min):
                if feed.url not in known:
                    add_feed(session, feed, now)
                    added += 1
            set_meta(session, DEFAULTS_LOADED_KEY, now.isoformat())
        return added

    def close(self) -> None:
        self.engine.dispose()


def open_app(settings: Settings, *, migrate: bool = True) -> App:
    """Connect, apply migrations and, on the very first run, load the bundled feeds."""
    app = App(settings, db.create_db_engine(settings.database_url))
    app.taxonomy  # noqa: B018 (validated at start-up: a bad topics file stops here)
    use_names_file(settings.names_file)  # a bad names file stops here
    if migrate:
        db.upgrade(app.engine)
        if settings.load_default_feeds:
            with app.sessions() as session:
                first_run = get_meta(session, DEFAULTS_LOADED_KEY) is None
            if first_run:
                app.add_default_feeds()
    return app
