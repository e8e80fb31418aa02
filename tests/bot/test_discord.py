"""The Discord transport: the real discord.py Client against the local fake Discord
(tests/support/discord_server.py), reached through DISCORD_API_BASE_URL and
DISCORD_GATEWAY_URL only. Interactions in, assertions on what the bot sent out."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import App, open_app
from bot.commands import Caller, Request
from bot.config import load_settings
from bot.delivery import send_alerts, send_due_digests
from bot.reply import Heading, Link, Paragraph, Reply, StoryEntry, render_plain
from bot.transports.discord import DiscordTransport
from bot.transports.discord_embeds import (
    MAX_DESCRIPTION,
    MAX_EMBEDS,
    MAX_MESSAGE_EMBEDS_TEXT,
    MAX_TITLE,
    render_messages,
    split_blocks,
)
from storage import chats as chat_store
from storage import deliveries as ledger
from storage import feeds as feed_store
from storage.chats import ChatRecord, NewChat
from tests.bot.test_commands import NOW, S400_A, S400_B, seed, story
from tests.bot.test_delivery import distinct_stories
from tests.support.discord_server import (
    DEFAULT_USER_ID,
    EMBED_LINKS,
    INTERACTION_CALLBACK,
    MANAGE_GUILD,
    SEND_MESSAGE,
    DiscordServer,
    PushedInteraction,
    SentMessage,
    missing_permissions,
    rate_limited,
    unknown_channel,
)
from tests.support.feed_server import FeedServer

OWNER = DEFAULT_USER_ID  # "ayse": owns the test server and is a bot admin (HABERCI_ADMINS)
SUBSCRIBER_COMMANDS = {
    "start",
    "help",
    "topics",
    "topic",
    "latest",
    "search",
    "follow",
    "unfollow",
    "following",
    "digest",
    "settings",
    "sources",
}
ADMIN_COMMANDS = {
    "feeds",
    "addfeed",
    "removefeed",
    "pausefeed",
    "resumefeed",
    "importopml",
    "exportopml",
    "stats",
    "health",
    "channel",
}


@dataclass(frozen=True)
class Server:
    """The test server: #genel and #haberler, a moderator with Manage Server (not a bot
    admin) and a reader with no special permission."""

    id: int
    genel: int
    haberler: int
    moderator: int
    reader: int


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[DiscordServer]:
    # The transport points discord.py at its endpoint process-wide; restored afterwards.
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    with DiscordServer() as server:
        yield server


@pytest.fixture
def server(fake: DiscordServer) -> Server:
    guild = fake.add_guild("Haberci", text_channels=("genel", "haberler"))
    genel, haberler = fake.text_channels(guild)
    moderators = fake.add_role(guild, "moderator", permissions=MANAGE_GUILD)
    moderator = fake.add_user("mod")
    reader = fake.add_user("okur")
    fake.add_member(guild, moderator, roles=[moderators])
    fake.add_member(guild, reader)
    return Server(guild, genel, haberler, moderator, reader)


@pytest.fixture
def app(database_url: str, fake: DiscordServer) -> Iterator[App]:
    settings = load_settings(
        database_url=database_url,
        load_default_feeds=False,
        allow_private_feeds=True,
        admins=f"discord:{OWNER}",
        discord_bot_token=fake.token,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        log_level="WARNING",
    )
    app = open_app(settings)
    yield app
    app.close()


@pytest.fixture
async def bot(app: App, server: Server) -> AsyncIterator[DiscordTransport]:
    async with running(DiscordTransport(app, guild_ready_timeout=0.05)) as transport:
        yield transport


class running:
    """Run a transport as ``haberci run`` does, until the block ends."""

    def __init__(self, transport: DiscordTransport) -> None:
        self.transport = transport
        self.stop = asyncio.Event()

    async def __aenter__(self) -> DiscordTransport:
        self.task = asyncio.create_task(self.transport.run(self.stop))
        ready = asyncio.create_task(self.transport.ready.wait())
        await asyncio.wait({self.task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            raise TimeoutError(f"the transport did not get ready: {self.task}")
        return self.transport

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def answer(
    fake: DiscordServer,
    name: str,
    options: dict[str, Any] | None = None,
    *,
    messages: int = 1,
    **place: Any,
) -> list[SentMessage]:
    """Push a slash command; the bot's answer as the messages it made (original first)."""
    return await answer_to(fake, fake.push_command(name, options, **place), messages)


async def answer_to(
    fake: DiscordServer, pushed: PushedInteraction, messages: int = 1
) -> list[SentMessage]:
    await fake.wait_for_response_async(pushed, 10)

    def done() -> list[SentMessage] | None:
        made = [m for m in fake.interaction_messages(pushed) if not m.deleted]
        finished = len(made) >= messages and not any(m.loading for m in made)
        return made if finished else None

    return await fake.wait_until_async(done, 10, f"{messages} message(s) for /{pushed.name}")


