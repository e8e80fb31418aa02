"""The ``haberci`` command line. Exit status: 0 success, 1 error, 2 bad usage."""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot import feed_admin
from bot.app import App, open_app
from bot.config import ConfigError, load_settings
from bot.delivery import Sender
from bot.logs import configure_logging
from bot.scheduler import Transport
from feeds.errors import FeedError
from feeds.ingest import Ingest, PollOutcome
from feeds.names import ExonymError, read_exonyms, read_names_file, read_news_words
from feeds.opml import OPMLError
from feeds.retag import place_unclustered, retag
from feeds.taxonomy import REQUIRED_SLUGS, TaxonomyError, load_taxonomy
from storage import clusters as cluster_store
from storage import db
from storage import feeds as feed_store
from storage import stories as story_store
from storage.feeds import FeedAlreadyExistsError, FeedNotFoundError
from storage.records import ClusterSource, FeedRecord, StoryRecord

cli = typer.Typer(
    name="haberci",
    help="haberci: a news-digest bot for people who follow Turkey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
feeds_cli = typer.Typer(help="Manage the feeds haberci polls.", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
cli.add_typer(feeds_cli, name="feeds")
cli.add_typer(db_cli, name="db")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    # The message is text, not markup: "[tr_to_en]" in it is a TOML table's name.
    err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    return typer.Exit(code)


@contextmanager
def application(*, migrate: bool = True) -> Iterator[App]:
    """Settings validated once, logging configured, database opened (and migrated)."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    configure_logging(settings.log_level)
    try:
        app = open_app(settings, migrate=migrate)
    except TaxonomyError as exc:
        raise fail(f"HABERCI_TOPICS_FILE: {exc}") from None
    except ExonymError as exc:
        raise fail(f"HABERCI_NAMES_FILE: {exc}") from None
    except Exception as exc:  # the database is unreachable or refuses the migration
        raise fail(f"cannot open the database {settings.database_url!r}: {exc}") from None
    try:
        yield app
    finally:
        app.close()


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "—"


# --- db --------------------------------------------------------------------------------------


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    with application(migrate=False) as app:
        db.upgrade(app.engine)
        out.print(f"database at revision {db.current_revision(app.engine)}")


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision and the newest one this version knows."""
    with application(migrate=False) as app:
        current = db.current_revision(app.engine)
        head = db.head_revision()
        state = "up to date" if current == head else "migrations pending: run `haberci db upgrade`"
        out.print(f"current: {current or 'none'}  head: {head}  ({state})")


# --- feeds -----------------------------------------------------------------------------------


def _outcome_line(outcome: PollOutcome) -> str:
    return f"{outcome.new} new, {outcome.updated} updated, {outcome.duplicate} already stored" + (
        f" (warning: {outcome.warning})" if outcome.warning else ""
    )


@feeds_cli.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="the feed's http(s) URL")],
    name: Annotated[
        str | None, typer.Option(help="display name (default: the feed's title)")
    ] = None,
    general: Annotated[
        bool, typer.Option("--general", help="a world feed: keep only stories about Turkey")
    ] = False,
    interval: Annotated[
        int | None, typer.Option(min=1, help="minutes between polls (default: setting)")
    ] = None,
) -> None:
    """Fetch a feed once, refuse it if it is not a feed, then register it."""

    async def go(app: App) -> tuple[FeedRecord, PollOutcome]:
        async with app.new_fetcher() as fetcher:
            return await feed_admin.add_feed(
                app, fetcher, url, name=name, general=general, interval=interval
            )

    with application() as app:
        try:
            feed, outcome = asyncio.run(go(app))
        except (FeedError, FeedAlreadyExistsError, feed_admin.FeedInputError) as exc:
            raise fail(f"feed not added: {exc}") from None
        out.print(f"added feed {feed.id}: {feed.name} — {_outcome_line(outcome)}")


