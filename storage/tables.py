"""Mapped tables. Unique keys here are what make de-duplication a database guarantee."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC instants; always returns timezone-aware UTC datetimes.

    SQLite has no time zone type, so values are written as naive UTC and re-tagged on read;
    PostgreSQL gets ``timestamp with time zone``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where a UTC instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class FeedRow(Base):
    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("url", name="uq_feeds_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(512))
    site_url: Mapped[str | None] = mapped_column(String(2048))
    language: Mapped[str | None] = mapped_column(String(16))
    turkey_focused: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    poll_interval_min: Mapped[int] = mapped_column(Integer)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_warning: Mapped[str | None] = mapped_column(Text)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)


class StoryRow(Base):
    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("feed_id", "guid_key", name="uq_stories_feed_guid"),
        UniqueConstraint("url", name="uq_stories_url"),
        Index("ix_stories_published_at", "published_at"),
        Index("ix_stories_feed_published", "feed_id", "published_at"),
        Index("ix_stories_cluster", "cluster_id"),
        Index("ix_stories_fetched_at", "fetched_at"),
        # Never reuse a deleted story's id on SQLite: a cluster's id is its first story's id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid_key: Mapped[str] = mapped_column(String(512))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(256))
    is_backlog: Mapped[bool] = mapped_column(Boolean, default=False)
    # For stories of general feeds: whether they are about Turkey (NULL: Turkey-focused feed).
    about_turkey: Mapped[bool | None] = mapped_column(Boolean)
    # The same-event cluster (see ClusterRow); NULL until clustering has placed the story.
    cluster_id: Mapped[int | None] = mapped_column(Integer)


class ClusterRow(Base):
    """Stories of different outlets about one event. A cluster's id is the id of the story that
    started it; the representative is the member most similar to the others."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    representative_id: Mapped[int] = mapped_column(Integer)
    story_count: Mapped[int] = mapped_column(Integer)
    source_count: Mapped[int] = mapped_column(Integer)
    first_published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatRow(Base):
    """A place the bot talks to: a user's private chat, a group or a channel, on one platform.
    Its settings and followed topics drive its digests."""

    __tablename__ = "chats"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_chats_platform_external"),
        Index("ix_chats_next_digest", "active", "next_digest_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))  # telegram, discord, console
    external_id: Mapped[str] = mapped_column(String(64))  # the platform's chat id
    kind: Mapped[str] = mapped_column(String(16))  # private, group, supergroup, channel
    title: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(8))  # of the bot's own messages: en, tr
    timezone: Mapped[str] = mapped_column(String(64))
    digest_times: Mapped[str] = mapped_column(String(128))  # "08:00,20:00"; empty: none
    alerts: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChatTopicRow(Base):
    """A topic a chat follows."""

    __tablename__ = "chat_topics"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)


class DeliveryRow(Base):
    """The delivery ledger: one row per chat and story (a cluster counts once), written as
    pending before the message goes out and confirmed after."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("chat_id", "item_key", name="uq_deliveries_chat_item"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    # "c<cluster id>" or "s<story id>": what the chat has received, whatever outlet carried it
    item_key: Mapped[str] = mapped_column(String(32))
    story_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # digest, alert
    status: Mapped[str] = mapped_column(String(16))  # pending, sent, failed, uncertain
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StoryTopicRow(Base):
    """A topic a story was tagged with, and the alias that matched (so a tag can be explained).

    ``published_at`` repeats the story's publication time, which never changes once the story
    is stored: a topic's stories, newest first, are then one range of an index, so ``/topic``
    reads only the stories it shows, however many the topic has.
    """

    __tablename__ = "story_topics"
    __table_args__ = (Index("ix_story_topics_slug_published", "slug", "published_at", "story_id"),)

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    alias: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MetaRow(Base):
    """Small key/value facts about this database (e.g. whether default feeds were loaded)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# The Core tables behind the mapped classes, for statements on hot paths.
FEEDS: Table = FeedRow.__table__  # type: ignore[assignment]
STORIES: Table = StoryRow.__table__  # type: ignore[assignment]
STORY_TOPICS: Table = StoryTopicRow.__table__  # type: ignore[assignment]
CLUSTERS: Table = ClusterRow.__table__  # type: ignore[assignment]
CHATS: Table = ChatRow.__table__  # type: ignore[assignment]
CHAT_TOPICS: Table = ChatTopicRow.__table__  # type: ignore[assignment]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[assignment]