def said(messages: list[SentMessage]) -> str:
    """What a reader sees: the messages' text with Markdown escapes undone."""
    return re.sub(r"\\(.)", r"\1", "\n".join(m.text for m in messages))


async def until(fake: DiscordServer, probe: Callable[[], object], what: str) -> None:
    await fake.wait_until_async(lambda: True if probe() else None, 5, what)


def bot_may_embed(bot: DiscordTransport, channel_id: int) -> bool:
    channel = bot.client.get_channel(channel_id)
    me = getattr(getattr(channel, "guild", None), "me", None)
    return channel is not None and me is not None and channel.permissions_for(me).embed_links  # type: ignore[union-attr]


def chat_of(app: App, external_id: int) -> ChatRecord | None:
    with app.sessions() as session:
        return chat_store.find_chat(session, "discord", str(external_id))


# --- rendering (pure) -------------------------------------------------------------------------


def entry(title: str, summary: str = "A summary.", url: str = "https://x.example/1") -> StoryEntry:
    return StoryEntry(
        title=title,
        summary=summary,
        url=url,
        source="Outlet A",
        published=datetime(2026, 3, 1, 12, tzinfo=UTC),
        links=(Link("Outlet A", url), Link("Outlet (B)", "https://b.example/a b(1)")),
    )


def test_a_story_is_an_embed_linked_to_it_with_every_outlet_and_feed_text_escaped() -> None:
    hostile = entry("*Breaking* [click](https://evil.example) @everyone", "a_b *c* # d")
    no_link = entry("No link at all", url="urn:haberci:feed:42:abc")
    (message,) = render_messages(
        Reply((Heading("S-400: latest"), Paragraph("Follow with /follow", muted=True), hostile))
    )
    heading, story_embed = (e.to_dict() for e in message.embeds)
    assert heading["title"] == "S-400: latest"
    assert heading["description"] == "*Follow with /follow*"
    assert story_embed["title"] == r"\*Breaking\* \[click](https://evil.example) @everyone"
    assert story_embed["url"] == "https://x.example/1"
    assert story_embed["timestamp"] == "2026-03-01T12:00:00+00:00"
    assert story_embed["description"] == (
        r"a\_b \*c\* # d"
        "\n\n[Outlet A](https://x.example/1) · [Outlet (B)](https://b.example/a%20b%281%29)"
    )
    (plain,) = render_messages(Reply((no_link,)))[0].embeds
    assert plain.url is None  # Discord refuses a URL that is not http(s)
    assert "Outlet A" in (plain.description or "") and "urn:" not in (plain.description or "")


def test_long_replies_are_split_within_discords_limits_never_inside_a_story() -> None:
    stories = [entry(f"Story {i} " + "long title " * 40, "word " * 400) for i in range(25)]
    listing = "\n".join(f"{i}. Feed number {i} — ok" for i in range(600))  # ~16,000 chars
    reply = Reply((Heading("Feeds " * 80), Paragraph(listing), *stories))
    messages = render_messages(reply)
    assert len(messages) > 3
    for message in messages:
        embeds = [e.to_dict() for e in message.embeds]
        assert 1 <= len(embeds) <= MAX_EMBEDS
        assert sum(len(e) for e in message.embeds) <= MAX_MESSAGE_EMBEDS_TEXT
        assert all(len(e.get("title", "")) <= MAX_TITLE for e in embeds)
        assert all(len(e.get("description", "")) <= MAX_DESCRIPTION for e in embeds)
    titles = [e.title or "" for m in messages for e in m.embeds]
    assert sum(t.startswith("Story ") for t in titles) == 25  # each story once, whole
    descriptions = "\n".join(e.description or "" for m in messages for e in m.embeds)
    assert all(f"{i}. Feed number {i} — ok" in descriptions for i in range(600))
    # One message per group of blocks: what delivery records per message is what goes out.
    groups = split_blocks(reply.blocks)
    assert len(groups) == len(messages)
    assert [len(render_messages(Reply(g))) for g in groups] == [1] * len(groups)