@feeds_cli.command("list")
def feeds_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Every feed with its health: last success, last error, paused."""
    with application() as app, app.sessions() as session:
        feeds = feed_store.list_feeds(session)
        counts = feed_store.story_counts(session)
    if as_json:
        rows = [
            {
                "id": f.id,
                "url": f.url,
                "name": f.name,
                "language": f.language,
                "scope": "turkey" if f.turkey_focused else "general",
                "interval_min": f.poll_interval_min,
                "stories": counts.get(f.id, 0),
                "last_success": f.last_success_at.isoformat() if f.last_success_at else None,
                "last_error": f.last_error,
                "last_error_at": f.last_error_at.isoformat() if f.last_error_at else None,
                "last_warning": f.last_warning,
                "consecutive_failures": f.consecutive_failures,
                "paused": f.paused,
                "paused_reason": f.paused_reason,
                "next_poll": f.next_poll_at.isoformat(),
            }
            for f in feeds
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not feeds:
        out.print("no feeds yet: add one with `haberci feeds add URL`")
        return
    table = Table("id", "name", "scope", "stories", "last success", "state", title="feeds")
    for f in feeds:
        if f.paused:
            state = f"[yellow]paused[/yellow]: {f.paused_reason or ''}"
        elif f.consecutive_failures:
            state = f"[red]{f.consecutive_failures} failure(s)[/red]: {f.last_error}"
        elif f.last_warning:
            state = f"[yellow]ok, with a warning[/yellow]: {f.last_warning}"
        else:
            state = "[green]ok[/green]" if f.last_success_at else "not polled yet"
        table.add_row(
            str(f.id),
            f"{f.name}\n[dim]{f.url}[/dim]",
            "turkey" if f.turkey_focused else "general",
            str(counts.get(f.id, 0)),
            _when(f.last_success_at),
            state,
        )
    out.print(table)


@feeds_cli.command("remove")
def feeds_remove(ref: Annotated[str, typer.Argument(help="feed id or URL")]) -> None:
    """Remove a feed and the stories stored from it."""
    with application() as app:
        try:
            feed, removed = feed_admin.remove_feed(app, ref)
        except FeedNotFoundError as exc:
            raise fail(str(exc)) from None
        out.print(f"removed feed {feed.id} ({feed.name}) and its {removed} stories")


def _feed_action(ref: str, action: Callable[[App, str], FeedRecord], done: str) -> None:
    with application() as app:
        try:
            feed = action(app, ref)
        except FeedNotFoundError as exc:
            raise fail(str(exc)) from None
        out.print(f"{done} feed {feed.id} ({feed.name})")


@feeds_cli.command("pause")
def feeds_pause(ref: Annotated[str, typer.Argument(help="feed id or URL")]) -> None:
    """Stop polling a feed until it is resumed."""
    _feed_action(ref, feed_admin.pause_feed, "paused")


@feeds_cli.command("resume")
def feeds_resume(ref: Annotated[str, typer.Argument(help="feed id or URL")]) -> None:
    """Resume a paused feed: its failure count is reset and it is polled at the next tick."""
    _feed_action(ref, feed_admin.resume_feed, "resumed")


@feeds_cli.command("import")
def feeds_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="an OPML file")],
) -> None:
    """Register the feeds of an OPML file (existing ones are kept as they are)."""

    async def go(app: App) -> feed_admin.ImportReport:
        async with app.new_fetcher() as fetcher:
            return await feed_admin.import_opml(app, fetcher, file.read_bytes())

    with application() as app:
        try:
            report = asyncio.run(go(app))
        except OPMLError as exc:
            raise fail(f"{file}: {exc}") from None
    out.print(
        f"imported {len(report.added)} feed(s); {len(report.existing)} already registered; "
        f"{len(report.refused)} refused"
    )
    for line in report.refused:
        err.print(f"  refused {line}")


@feeds_cli.command("export")
def feeds_export(
    file: Annotated[
        Path | None, typer.Argument(help="write here instead of standard output")
    ] = None,
) -> None:
    """Write every feed as OPML 2.0."""
    with application() as app:
        data = feed_admin.export_feeds(app)
    if file is None:
        sys.stdout.buffer.write(data)
    else:
        file.write_bytes(data)
        out.print(f"wrote {file}")


@feeds_cli.command("add-defaults")
def feeds_add_defaults() -> None:
    """Register the bundled list of outlets (those not registered yet)."""
    with application() as app:
        added = app.add_default_feeds()
    out.print(f"added {added} default feed(s)")


# --- poll, stories, run ----------------------------------------------------------------------


@cli.command("poll")
def poll(
    once: Annotated[bool, typer.Option("--once", help="poll once and exit")] = False,
    all_feeds: Annotated[
        bool, typer.Option("--all", help="poll every unpaused feed, due or not")
    ] = False,
) -> None:
    """Poll every due feed once, then print a table per feed."""
    if not once:
        raise fail("`poll` needs --once (use `haberci run` to poll continuously)", code=2)
    with application() as app:
        outcomes = asyncio.run(_poll_with_progress(app, all_feeds))
    if not outcomes:
        out.print("no feed is due (use --all to poll every feed now)")
        return
    table = Table("feed", "new", "updated", "duplicate", "not modified", "error", title="poll")
    for o in outcomes:
        table.add_row(
            f"{o.feed_id} {o.feed_name}",
            str(o.new),
            str(o.updated),
            str(o.duplicate),
            "yes" if o.not_modified else "",
            (o.error or "") + (" [yellow](paused)[/yellow]" if o.paused else ""),
        )
    out.print(table)


async def _poll_with_progress(app: App, all_feeds: bool) -> list[PollOutcome]:
    async with app.new_fetcher() as fetcher:
        ingest = app.new_ingest(fetcher)
        try:
            return await _poll_claimed(ingest, all_feeds)
        finally:
            ingest.close()


async def _poll_claimed(ingest: Ingest, all_feeds: bool) -> list[PollOutcome]:
    feeds = await asyncio.to_thread(ingest.claim, all_feeds)
    if not out.is_terminal or not feeds:
        return await ingest.poll_feeds(feeds)
    columns = (TextColumn("polling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task("poll", total=len(feeds))
        return await ingest.poll_feeds(feeds, on_done=lambda _: progress.advance(task))


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or time "
            "(e.g. 2026-11-25 or 2026-11-25T08:00+03:00)",
            param_hint="--since",
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def story_json(story: StoryRecord, sources: Sequence[ClusterSource] = ()) -> dict[str, Any]:
    """The public ``stories --json`` object (a stable contract for scripts). ``sources`` are
    the story's cluster's outlets (one link each); a story not in a cluster lists itself."""
    cluster_sources = [{"source": s.source, "url": s.url} for s in sources] or [
        {"source": story.feed_name, "url": story.url}
    ]
    return {
        "id": story.id,
        "title": story.title,
        "url": story.url,
        "source": story.feed_name,
        "feed_id": story.feed_id,
        "feed_url": story.feed_url,
        "published": story.published_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "fetched": story.fetched_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "summary": story.summary,
        "language": story.language,
        "author": story.author,
        "backlog": story.is_backlog,
        "about_turkey": story.about_turkey,
        "topics": list(story.topics),
        "cluster_id": story.cluster_id,
        "cluster_sources": cluster_sources,
    }


@cli.command("stories")
def stories(
    feed: Annotated[int | None, typer.Option(help="only this feed id")] = None,
    since: Annotated[
        str | None, typer.Option(help="only stories published at or after this ISO 8601 time")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="at most this many")] = None,
    topic: Annotated[str | None, typer.Option(help="only stories tagged with this topic")] = None,
    cluster: Annotated[
        int | None, typer.Option(help="only the stories of this same-event cluster")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
) -> None:
    """Every stored story, newest first (backlog included)."""
    since_at = _parse_since(since)
    with application() as app, app.sessions() as session:
        if feed is not None and feed_store.get_feed(session, feed) is None:
            raise fail(f"no feed with id {feed}")
        if topic is not None and app.taxonomy.get(topic) is None:
            close = difflib.get_close_matches(topic, app.taxonomy.slugs, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise typer.BadParameter(f"no topic {topic!r}{hint}", param_hint="--topic")
        if cluster is not None and not cluster_store.cluster_exists(session, cluster):
            raise fail(f"no cluster with id {cluster}")
        found = story_store.list_stories(
            session, feed_id=feed, since=since_at, limit=limit, topic=topic, cluster_id=cluster
        )
        sources = cluster_store.cluster_sources(
            session, [s.cluster_id for s in found if s.cluster_id is not None]
        )
    if as_json:
        rows = [story_json(s, sources.get(s.cluster_id or 0, ())) for s in found]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        out.print("no stories yet: run `haberci poll --once`")
        return
    table = Table("published (UTC)", "source", "story", title=f"{len(found)} stories")
    for s in found:
        text = f"[bold]{_escape(s.title)}[/bold]\n{_escape(s.summary)}\n[dim]{_escape(s.url)}[/dim]"
        others = [o for o in sources.get(s.cluster_id or 0, ()) if o.story_id != s.id]
        if others:
            text += f"\n[dim]also: {_escape(', '.join(o.source for o in others))}"
            text += f" (cluster {s.cluster_id})[/dim]"
        table.add_row(_when(s.published_at), _escape(s.feed_name), text)
    out.print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


topics_cli = typer.Typer(help="The topics stories are tagged with.", invoke_without_command=True)
cli.add_typer(topics_cli, name="topics")


@topics_cli.callback()
def topics_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Every topic with its story counts (all time and the last 7 days)."""
    if ctx.invoked_subcommand is not None:
        return
    with application() as app, app.sessions() as session:
        total = story_store.topic_counts(session)
        recent = story_store.topic_counts(session, since=datetime.now(UTC) - timedelta(days=7))
        taxonomy = app.taxonomy
    rows = [
        {
            "slug": topic.slug,
            "name_en": topic.name_en,
            "name_tr": topic.name_tr,
            "parent": topic.parent,
            "stories": total.get(topic.slug, 0),
            "stories_7d": recent.get(topic.slug, 0),
        }
        for topic in taxonomy.topics
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("slug", "English", "Türkçe", "stories", "last 7 days", title=taxonomy.source)
    for row in rows:
        table.add_row(
            str(row["slug"]),
            str(row["name_en"]),
            str(row["name_tr"]),
            str(row["stories"]),
            str(row["stories_7d"]),
        )
    out.print(table)


@topics_cli.command("check")
def topics_check(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a topics TOML file")],
) -> None:
    """Validate a topics file; every problem names its topic and field."""
    try:
        taxonomy = load_taxonomy(file)
    except TaxonomyError as exc:
        raise fail(str(exc)) from None
    missing = sorted(REQUIRED_SLUGS - set(taxonomy.slugs))
    note = f"; not defined here (bundled topics have them): {', '.join(missing)}" if missing else ""
    out.print(f"{file}: {len(taxonomy.topics)} topics, valid{note}")


names_cli = typer.Typer(help="The Turkish names and news words clustering reads as English ones.")
cli.add_typer(names_cli, name="names")


@names_cli.command("check")
def names_check(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="a names TOML file")],
) -> None:
    """Validate a names file for HABERCI_NAMES_FILE (names under [tr_to_en], news words under
    [tr_to_en_words] and [tr_to_en_verbs]); a problem names its entry."""
    try:
        names, words = read_names_file(file)
    except ExonymError as exc:
        raise fail(str(exc)) from None
    bundled, bundled_words = read_exonyms(), read_news_words()
    changed = sum(1 for word, english in names.items() if bundled.get(word, english) != english)
    changed += sum(1 for word, read in words.items() if bundled_words.get(word, read) != read)
    note = f", {changed} read otherwise than the bundled lists" if changed else ""
    out.print(f"{file}: {len(names)} names and {len(words)} news words, valid{note}")


