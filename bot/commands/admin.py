"""Admin commands (bot admins from HABERCI_ADMINS): feeds, OPML, statistics, health.

They share bot/feed_admin.py with the CLI, so a URL refused by ``haberci feeds add`` is refused
here for the same reason, SSRF guard included.
"""

from __future__ import annotations

from datetime import timedelta

from bot import feed_admin
from bot.commands.core import Command, Context, UsageError
from bot.reply import Attachment, Heading, Paragraph, Reply
from feeds.errors import FeedError
from storage import chats as chat_store
from storage import deliveries as ledger
from storage import feeds as feed_store
from storage import stories as story_store
from storage.feeds import FeedAlreadyExistsError, FeedNotFoundError
from storage.records import FeedRecord


def _health(feed: FeedRecord) -> str:
    if feed.paused:
        return f"paused: {feed.paused_reason or 'by an admin'}"
    if feed.consecutive_failures:
        return f"failing ×{feed.consecutive_failures}: {feed.last_error or '?'}"
    if feed.last_success_at is None:
        return "not polled yet"
    return "ok"


async def addfeed(context: Context) -> Reply:
    if not context.args:
        raise UsageError("")
    url, name = context.args[0], " ".join(context.args[1:]) or None
    fetcher = context.app.new_fetcher()
    try:
        feed, outcome = await feed_admin.add_feed(context.app, fetcher, url, name=name)
    except (feed_admin.FeedInputError, FeedError) as exc:
        return Reply.text(f"Not added: {exc}", kind="error")
    except FeedAlreadyExistsError as exc:
        return Reply.text(str(exc), kind="error")
    finally:
        await fetcher.aclose()
    return Reply.text(f"Added feed {feed.id}: {feed.name} ({outcome.new} stories stored).")


def _feed_ref(context: Context) -> str:
    if len(context.args) != 1:
        raise UsageError("")
    return context.args[0]


def removefeed(context: Context) -> Reply:
    try:
        feed, count = feed_admin.remove_feed(context.app, _feed_ref(context))
    except FeedNotFoundError as exc:
        return Reply.text(str(exc), kind="error")
    return Reply.text(f"Removed feed {feed.id} ({feed.name}) and its {count} stories.")


def pausefeed(context: Context) -> Reply:
    try:
        feed = feed_admin.pause_feed(
            context.app, _feed_ref(context), f"paused by {context.caller.key}"
        )
    except FeedNotFoundError as exc:
        return Reply.text(str(exc), kind="error")
    return Reply.text(f"Paused feed {feed.id} ({feed.name}).")


def resumefeed(context: Context) -> Reply:
    try:
        feed = feed_admin.resume_feed(context.app, _feed_ref(context))
    except FeedNotFoundError as exc:
        return Reply.text(str(exc), kind="error")
    return Reply.text(f"Resumed feed {feed.id} ({feed.name}); it is due now.")


def feeds(context: Context) -> Reply:
    with context.app.sessions() as session:
        all_feeds = feed_store.list_feeds(session)
        counts = feed_store.story_counts(session)
    lines = [f"{f.id}. {f.name} — {counts.get(f.id, 0)} stories — {_health(f)}" for f in all_feeds]
    return Reply((Heading(f"Feeds ({len(all_feeds)})"), Paragraph("\n".join(lines) or "—")))


def health(context: Context) -> Reply:
    with context.app.sessions() as session:
        all_feeds = feed_store.list_feeds(session)
    troubled = [f for f in all_feeds if f.paused or f.consecutive_failures]
    if not troubled:
        return Reply.text(f"All {len(all_feeds)} feeds are healthy.")
    lines = [f"{f.id}. {f.name} — {_health(f)}" for f in troubled]
    return Reply(
        (
            Heading(f"{len(troubled)} of {len(all_feeds)} feeds need attention"),
            Paragraph("\n".join(lines)),
        )
    )


def stats(context: Context) -> Reply:
    now = context.now
    with context.app.sessions() as session:
        total = story_store.count_stories(session)
        day = len(story_store.list_stories(session, since=now - timedelta(hours=24)))
        chats = chat_store.chat_counts(session)
        feed_count = len(feed_store.list_feeds(session))
        deliveries = ledger.status_counts(session)
    delivery_line = ", ".join(f"{status} {count}" for status, count in sorted(deliveries.items()))
    chat_line = ", ".join(f"{kind} {count}" for kind, count in sorted(chats.items())) or "none"
    return Reply(
        (
            Heading("Statistics"),
            Paragraph(
                f"Feeds: {feed_count}\nStories: {total} (last 24 h: {day})\n"
                f"Active chats: {chat_line}\n"
                f"Digest items delivered: {delivery_line or 'none yet'}"
            ),
        )
    )


async def importopml(context: Context) -> Reply:
    if context.attachment is None:
        raise UsageError("attach an OPML file to the /importopml message")
    fetcher = context.app.new_fetcher()
    try:
        report = await feed_admin.import_opml(context.app, fetcher, context.attachment.data)
    except ValueError as exc:
        return Reply.text(f"Not imported: {exc}", kind="error")
    finally:
        await fetcher.aclose()
    lines = [
        f"Added {len(report.added)} feeds; {len(report.existing)} were already registered; "
        f"{len(report.refused)} refused."
    ]
    lines += [f"refused: {reason}" for reason in report.refused[:20]]
    return Reply.text("\n".join(lines))


def exportopml(context: Context) -> Reply:
    data = feed_admin.export_feeds(context.app)
    return Reply(
        (Paragraph("Every feed, as OPML."),),
        files=(Attachment("haberci-feeds.opml", data, "text/x-opml"),),
    )


COMMANDS = (
    Command("addfeed", addfeed, "/addfeed <url> [name]", admin=True),
    Command("removefeed", removefeed, "/removefeed <id|url>", admin=True),
    Command("feeds", feeds, "/feeds", admin=True),
    Command("pausefeed", pausefeed, "/pausefeed <id|url>", admin=True),
    Command("resumefeed", resumefeed, "/resumefeed <id|url>", admin=True),
    Command("importopml", importopml, "/importopml (with an OPML file attached)", admin=True),
    Command("exportopml", exportopml, "/exportopml", admin=True),
    Command("stats", stats, "/stats", admin=True),
    Command("health", health, "/health", admin=True),
)