def test_discord_settings_have_their_own_names_and_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.config import ConfigError

    for name in ("DISCORD_BOT_TOKEN", "DISCORD_API_BASE_URL", "DISCORD_GUILD_IDS"):
        monkeypatch.delenv(name, raising=False)
    defaults = load_settings()
    assert defaults.discord_bot_token is None and defaults.discord_guild_ids == []
    assert defaults.discord_api_base_url == "https://discord.com/api/v10"
    assert defaults.discord_gateway_url == "wss://gateway.discord.gg"
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "secret-token")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:8082/gateway")
    settings = load_settings()
    assert settings.discord_guild_ids == [123, 456]
    assert settings.discord_gateway_url == "ws://127.0.0.1:8082/gateway"
    assert settings.discord_bot_token is not None
    assert settings.discord_bot_token.get_secret_value() == "secret-token"
    monkeypatch.setenv("DISCORD_API_BASE_URL", "discord.com/api")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "my-server")
    with pytest.raises(ConfigError) as bad:
        load_settings()
    assert "DISCORD_API_BASE_URL: Value error, must be an http(s) URL" in str(bad.value)
    assert "DISCORD_GUILD_IDS: Value error, 'my-server' is not a server id" in str(bad.value)
    assert "secret-token" not in str(bad.value)


# --- slash commands -------------------------------------------------------------------------


async def test_commands_are_synced_admin_ones_hidden_and_only_in_servers(
    app: App, fake: DiscordServer, server: Server
) -> None:
    guild_settings = app.settings.model_copy(update={"discord_guild_ids": [server.id]})
    for settings in (app.settings, guild_settings):  # globally, then to DISCORD_GUILD_IDS
        transport = DiscordTransport(App(settings, app.engine))
        await transport.login()
        try:
            await transport.sync_commands()
        finally:
            await transport.close()
    synced = {c["name"]: c for c in fake.commands()}
    assert set(synced) == SUBSCRIBER_COMMANDS | ADMIN_COMMANDS
    assert {c["name"] for c in fake.commands(server.id)} == set(synced)
    assert [guild for guild, _ in fake.command_syncs] == [None, server.id]
    for name in ADMIN_COMMANDS:
        assert synced[name]["default_member_permissions"] == str(MANAGE_GUILD), name
        assert synced[name]["contexts"] == [0] and synced[name]["dm_permission"] is False
    for name in SUBSCRIBER_COMMANDS:
        assert synced[name]["default_member_permissions"] is None, name
        assert synced[name]["contexts"] == [0, 1]
    (topic, count) = synced["topic"]["options"]
    assert topic["autocomplete"] and topic["required"] and not count["required"]
    assert [o["name"] for o in synced["channel"]["options"]] == ["add", "list", "remove"]
    assert fake.unknown_routes == []