@cli.command("retag")
def retag_command(
    since: Annotated[
        str | None, typer.Option(help="only stories published at or after this ISO 8601 time")
    ] = None,
) -> None:
    """Re-run tagging and the general-feed filter over stored stories (after the topics file
    changed), and place stories stored before clustering existed into clusters."""
    since_at = _parse_since(since)
    with application() as app:
        report = retag(app.sessions, app.tagger, since_at)
        clusters = app.ingest_settings.clusters
        placed = place_unclustered(app.sessions, clusters, since_at) if clusters else 0
    out.print(
        f"re-tagged {report.scanned} stories; topics changed on {report.changed}, "
        f"about-Turkey verdicts changed on {report.filter_changed}"
        + (f"; {placed} stories placed in clusters" if placed else "")
    )


@cli.command("run")
def run() -> None:
    """Run the service: poll each feed on its own interval until SIGINT/SIGTERM. With no chat
    token on a terminal, a console chat runs beside it."""
    from bot.scheduler import run_service

    with application() as app:
        with app.sessions() as session:
            count = len(feed_store.list_feeds(session))
        transports: list[Transport] = []
        platforms = _chat_transports(app)
        if platforms:
            from bot.delivery import digest_loop

            senders = {name: sender for name, (sender, _, _) in platforms.items()}
            transports += [run for _, run, _ in platforms.values()]
            readiness = [ready for _, _, ready in platforms.values()]

            async def digests(stop: asyncio.Event) -> None:
                ready = asyncio.Event()

                async def all_ready() -> None:  # digests wait until every transport can send
                    for event in readiness:
                        await event.wait()
                    ready.set()

                waiting = asyncio.create_task(all_ready())
                try:
                    await digest_loop(app, senders, ready, stop)
                finally:
                    waiting.cancel()

            transports.append(digests)
            names = " and ".join(name.title() for name in platforms)
            err.print(f"haberci is running with {count} feed(s) on {names}; Ctrl+C to stop")
        elif sys.stdin.isatty():
            transports.append(_console_transport(app))
            err.print(
                f"haberci is running with {count} feed(s). No chat token is set, so this is the "
                "console chat: type /help, /topics or /topic s400 (/quit or Ctrl+D to stop).\n"
                "To connect Telegram, set TELEGRAM_BOT_TOKEN (from @BotFather); for Discord, "
                "DISCORD_BOT_TOKEN (see the README); then run again."
            )
            logging.getLogger("haberci").setLevel(logging.WARNING)
        else:
            err.print(f"haberci is running with {count} feed(s); press Ctrl+C to stop")
        asyncio.run(run_service(app, transports=transports))
        for name, (sender, _, _) in platforms.items():
            failed = getattr(sender, "failed", None)
            if failed:
                raise fail(f"{name.title()} stopped haberci: {failed}")


