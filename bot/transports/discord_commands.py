"""haberci's slash commands. Each one only writes the chat command it stands for
(``/topic s400 5``) and hands it to the Discord transport, which runs it through the command
layer as any chat would: the commands themselves live in bot/commands.

Admin commands are hidden from everyone without Manage Server (``default_member_permissions``)
and kept out of direct messages, and the command layer refuses them to anyone who is not an
admin, whatever Discord shows.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.commands.lookup import topic_choices
from bot.i18n import language_for
from storage import feeds as feed_store

if TYPE_CHECKING:
    from bot.app import App

Interaction = discord.Interaction[discord.Client]
Choices = list[app_commands.Choice[str]]
SlashCommand = app_commands.Command[Any, Any, None]
AnswerCallable = Callable[..., Awaitable[None]]
MAX_CHOICES = 25
MAX_CHOICE = 100  # characters of a choice's name and value


class Answering(Protocol):
    """What the slash commands need from the transport."""

    app: App

    async def answer(
        self, interaction: Interaction, *texts: str, attachment: discord.Attachment | None = None
    ) -> None:
        """Run the commands in order through the command layer (with the attached file) and
        answer with the reply (the first that is not an answer, or the last)."""
        ...


def quoted(value: str) -> str:
    """One argument as the command layer reads it, whatever it contains."""
    return shlex.quote(value.strip())


def topic_arguments(typed: str) -> str:
    """Topics as typed for /follow, /unfollow and /channel add: comma-separated, each one
    argument (``middle east, s400``); without commas, words as typed (``ekonomi s400``)."""
    if "," in typed:
        return " ".join(quoted(part) for part in typed.split(",") if part.strip())
    return typed.strip()


def _language(interaction: Interaction) -> str:
    return language_for(str(interaction.locale))


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=name[:MAX_CHOICE], value=value[:MAX_CHOICE])


def complete_topics(app: App, interaction: Interaction, current: str) -> Choices:
    """Topic names and aliases in both languages, labelled in the person's language; after
    a comma, the last topic of a list (``economy, sanc`` → ``economy, sanctions``)."""
    head, comma, last = current.rpartition(",")
    prefix = f"{head.strip()}, " if comma else ""
    found = topic_choices(app.taxonomy, app.tagger, last, _language(interaction), MAX_CHOICES)
    return [
        _choice(choice.label, prefix + choice.slug)
        for choice in found
        if len(prefix + choice.slug) <= MAX_CHOICE
    ]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone))


def complete_timezones(current: str) -> Choices:
    """IANA time zones containing what was typed, those starting with it first."""
    typed = current.strip().lower().replace(" ", "_")
    zones = [zone for zone in _zones() if typed in zone.lower()]
    zones.sort(key=lambda zone: not zone.lower().startswith(typed))
    return [_choice(zone, zone) for zone in zones[:MAX_CHOICES]]


def complete_feeds(app: App, current: str) -> Choices:
    """Feeds whose id, name or URL contains what was typed, as "id. name" → id."""
    with app.sessions() as session:
        feeds = feed_store.list_feeds(session)
    typed = current.strip().lower()
    return [
        _choice(f"{feed.id}. {feed.name}", str(feed.id))
        for feed in feeds
        if typed in f"{feed.id} {feed.name} {feed.url}".lower()
    ][:MAX_CHOICES]


def add_commands(tree: app_commands.CommandTree[discord.Client], transport: Answering) -> None:
    """Register every slash command on ``tree``."""
    _add_reading(tree, transport)
    _add_subscriptions(tree, transport)
    _add_feed_admin(tree, transport)
    tree.add_command(_channel_group(transport))


def _add_reading(tree: app_commands.CommandTree[discord.Client], transport: Answering) -> None:
    answer = transport.answer

    async def topic_names(interaction: Interaction, current: str) -> Choices:
        return complete_topics(transport.app, interaction, current)

    @tree.command(name="start", description="What haberci does and how to follow topics")
    async def start(interaction: Interaction) -> None:
        await answer(interaction, "/start")

    @tree.command(name="help", description="Every command")
    async def help_command(interaction: Interaction) -> None:
        await answer(interaction, "/help")

    @tree.command(name="topics", description="Every topic with its stories of the last 7 days")
    async def topics(interaction: Interaction) -> None:
        await answer(interaction, "/topics")

    @tree.command(name="topic", description="The newest stories on a topic")
    @app_commands.describe(
        topic="A topic's name, alias or slug, in English or Turkish",
        count="How many stories (default 5)",
    )
    @app_commands.autocomplete(topic=topic_names)
    async def topic(
        interaction: Interaction,
        topic: app_commands.Range[str, 1, 100],
        count: app_commands.Range[int, 1, 20] | None = None,
    ) -> None:
        await answer(interaction, f"/topic {quoted(topic)}" + (f" {count}" if count else ""))

    @tree.command(name="latest", description="The newest stories of every topic")
    @app_commands.describe(count="How many stories (default 5)")
    async def latest(
        interaction: Interaction, count: app_commands.Range[int, 1, 20] | None = None
    ) -> None:
        await answer(interaction, "/latest" + (f" {count}" if count else ""))

    @tree.command(name="search", description="Search the stories' titles and summaries")
    @app_commands.describe(words="The words to look for")
    async def search(interaction: Interaction, words: app_commands.Range[str, 1, 200]) -> None:
        await answer(interaction, f"/search {words}")

    @tree.command(name="sources", description="The outlets haberci reads")
    async def sources(interaction: Interaction) -> None:
        await answer(interaction, "/sources")

    @tree.command(name="digest", description="This chat's digest, now")
    async def digest(interaction: Interaction) -> None:
        await answer(interaction, "/digest")


def _add_subscriptions(
    tree: app_commands.CommandTree[discord.Client], transport: Answering
) -> None:
    answer = transport.answer

    async def topic_names(interaction: Interaction, current: str) -> Choices:
        return complete_topics(transport.app, interaction, current)

    async def zones(interaction: Interaction, current: str) -> Choices:
        return complete_timezones(current)

    @tree.command(name="follow", description="Add topics to the digests")
    @app_commands.describe(topics="Topics, comma-separated (economy, s400)")
    @app_commands.autocomplete(topics=topic_names)
    async def follow(interaction: Interaction, topics: app_commands.Range[str, 1, 200]) -> None:
        await answer(interaction, f"/follow {topic_arguments(topics)}")

    @tree.command(name="unfollow", description="Remove topics from the digests")
    @app_commands.describe(topics="Topics, comma-separated")
    @app_commands.autocomplete(topics=topic_names)
    async def unfollow(interaction: Interaction, topics: app_commands.Range[str, 1, 200]) -> None:
        await answer(interaction, f"/unfollow {topic_arguments(topics)}")

    @tree.command(name="following", description="The topics of the digests")
    async def following(interaction: Interaction) -> None:
        await answer(interaction, "/following")

    @tree.command(name="settings", description="Show or change digest times, time zone, alerts")
    @app_commands.describe(
        times="Local digest times, comma-separated (07:30,19:00)",
        timezone="Time zone of the digest times (Europe/Istanbul)",
        alerts="Breaking alerts",
        language="Language of the bot's messages",
    )
    @app_commands.autocomplete(timezone=zones)
    @app_commands.choices(
        alerts=[app_commands.Choice(name="on", value="on"), _choice("off", "off")],
        language=[_choice("English", "en"), _choice("Türkçe", "tr")],
    )
    async def settings(
        interaction: Interaction,
        times: app_commands.Range[str, 1, 100] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        alerts: app_commands.Choice[str] | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        changes = [
            f"/settings {what} {quoted(value)}"
            for what, value in (
                ("times", times),
                ("timezone", timezone),
                ("alerts", alerts.value if alerts else None),
                ("language", language.value if language else None),
            )
            if value
        ]
        await answer(interaction, *(changes or ["/settings"]))


ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)
SERVERS_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)


def _admin(command: SlashCommand) -> SlashCommand:
    """Hidden from members without Manage Server, and only in servers (Discord does not
    apply member permissions in direct messages)."""
    command.default_permissions = ADMIN_PERMISSIONS
    command.guild_only = True
    command.allowed_contexts = SERVERS_ONLY
    return command


def _add_feed_admin(tree: app_commands.CommandTree[discord.Client], transport: Answering) -> None:
    answer = transport.answer

    async def feeds_named(interaction: Interaction, current: str) -> Choices:
        return await asyncio.to_thread(complete_feeds, transport.app, current)

    for name, description in (
        ("feeds", "Every feed with its health (admins)"),
        ("exportopml", "Every feed as an OPML file (admins)"),
        ("stats", "Stories, chats and deliveries (admins)"),
        ("health", "Feeds failing or paused (admins)"),
    ):
        tree.add_command(_admin(_plain_command(name, description, answer)))

    @app_commands.describe(url="The feed's http(s) URL", name="A name (default: the feed's)")
    async def addfeed(
        interaction: Interaction,
        url: app_commands.Range[str, 1, 2000],
        name: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        await answer(interaction, f"/addfeed {quoted(url)}" + (f" {quoted(name)}" if name else ""))

    tree.add_command(
        _admin(
            app_commands.Command(
                name="addfeed", description="Add a feed (admins)", callback=addfeed
            )
        )
    )
    for verb, description in (
        ("removefeed", "Remove a feed and its stories (admins)"),
        ("pausefeed", "Stop polling a feed (admins)"),
        ("resumefeed", "Poll a paused feed again (admins)"),
    ):
        command = _admin(_feed_command(verb, description, answer))
        command.autocomplete("feed")(feeds_named)
        tree.add_command(command)

    @app_commands.describe(file="An OPML file (at most 1 MB)")
    async def importopml(interaction: Interaction, file: discord.Attachment) -> None:
        await answer(interaction, "/importopml", attachment=file)

    tree.add_command(
        _admin(
            app_commands.Command(
                name="importopml",
                description="Add the feeds of an OPML file (admins)",
                callback=importopml,
            )
        )
    )


def _plain_command(name: str, description: str, answer: AnswerCallable) -> SlashCommand:
    async def run(interaction: Interaction) -> None:
        await answer(interaction, f"/{name}")

    return app_commands.Command(name=name, description=description, callback=run)


def _feed_command(verb: str, description: str, answer: AnswerCallable) -> SlashCommand:
    @app_commands.describe(feed="The feed's id or URL")
    async def run(interaction: Interaction, feed: app_commands.Range[str, 1, 2000]) -> None:
        await answer(interaction, f"/{verb} {quoted(feed)}")

    return app_commands.Command(name=verb, description=description, callback=run)


def _channel_group(transport: Answering) -> app_commands.Group:
    answer = transport.answer
    group = app_commands.Group(
        name="channel",
        description="Digests for a server's text channel (server admins)",
        default_permissions=ADMIN_PERMISSIONS,
        guild_only=True,
        allowed_contexts=SERVERS_ONLY,
    )

    async def topic_names(interaction: Interaction, current: str) -> Choices:
        return complete_topics(transport.app, interaction, current)

    @group.command(name="add", description="Send digests to a text channel")
    @app_commands.describe(
        channel="The text channel",
        times="Local digest times, comma-separated (08:00,20:00)",
        topics="Topics, comma-separated (none: the top stories of all)",
    )
    @app_commands.autocomplete(topics=topic_names)
    async def add(
        interaction: Interaction,
        channel: discord.TextChannel,
        times: app_commands.Range[str, 1, 100] | None = None,
        topics: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        text = f"/channel add {channel.id}"
        if times:
            text += " " + quoted(times.replace(" ", ""))
        if topics:
            text += " " + topic_arguments(topics)
        await answer(interaction, text)

    @group.command(name="list", description="The channels that get digests")
    async def list_channels(interaction: Interaction) -> None:
        await answer(interaction, "/channel list")

    @group.command(name="remove", description="Stop the digests in a text channel")
    @app_commands.describe(channel="The text channel")
    async def remove(interaction: Interaction, channel: discord.TextChannel) -> None:
        await answer(interaction, f"/channel remove {channel.id}")

    return group