async def test_reading_commands_in_a_server_answer_with_embeds(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    await asyncio.to_thread(seed, app, "Outlet B", [S400_B])
    reader = {"user_id": server.reader, "channel_id": server.genel}
    (topic,) = await answer(fake, "topic", {"topic": "s400"}, **reader)
    heading, found = topic.embeds
    assert heading["title"] == "S-400: latest stories" and not topic.ephemeral
    assert found["url"] == S400_B.url and found["title"] == S400_B.title
    assert f"[Outlet B]({S400_B.url}) · [Outlet A]({S400_A.url})" in found["description"]
    assert found["timestamp"].startswith(S400_B.published_at.date().isoformat())
    checks = {
        "start": "haberci gathers news about Turkey",
        "help": "/topic <topic> [n]",
        "topics": "s400 — S-400 (2)",
        "latest": "Latest stories",
        "sources": "Outlet A",
        "following": "You follow no topic yet",
    }
    for name, expected in checks.items():
        assert expected in said(await answer(fake, name, **reader)), name
    assert "Admin commands" not in said(await answer(fake, "help", **reader))
    (searched,) = await answer(fake, "search", {"words": "CAATSA sanctions"}, **reader)
    assert "Search: CAATSA sanctions" in said([searched]) and "over S-400" in searched.text
    (digest,) = await answer(fake, "digest", **reader)
    assert digest.ephemeral and "Your digest" in digest.text  # it concerns the asker only
    (unknown,) = await answer(fake, "topic", {"topic": "s401"}, **reader)
    assert unknown.ephemeral and "Did you mean: s400?" in said([unknown])
    assert chat_of(app, server.genel) is None  # using commands attaches no channel
    assert fake.unknown_routes == []


async def test_turkish_users_get_turkish_and_topic_names_complete_in_both_languages(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    turkish = {"user_id": server.reader, "channel_id": server.genel, "locale": "tr"}
    (topic,) = await answer(fake, "topic", {"topic": "yaptırımlar"}, **turkish)
    assert topic.embeds[0]["title"] == "Yaptırımlar: son haberler"
    assert "Komutlar" in said(await answer(fake, "help", **turkish))
    # In the same channel, an English speaker still reads English.
    english = await answer(fake, "topic", {"topic": "sanctions"}, channel_id=server.genel)
    assert english[0].embeds[0]["title"] == "Sanctions: latest stories"

    async def choices(
        typed: str, locale: str, command: str = "topic", option: str = "topic"
    ) -> list[tuple[str, str]]:
        pushed = fake.push_autocomplete(command, option, typed, locale=locale)
        response = await fake.wait_for_response_async(pushed)
        return [(c["name"], c["value"]) for c in response.choices]

    assert await choices("kır", "tr") == [
        ("Ukrayna ve Kırım (Kırım)", "ukraine"),
        ("Ekonomi (kira artışı)", "economy"),
    ]
    assert await choices("sanc", "en-US") == [("Sanctions", "sanctions")]
    assert await choices("yaptırımlar", "en-GB") == [("Sanctions (Yaptırımlar)", "sanctions")]
    every = await choices("", "tr")
    assert len(every) == len(app.taxonomy.topics) <= 25 and ("Orta Doğu", "middle-east") in every
    assert await choices("economy, s-4", "en-US", "follow", "topics") == [
        ("S-400", "economy, s400")
    ]
    zones = await choices("istanbul", "en-US", "settings", "timezone")
    assert ("Europe/Istanbul", "Europe/Istanbul") in zones and len(zones) == 2  # + Asia/


EVERY_SUBSCRIBER_COMMAND: list[tuple[str, dict[str, Any], str, str]] = [
    # (slash command, options, what an English reader sees, what a Turkish reader sees)
    ("start", {}, "haberci gathers news about Turkey", "Türkiye ile ilgili haberleri"),
    ("help", {}, "Commands", "Komutlar"),
    ("topics", {}, "Topics (stories in the last 7 days)", "Konular (son 7 gündeki haber sayısı)"),
    ("topic", {"topic": "s400"}, "S-400: latest stories", "S-400: son haberler"),
    ("topic", {"topic": "yaptırımlar", "count": 1}, "Sanctions: latest", "Yaptırımlar: son"),
    ("topic", {"topic": "kırım"}, "No stories on Ukraine and Crimea yet.", "Ukrayna ve Kırım"),
    ("topic", {"topic": "sanktions"}, "Did you mean: sanctions", "Şunu mu demek istediniz"),
    ("latest", {}, "Latest stories", "Son haberler"),
    ("search", {"words": "sanctions"}, "Search: sanctions", "Arama: sanctions"),
    ("follow", {"topics": "ekonomi"}, "Now following: Economy.", "Artık takip ediliyor: Ekonomi."),
    ("following", {}, "You follow: Economy.", "Takip ettiğiniz konular: Ekonomi."),
    ("unfollow", {"topics": "economy"}, "No longer following: Economy.", "Takipten çıkarıldı"),
    ("digest", {}, "Your digest", "Özetiniz"),
    ("settings", {"alerts": "on"}, "Breaking alerts: on", "Son dakika bildirimleri: açık"),
    ("settings", {"timezone": "Mars/Base"}, "unknown time zone 'Mars/Base'", "Mars/Base"),
    ("sources", {}, "Outlet B", "Outlet B"),
]


@pytest.mark.parametrize("locale", ["en-US", "tr"])
async def test_every_subscriber_command_answers_in_the_readers_language(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport, locale: str
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    await asyncio.to_thread(seed, app, "Outlet B", [S400_B])
    dm = fake.dm_channel(server.reader)
    for name, options, english, turkish in EVERY_SUBSCRIBER_COMMAND:
        reply = said(await answer(fake, name, options, channel_id=dm, locale=locale))
        assert (english if locale == "en-US" else turkish) in reply, (name, options, reply[:200])


async def test_more_buttons_run_their_command(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    stories = distinct_stories(5, words=10)  # unrelated events: five entries
    await asyncio.to_thread(seed, app, "Outlet A", stories)
    (first,) = await answer(fake, "latest", {"count": 2}, channel_id=server.genel, locale="tr")
    (row,) = first.payload["components"]
    (button,) = row["components"]
    assert button["label"] == "Daha fazla" and button["custom_id"] == "haberci:/latest 2 +2"
    assert [e["title"] for e in first.embeds[1:]] == [s.title for s in stories[:2]]
    clicked = fake.push_component(first.id, button["custom_id"], user_id=server.reader)
    (second,) = await answer_to(fake, clicked)
    assert [e["title"] for e in second.embeds[1:]] == [s.title for s in stories[2:4]]
    assert second.embeds[0]["title"] == "Latest stories"  # the reader's own language


async def test_direct_messages_are_personal_chats_with_their_own_digests(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    dm = fake.dm_channel(server.reader)
    economy = story("econ", "Turkish inflation slows to 30 percent")
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A, economy])
    (followed,) = await answer(fake, "follow", {"topics": "economy, s400"}, channel_id=dm)
    assert "Now following: Economy, S-400." in said([followed]) and not followed.ephemeral
    (listed,) = await answer(fake, "following", channel_id=dm)
    assert "You follow: Economy, S-400." in said([listed])
    changes = {"times": "07:30", "timezone": "Europe/Berlin", "alerts": "on", "language": "tr"}
    (changed,) = await answer(fake, "settings", changes, channel_id=dm)
    assert "Kaydedildi." in changed.text and "07:30 (Europe/Berlin)" in changed.text
    (bad,) = await answer(fake, "settings", {"timezone": "Mars/Olympus"}, channel_id=dm)
    assert "unknown time zone 'Mars/Olympus'" in said([bad])
    chat = chat_of(app, dm)
    assert chat is not None and (chat.kind, chat.language, chat.alerts) == ("private", "tr", True)
    assert (chat.digest_times, chat.timezone, chat.topics) == (
        "07:30",
        "Europe/Berlin",
        ("economy", "s400"),
    )
    run = await send_due_digests(app, {"discord": bot}, NOW, only_chat=chat.id)
    assert run.sent_items == 2
    (digest,) = [m for m in fake.sent_messages(dm) if m.source == "channel"]
    assert digest.embeds[0]["title"] == "Özetiniz" and economy.title in digest.text


async def test_server_settings_are_for_its_admins_and_feeds_for_the_bots_admins(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    reader = {"user_id": server.reader, "channel_id": server.genel}
    (refused,) = await answer(fake, "follow", {"topics": "economy"}, **reader)
    assert refused.ephemeral and "administrators can change its settings" in refused.text
    assert chat_of(app, server.genel) is None
    with pytest.raises(PermissionError):  # Discord does not even show them to a reader
        fake.push_command("feeds", **reader)
    moderator = {"user_id": server.moderator, "channel_id": server.genel}
    for name, options in (
        ("feeds", {}),
        ("addfeed", {"url": "https://example.com/rss"}),
        ("pausefeed", {"feed": "1"}),
        ("stats", {}),
    ):
        for who in (reader, moderator):
            (no,) = await answer(fake, name, options, check_permissions=False, **who)
            assert no.ephemeral and f"/{name} is for the bot's admins; nothing" in said([no])
    with app.sessions() as session:
        assert feed_store.list_feeds(session) == []
    # A server admin may set up a channel's topics before attaching it.
    (set_up,) = await answer(fake, "follow", {"topics": "economy"}, **moderator)
    assert "Now following: Economy." in said([set_up])
    chat = chat_of(app, server.genel)
    assert chat is not None and not chat.active and chat.topics == ("economy",)
    assert chat.inactive_reason and "/channel add" in chat.inactive_reason


async def test_server_admins_attach_list_and_remove_their_channels(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    moderator = {"user_id": server.moderator, "channel_id": server.genel}
    options = {"channel": server.haberler, "times": "07:00, 19:30", "topics": "economy, s-400"}
    (added,) = await answer(fake, "channel add", options, **moderator)
    assert said([added]) == (
        "Attached #haberler · Haberci (channel): digests at 07:00, 19:30 (Europe/Istanbul), "
        "topics: economy, s400."
    )
    chat = chat_of(app, server.haberler)
    assert chat is not None and chat.active and chat.kind == "channel"
    (listed,) = await answer(fake, "channel list", **moderator)
    assert f"#haberler · Haberci (channel, {server.haberler}) — 07:00, 19:30" in said([listed])
    # Another server's admin neither sees nor touches this server's channels.
    other = fake.add_guild("Other", owner_id=fake.add_user("baska"))
    outsider = {"guild_id": other, "user_id": fake.add_user("yonetici")}
    managers = fake.add_role(other, "managers", permissions=MANAGE_GUILD)
    fake.add_member(other, outsider["user_id"], roles=[managers])
    await until(fake, lambda: bot.client.get_guild(other), "the other server")
    (theirs,) = await answer(fake, "channel list", **outsider)
    assert "No channel or group is attached" in said([theirs])
    # Discord offers only the server's own channels; the command layer checks it anyway.
    stranger = Caller(
        "discord", str(outsider["user_id"]), "1", "channel", chat_admin=True, server=str(other)
    )
    grab = await bot.commands.handle(Request(f"/channel remove {server.haberler}", stranger))
    assert grab.kind == "refusal" and "not a channel of this server" in render_plain(grab)
    # The bot must be able to post there.
    fake.set_overwrite(server.genel, server.id, deny=EMBED_LINKS)
    await until(fake, lambda: not bot_may_embed(bot, server.genel), "the overwrite")
    (cannot,) = await answer(fake, "channel add", {"channel": server.genel}, **moderator)
    assert "the bot lacks Embed Links in #genel" in said([cannot])
    (removed,) = await answer(fake, "channel remove", {"channel": server.haberler}, **moderator)
    assert "Removed #haberler · Haberci" in said([removed])
    await answer(fake, "latest", channel_id=server.haberler, user_id=server.reader)
    chat = chat_of(app, server.haberler)
    assert chat is not None and not chat.active  # using a command there does not re-attach it
    assert f"removed by discord:{server.moderator}" in (chat.inactive_reason or "")


async def test_bot_admins_manage_feeds_with_files(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport, feed_server: FeedServer
) -> None:
    feed_server.add(
        "/feed.xml",
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
        <item><title>Ankara approves the budget</title><link>https://local.example/1</link>
        <description>The Turkish parliament approved the 2027 budget.</description>
        </item></channel></rss>""",
    )
    (added,) = await answer(fake, "addfeed", {"url": feed_server.url("/feed.xml"), "name": "Yerel"})
    assert "Added feed" in said([added]) and "(1 stories stored)" in said([added])
    pushed = fake.push_autocomplete("pausefeed", "feed", "yer")
    ((label, feed_id),) = [
        (c["name"], c["value"]) for c in (await fake.wait_for_response_async(pushed)).choices
    ]
    assert label == f"{feed_id}. Yerel"
    assert "Paused feed" in said(await answer(fake, "pausefeed", {"feed": feed_id}))
    assert "need attention" in said(await answer(fake, "health"))
    assert "Resumed feed" in said(await answer(fake, "resumefeed", {"feed": feed_id}))
    assert "Stories: 1" in said(await answer(fake, "stats"))
    assert "Yerel" in said(await answer(fake, "feeds"))
    (exported,) = await answer(fake, "exportopml")
    (opml,) = exported.files
    assert opml.filename == "haberci-feeds.opml" and b"feed.xml" in opml.data
    upload = fake.add_attachment(
        "more.opml",
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline type="rss" text="Example" xmlUrl="http://127.0.0.1:9/feed.xml"/></body></opml>',
    )
    (imported,) = await answer(fake, "importopml", {"file": upload})
    assert "Added 1 feeds; 0 were already registered" in said([imported])
    assert "Removed feed" in said(await answer(fake, "removefeed", {"feed": feed_id}))


async def test_a_long_answer_is_the_response_and_follow_ups(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", distinct_stories(20, words=60))
    pushed = fake.push_command("latest", {"count": 20})

    def whole() -> list[SentMessage] | None:
        made = fake.interaction_messages(pushed)
        return made if sum(len(m.embeds) for m in made) == 21 else None  # heading + 20

    messages = await fake.wait_until_async(whole, 10, "the 20 stories")
    assert len(messages) >= 3  # ten embeds and 6,000 characters at most per message
    assert [m.source for m in messages] == ["interaction"] + ["followup"] * (len(messages) - 1)
    assert said(messages).count("news.example/distinct-") == 20  # each story once
    assert len(fake.requests_for(INTERACTION_CALLBACK)) == 1


async def test_slow_commands_are_deferred_then_answered(
    app: App, fake: DiscordServer, server: Server
) -> None:
    async with running(DiscordTransport(app, answer_within=0, guild_ready_timeout=0.05)):
        pushed = fake.push_command("topics", channel_id=server.genel)
        (topics,) = await answer_to(fake, pushed)
        private = fake.push_command("following", channel_id=server.genel)
        (mine,) = await answer_to(fake, private)
    assert fake.response(pushed).deferred  # type: ignore[union-attr]
    assert topics.source == "interaction" and "Topics" in topics.text and not topics.ephemeral
    # The public "thinking…" message is gone; the private answer came on its own.
    thinking, *rest = fake.interaction_messages(private)
    assert thinking.deleted and rest == [mine]
    assert mine.ephemeral and "You follow no topic yet" in mine.text


# --- channel digests and alerts -------------------------------------------------------------


def attach(app: App, *channels: int, kind: str = "channel") -> dict[int, int]:
    """Register chats as /channel add (or a command in a DM) would."""
    ids = {}
    with app.sessions.begin() as session:
        for channel in channels:
            chat, _ = chat_store.ensure_chat(
                session,
                NewChat("discord", str(channel), kind, None, "en", "Europe/Istanbul", "08:00"),
                NOW,
            )
            ids[channel] = chat.id
    return ids


async def test_channel_digests_and_alerts_arrive_on_schedule_once(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    third = story("s400-c", "US sanctions Turkish defence agency over S-400 missile purchase")
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A, story("econ", "Lira steadies")])
    await asyncio.to_thread(seed, app, "Outlet B", [S400_B])
    ids = attach(app, server.genel, server.haberler)
    senders = {"discord": bot}
    # A breaking alert (a third outlet on the S-400 story) goes at once to the channel with
    # alerts on, once; its digest will not repeat it.
    with app.sessions.begin() as session:
        chat_store.set_chat(session, ids[server.haberler], alerts=True)
    await asyncio.to_thread(seed, app, "Outlet C", [third])
    assert await send_alerts(app, senders, NOW) == 1
    assert await send_alerts(app, senders, NOW) == 0
    (alert,) = fake.sent_messages(server.haberler)
    assert alert.embeds[0]["title"] == "Breaking" and "[Outlet C]" in alert.text
    assert (await send_due_digests(app, senders, NOW)).chats == 0  # the first pass schedules
    chat = chat_of(app, server.genel)
    assert chat is not None and chat.next_digest_at is not None
    due = chat.next_digest_at + timedelta(seconds=1)
    run = await send_due_digests(app, senders, due)
    assert (run.chats, run.sent_items, run.failed_items) == (2, 3, 0)
    (digest,) = fake.sent_messages(server.genel)
    assert digest.embeds[0]["title"] == "Your digest" and len(digest.embeds) == 3
    assert "[Outlet A]" in digest.text and "[Outlet C]" in digest.text
    assert "Lira steadies" in fake.sent_messages(server.haberler)[1].text
    assert (await send_due_digests(app, senders, due, every_chat=True)).sent_items == 0
    assert fake.duplicates() == [] and len(fake.sent_messages(server.haberler)) == 2


async def test_a_429_is_waited_out_and_the_digest_delivered_once(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    attach(app, server.genel)
    fake.fail_next(SEND_MESSAGE, channel_id=server.genel, error=rate_limited(0.3))
    started = asyncio.get_running_loop().time()
    run = await send_due_digests(app, {"discord": bot}, NOW, every_chat=True)
    assert run.sent_items == 1 and asyncio.get_running_loop().time() - started >= 0.3
    assert [r.status for r in fake.requests_for(SEND_MESSAGE)] == [429, 200]
    assert len(fake.sent_messages(server.genel)) == 1 and fake.duplicates() == []
    with app.sessions() as session:
        assert ledger.status_counts(session) == {"sent": 1}


async def test_unreachable_channels_are_deactivated_with_the_reason_and_others_go_on(
    app: App, fake: DiscordServer, server: Server, bot: DiscordTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    deleted = fake.add_text_channel(server.id, "silinen")
    no_embeds = fake.add_text_channel(server.id, "resimsiz")
    fake.set_overwrite(no_embeds, server.id, deny=EMBED_LINKS)
    dm = fake.dm_channel(server.reader)
    fake.block_dms(server.reader)
    attach(app, server.genel, server.haberler, deleted, no_embeds)
    attach(app, dm, kind="private")
    fake.fail_next(SEND_MESSAGE, channel_id=server.genel, error=missing_permissions())
    fake.fail_next(SEND_MESSAGE, channel_id=deleted, error=unknown_channel())
    await until(fake, lambda: bot.client.get_channel(no_embeds), "#resimsiz")
    await until(fake, lambda: not bot_may_embed(bot, no_embeds), "its overwrite")
    run = await send_due_digests(app, {"discord": bot}, NOW, every_chat=True)
    assert (run.sent_items, run.failed_items) == (1, 4)
    (delivered,) = fake.sent_messages(server.haberler)
    assert S400_A.title in delivered.text
    reasons = {}
    for channel in (server.genel, deleted, no_embeds, dm):
        chat = chat_of(app, channel)
        assert chat is not None and not chat.active, channel
        reasons[channel] = chat.inactive_reason or ""
    assert reasons[server.genel].startswith("Discord 50013: the bot may not post")
    assert reasons[deleted].startswith("Discord 10003: the channel was deleted")
    assert reasons[no_embeds].startswith("the bot lacks Embed Links in this channel")
    assert reasons[dm].startswith("Discord 50007: this user does not accept direct messages")
    listed = said(await answer(fake, "channel list", channel_id=server.haberler))
    assert f"(channel, {server.genel}) — 08:00; topics: all; inactive: Discord 50013" in listed
    assert "inactive: Discord 10003: the channel was deleted" in listed
    # The reader writes to the bot again: their DM chat is active again.
    fake.block_dms(server.reader, False)
    await answer(fake, "following", channel_id=dm)
    assert chat_of(app, dm).active  # type: ignore[union-attr]


def test_a_kill_in_the_middle_of_a_channel_digest_then_a_restart_delivers_each_item_once(
    app: App, fake: DiscordServer
) -> None:
    """`haberci digests send --now` is killed with SIGKILL while it sends a digest to 200
    channels of the fake (in this process, reached through DISCORD_* settings), then run
    again: every channel ends with each of its items at most once, and an item is missing
    only where the ledger marked it uncertain (its message on its way at the kill)."""
    from tests.support.digests_run import (
        assert_each_item_at_most_once,
        digests_env,
        kill_mid_run,
        run_to_end,
    )

    guild = fake.add_guild("Kanallar", text_channels=[f"kanal-{i}" for i in range(200)])
    channels = fake.text_channels(guild)
    items = distinct_stories(3, words=12)
    seed(app, "Outlet A", items)
    attach(app, *channels)
    fake.enforce_limits = True  # Discord's 50 requests/s and 5 messages per 5 s per channel
    env = digests_env(
        app.settings.database_url,
        DISCORD_BOT_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    kill_mid_run(env, lambda: fake.wait_for_messages(60, timeout=60))
    at_kill = len(fake.sent_messages())
    assert 60 <= at_kill < 200
    with app.sessions() as session:
        counts = ledger.status_counts(session)
    assert counts.get("queued", 0) + counts.get("pending", 0) > 0  # it really was cut off
    run_to_end(env)
    with app.sessions() as session:
        final = ledger.status_counts(session)
    assert set(final) <= {"sent", "uncertain"} and sum(final.values()) == 600
    received = {c: "".join(m.text for m in fake.sent_messages(c)) for c in channels}
    urls = [item.url for item in items]
    assert_each_item_at_most_once(received, urls, final.get("uncertain", 0))
    assert fake.duplicates() == [] and fake.sent_429_count == 0


@pytest.mark.parametrize("with_telegram", [True, False], ids=["beside-telegram", "alone"])
def test_haberci_run_serves_discord_with_its_digests(
    tmp_path: Path, fake: DiscordServer, server: Server, with_telegram: bool
) -> None:
    """`haberci run` with Discord's token, and Telegram's or not: one process answers on each
    platform, and its digest loop, once every transport is ready, sends each platform's due
    digests through that platform's transport."""
    import os
    import signal
    import subprocess
    import sys

    from tests.support.telegram_server import TelegramServer

    database_url = f"sqlite:///{tmp_path / 'haberci.db'}"
    app = open_app(load_settings(database_url=database_url, load_default_feeds=False))
    try:
        seed(app, "Outlet A", [S400_A])
        with app.sessions.begin() as session:
            for platform, external, kind in (
                ("discord", server.haberler, "channel"),
                ("telegram", 4242, "private"),
            ):
                chat, _ = chat_store.ensure_chat(
                    session,
                    NewChat(platform, str(external), kind, None, "en", "UTC", "08:00"),
                    NOW,
                )
                chat_store.set_chat(session, chat.id, next_digest_at=NOW - timedelta(minutes=1))
    finally:
        app.close()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HABERCI_", "DISCORD_", "TELEGRAM_"))
    }
    env.update(
        HABERCI_DATABASE_URL=database_url,
        HABERCI_LOAD_DEFAULT_FEEDS="0",
        HABERCI_SCHEDULER_TICK_S="1",
        DISCORD_BOT_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PTB_TIMEDELTA="true",
    )
    with TelegramServer() as telegram:
        if with_telegram:
            env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_BASE_URL=telegram.base_url)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            (digest,) = fake.wait_for_messages(1, timeout=30, channel_id=server.haberler)
            pushed = fake.push_command("topic", {"topic": "s400"}, channel_id=server.genel)
            answered = fake.wait_for_response(pushed, timeout=10)
            if with_telegram:
                telegram.wait_for_messages(1, timeout=30, chat_id=4242)
                telegram.push_message(4243, "/topic s400")
                telegram.wait_for_messages(1, timeout=10, chat_id=4243)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=20)
        finally:
            process.kill()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert ("on Telegram and Discord" if with_telegram else "feed(s) on Discord;") in log
    assert digest.embeds[0]["title"] == "Your digest" and S400_A.title in digest.text
    assert answered.embeds[0]["title"] == "S-400: latest stories"
    assert fake.duplicates() == [] and telegram.duplicates() == []
    if with_telegram:
        assert S400_A.title in telegram.sent_messages(4242)[0].plain_text
        assert "S-400: latest stories" in telegram.sent_messages(4243)[0].plain_text
    else:  # Telegram's chat waits for a Telegram transport
        assert telegram.sent_messages() == []


def test_a_wrong_token_stops_haberci_with_the_reason(tmp_path: Path, fake: DiscordServer) -> None:
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HABERCI_", "DISCORD_", "TELEGRAM_"))
    }
    env.update(
        HABERCI_DATABASE_URL=f"sqlite:///{tmp_path / 'haberci.db'}",
        HABERCI_LOAD_DEFAULT_FEEDS="0",
        DISCORD_BOT_TOKEN="not-the-token",
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    root = Path(__file__).resolve().parents[2]
    for command in (["run"], ["digests", "send", "--now"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            env=env,
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert "Improper token has been passed" in done.stderr, done.stderr
        assert "not-the-token" not in done.stderr  # never a token in a message