def _chat_transports(app: App) -> dict[str, tuple[Sender, Transport, asyncio.Event]]:
    """Each chat platform whose token is set: its sender, its run function and the event it
    sets once it can send. They share one command layer."""
    platforms: dict[str, tuple[Sender, Transport, asyncio.Event]] = {}
    commands = None
    if app.settings.telegram_bot_token is not None:
        from bot.commands import Commands
        from bot.transports.telegram import TelegramTransport

        commands = Commands(app)
        telegram = TelegramTransport(app, commands)
        platforms["telegram"] = (telegram, telegram.run, telegram.ready)
    if app.settings.discord_bot_token is not None:
        from bot.transports.discord import DiscordTransport

        discord = DiscordTransport(app, commands)
        platforms["discord"] = (discord, discord.run, discord.ready)
    return platforms


def _console_transport(app: App) -> Transport:
    from bot.commands import Commands
    from bot.transports.console import console_chat

    commands = Commands(app)

    async def start(stop: asyncio.Event) -> None:
        await console_chat(commands, stop, sys.stdin, sys.stdout)

    return start


digests_cli = typer.Typer(help="Scheduled digests.", no_args_is_help=True)
cli.add_typer(digests_cli, name="digests")


@digests_cli.command("send")
def digests_send(
    chat: Annotated[int | None, typer.Option(help="only this chat (its id in `haberci`)")] = None,
    now: Annotated[bool, typer.Option("--now", help="every chat's digest, due or not")] = False,
) -> None:
    """Send the digests that are due, through the same ledger as the service (an item never
    reaches a chat twice). Deliveries left in flight by a crash are marked uncertain first."""
    from bot.delivery import resolve_in_flight, send_due_digests

    with application() as app:
        settings = app.settings
        if settings.telegram_bot_token is None and settings.discord_bot_token is None:
            raise fail(
                "no chat transport is configured: set TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN"
            )
        released, uncertain = resolve_in_flight(app)
        if released or uncertain:
            err.print(
                f"at the last stop, {released} deliveries were queued (released, sent now) and "
                f"{uncertain} in flight (marked uncertain, never resent)"
            )

        async def send() -> Any:
            async with contextlib.AsyncExitStack() as stack:
                senders: dict[str, Sender] = {}
                if settings.telegram_bot_token is not None:
                    from bot.transports.telegram import TelegramTransport

                    telegram = TelegramTransport(app)
                    await telegram.application.initialize()
                    stack.push_async_callback(telegram.application.shutdown)
                    senders["telegram"] = telegram
                if settings.discord_bot_token is not None:
                    import discord

                    from bot.transports.discord import DiscordTransport

                    discord_transport = DiscordTransport(app)
                    stack.push_async_callback(discord_transport.close)
                    try:
                        await discord_transport.login()  # REST only: no gateway needed to send
                    except discord.LoginFailure as exc:
                        raise fail(f"Discord refused DISCORD_BOT_TOKEN: {exc}") from None
                    except Exception as exc:  # unreachable, or not Discord at that address
                        url = settings.discord_api_base_url
                        raise fail(f"cannot log in to Discord at {url}: {exc}") from None
                    senders["discord"] = discord_transport
                return await send_due_digests(
                    app, senders, datetime.now(UTC), every_chat=now, only_chat=chat
                )

        run = asyncio.run(send())
    out.print(
        f"digests: {run.chats} chats, {run.sent_items} items sent, {run.failed_items} failed, "
        f"{run.empty} with nothing new"
    )


