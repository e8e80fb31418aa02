"""Commands that read stories: /topics, /topic, /latest, /search, /sources, /digest."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.core import Command, Context, UsageError
from bot.commands.lookup import find_topic
from bot.digest import digest_entries
from bot.entries import newest_entries, story_entries
from bot.reply import Block, Button, Heading, Paragraph, Reply
from feeds.taxonomy import Topic
from storage import feeds as feed_store
from storage import stories as story_store

DEFAULT_COUNT = 5
MAX_COUNT = 20
# Entries in a /search answer: the best story of each of the best same-event clusters.
SEARCH_ENTRIES = 10


def _count_and_skip(args: list[str]) -> tuple[int, int]:
    """Trailing ``[n] [+skip]`` arguments (``5``, ``5 +5``), removed from ``args``."""
    skip = 0
    if args and args[-1].startswith("+") and args[-1][1:].isdigit():
        skip = int(args.pop()[1:])
    count = DEFAULT_COUNT
    if args and args[-1].isdigit():
        count = int(args.pop())
        if not 1 <= count <= MAX_COUNT:
            raise UsageError(f"n must be between 1 and {MAX_COUNT}")
    return count, skip


def resolve_topic(context: Context, typed: str) -> Topic:
    """The topic meant, or a UsageError with "did you mean …"."""
    app = context.app
    match = find_topic(app.taxonomy, app.tagger, typed)
    if match.topic is not None:
        return match.topic
    message = context.t("unknown_topic", name=typed)
    if match.suggestions:
        message += " " + context.t("did_you_mean", options=", ".join(match.suggestions))
    raise UsageError(message + " " + context.t("see_topics"))


def topics(context: Context) -> Reply:
    app = context.app
    with app.sessions() as session:
        recent = story_store.topic_counts(session, since=context.now - timedelta(days=7))
    followed = set(context.chat.topics)
    lines = []
    for topic in app.taxonomy.topics:
        mark = " ✓" if topic.slug in followed else ""
        lines.append(
            f"{topic.slug} — {topic.name(context.language)} ({recent.get(topic.slug, 0)}){mark}"
        )
    return Reply(
        (
            Heading(context.t("topics_heading")),
            Paragraph("\n".join(lines)),
            Paragraph(context.t("topics_footer"), muted=True),
        )
    )


def topic(context: Context) -> Reply:
    args = list(context.args)
    count, skip = _count_and_skip(args)
    if not args:
        raise UsageError("")
    found = resolve_topic(context, " ".join(args))
    app = context.app
    with app.sessions() as session:
        entries, more = newest_entries(
            session,
            lambda limit, offset: story_store.list_stories(
                session, topic=found.slug, limit=limit, offset=offset, readable=True
            ),
            count,
            skip,
        )
    name = found.name(context.language)
    if not entries:
        return Reply.text(context.t("no_stories_topic", name=name))
    blocks: list[Block] = [Heading(context.t("topic_heading", name=name)), *entries]
    buttons = (
        (Button(context.t("more"), f"/topic {found.slug} {count} +{skip + count}"),) if more else ()
    )
    return Reply(tuple(blocks), buttons=buttons)


def latest(context: Context) -> Reply:
    args = list(context.args)
    count, skip = _count_and_skip(args)
    if args:
        raise UsageError("")
    app = context.app
    with app.sessions() as session:
        entries, more = newest_entries(
            session,
            lambda limit, offset: story_store.list_stories(
                session, limit=limit, offset=offset, readable=True
            ),
            count,
            skip,
        )
    if not entries:
        return Reply.text(context.t("no_stories"))
    buttons = (Button(context.t("more"), f"/latest {count} +{skip + count}"),) if more else ()
    return Reply((Heading(context.t("latest_heading")), *entries), buttons=buttons)


def search(context: Context) -> Reply:
    from storage.search import search_stories

    query = context.rest.strip()
    if not any(ch.isalnum() for ch in query):
        raise UsageError(context.t("search_usage"))
    app = context.app
    with app.sessions() as session:
        found = search_stories(session, query, limit=SEARCH_ENTRIES, one_per_cluster=True)
        entries = story_entries(session, found)
    if not entries:
        return Reply.text(context.t("search_empty", query=query))
    return Reply((Heading(context.t("search_heading", query=query)), *entries))


def sources(context: Context) -> Reply:
    with context.app.sessions() as session:
        feeds = feed_store.list_feeds(session)
    lines = [
        f"{feed.name}" + (f" — {feed.site_url}" if feed.site_url else "")
        for feed in feeds
        if not feed.paused
    ]
    return Reply((Heading(context.t("sources_heading")), Paragraph("\n".join(lines) or "—")))


def digest(context: Context) -> Reply:
    chat = context.chat
    since = chat.last_digest_at or context.now - timedelta(hours=24)
    with context.app.sessions() as session:
        entries = digest_entries(session, chat.topics, since, context.app.settings.digest_size)
    if not entries:
        return Reply.text(context.t("digest_empty"), private=True)
    return Reply((Heading(context.t("digest_heading")), *entries), private=True)


COMMANDS = (
    Command("topics", topics, "/topics", aliases=("konular",)),
    Command("topic", topic, "/topic <topic> [n]", aliases=("konu",)),
    Command("latest", latest, "/latest [n]", aliases=("son",)),
    Command("search", search, "/search <words>", aliases=("ara",)),
    Command("sources", sources, "/sources", aliases=("kaynaklar",)),
    Command("digest", digest, "/digest", aliases=("ozet", "özet")),
)