@cli.command("ask")
def ask(
    message: Annotated[str, typer.Argument(help='a command, e.g. "/topic s400"')],
    file: Annotated[
        Path | None, typer.Option(help="a file to attach (e.g. an OPML file for /importopml)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the reply as JSON")] = False,
) -> None:
    """Run one command through the command layer, as the console chat would, and print the
    reply. Files in the reply are written to the current directory."""
    from bot.commands import Commands, Request
    from bot.reply import Attachment, render_plain
    from bot.transports.console import console_caller

    attachment = None
    if file is not None:
        try:
            attachment = Attachment(file.name, file.read_bytes())
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror}") from None
    with application() as app:
        reply = asyncio.run(Commands(app).handle(Request(message, console_caller(), attachment)))
    for attached in reply.files:
        Path(attached.filename).write_bytes(attached.data)
    if as_json:
        print(json.dumps(reply_json(reply), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_plain(reply))
    if reply.kind != "answer":
        raise typer.Exit(1)


def reply_json(reply: Any) -> dict[str, Any]:
    """A reply as JSON: its kind, text blocks and story entries, buttons and file names."""
    from dataclasses import asdict

    from bot.reply import Heading, Paragraph

    blocks: list[dict[str, Any]] = []
    for block in reply.blocks:
        if isinstance(block, Heading):
            blocks.append({"type": "heading", "text": block.text})
        elif isinstance(block, Paragraph):
            blocks.append({"type": "paragraph", "text": block.text})
        else:
            entry = asdict(block)
            entry["published"] = block.published.astimezone(UTC).isoformat()
            blocks.append({"type": "story", **entry})
    return {
        "kind": reply.kind,
        "blocks": blocks,
        "buttons": [{"label": b.label, "command": b.command} for b in reply.buttons],
        "files": [f.filename for f in reply.files],
    }


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
