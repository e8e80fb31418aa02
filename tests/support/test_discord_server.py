"""The fake Discord server, driven by discord.py's real Client and CommandTree."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from .discord_server import (
    DEFAULT_USER_ID,
    INTERACTION_CALLBACK,
    MANAGE_GUILD,
    SEND_MESSAGE,
    SEND_MESSAGES,
    DiscordServer,
    ManualClock,
    RateLimiter,
    RateLimits,
    missing_permissions,
    rate_limited,
    unknown_channel,
)

SLUGS = ["s400", "s500", "suriye", "secim", "ekonomi", "enflasyon", "nato", "ab"]

Interaction = discord.Interaction[discord.Client]


class ReadyClient(discord.Client):
    """A ``discord.Client`` that signals ``on_ready``."""

    def __init__(self, **options: Any) -> None:
        intents = options.pop("intents", discord.Intents.default())
        super().__init__(intents=intents, guild_ready_timeout=0.05, **options)
        self.ready = asyncio.Event()
        self.tree = app_commands.CommandTree(self)

    async def on_ready(self) -> None:
        self.ready.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before a repeated IDENTIFY (it guards the real
        gateway's identify limit, which the fake does not have)."""


@contextlib.asynccontextmanager
async def running(server: DiscordServer, client: ReadyClient) -> AsyncIterator[ReadyClient]:
    """Start ``client`` against ``server``, wait for ``on_ready``, close it afterwards."""
    task = asyncio.create_task(client.start(server.token))
    ready = asyncio.create_task(client.ready.wait())
    done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task.done():
            task.result()
        raise TimeoutError("on_ready did not fire")
    try:
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
def server() -> Iterator[DiscordServer]:
    with DiscordServer() as server, server.patch_discord_py():
        yield server


@pytest.fixture
def guild_id(server: DiscordServer) -> int:
    return server.add_guild("Haberci", text_channels=("genel", "haberler"))


def text_channel(client: discord.Client, channel_id: int) -> discord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


# --- login and gateway ----------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
async def test_client_logs_in_and_sees_guilds(compress: bool) -> None:
    with DiscordServer(compress_gateway=compress) as server, server.patch_discord_py():
        gid = server.add_guild("Haberci", text_channels=("genel", "haberler"))
        async with running(server, ReadyClient()) as client:
            assert client.user is not None and client.user.id == server.bot_id
            assert client.application_id == server.application_id
            guild = client.get_guild(gid)
            assert guild is not None and guild.name == "Haberci"
            assert [c.name for c in guild.text_channels] == ["genel", "haberler"]
            assert guild.owner_id == DEFAULT_USER_ID
            me = guild.me
            assert me is not None and guild.text_channels[0].permissions_for(me).send_messages
            new_id = server.add_text_channel(gid, "son-dakika")  # CHANNEL_CREATE
            await server.wait_until_async(lambda: client.get_channel(new_id), 2, "the channel")
        stats = server.gateway_stats
        assert stats.identifies == 1 and stats.heartbeats >= 1
        assert stats.compressed_connections == int(compress)
        assert stats.dispatched[:2] == ("READY", "GUILD_CREATE")
        routes = [r.route for r in server.requests]
        assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
        assert server.unknown_routes == []


async def test_wrong_token_is_a_login_failure(server: DiscordServer) -> None:
    client = ReadyClient()
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert server.requests[-1].status == 401


async def test_resume_after_reconnect_and_identify_after_invalid_session(
    server: DiscordServer, guild_id: int
) -> None:
    client = ReadyClient()
    answers: list[str] = []

    @client.tree.command(name="ping", description="Ping")
    async def ping(interaction: Interaction) -> None:
        answers.append("pong")
        await interaction.response.send_message("pong")

    async with running(server, client):
        await client.tree.sync()
        server.reconnect_gateway()
        await server.wait_until_async(
            lambda: (server.gateway_stats.resumes == 1 and server.gateway_stats.connected) or None,
            5,
            "a RESUME",
        )
        reply = await server.interact("ping")
        assert reply.content == "pong"
        server.invalidate_session()
        await server.wait_for_gateway_async(identifies=2)
        reply = await server.interact("ping")
        assert reply.content == "pong" and answers == ["pong", "pong"]
        assert server.gateway_stats.connections == 3


async def test_resume_replays_what_a_dropped_connection_missed(server: DiscordServer) -> None:
    server.add_guild()
    url = f"{server.gateway_url}?v=10&encoding=json"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            hello = await ws.receive_json()
            await ws.send_json({"op": 1, "d": None})
            ack = await ws.receive_json()
            await ws.send_json({"op": 2, "d": {"token": server.token, "intents": 1}})
            ready, guild_create = await ws.receive_json(), await ws.receive_json()
            await ws.close(code=4000)  # a dropped connection: the session stays resumable
        server.dispatch("TYPING_START", {"channel_id": "1", "user_id": "2"})
        async with session.ws_connect(url) as ws:
            await ws.receive_json()  # HELLO
            session_id = ready["d"]["session_id"]
            await ws.send_json(
                {"op": 6, "d": {"token": server.token, "session_id": session_id, "seq": 2}}
            )
            missed, resumed = await ws.receive_json(), await ws.receive_json()
        async with session.ws_connect(url) as ws:
            await ws.receive_json()  # HELLO
            await ws.send_json({"op": 6, "d": {"token": server.token, "session_id": "x", "seq": 0}})
            invalid = await ws.receive_json()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250 and ack["op"] == 11
    assert (ready["t"], ready["s"], guild_create["t"], guild_create["s"]) == (
        "READY",
        1,
        "GUILD_CREATE",
        2,
    )
    assert ready["d"]["resume_gateway_url"] == server.gateway_url
    assert guild_create["d"]["members"][0]["user"]["id"] == str(server.bot_id)
    assert (missed["t"], missed["s"], resumed["t"], resumed["s"]) == (
        "TYPING_START",
        3,
        "RESUMED",
        4,
    )
    assert invalid == {"op": 9, "d": False, "s": None, "t": None}
    assert server.gateway_stats.resumes == 1


# --- application commands -------------------------------------------------------------------


def add_commands(client: ReadyClient, guild_id: int) -> None:
    """/topic (autocomplete), /stats (guild, MANAGE_GUILD), /channel add|remove, /bulk."""
    tree = client.tree

    @tree.command(name="topic", description="Stories about one topic")
    @app_commands.describe(slug="The topic's slug")
    async def topic(interaction: Interaction, slug: str) -> None:
        embed = discord.Embed(title=f"Topic {slug}", description=f"for {interaction.user.id}")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @topic.autocomplete("slug")
    async def topic_slug(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=s, value=s) for s in SLUGS if s.startswith(current)]

    @tree.command(name="bulk", description="Too many choices")
    async def bulk(interaction: Interaction, word: str) -> None:
        await interaction.response.send_message(word)

    @bulk.autocomplete("word")
    async def bulk_word(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"w{i}", value=f"w{i}") for i in range(30)]

    @tree.command(name="stats", description="Numbers", guild=discord.Object(guild_id))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(interaction: Interaction) -> None:
        await interaction.response.send_message("stats")

    channel = app_commands.Group(
        name="channel",
        description="Digest channels",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @channel.command(name="add", description="Send digests to a channel")
    async def channel_add(
        interaction: Interaction,
        target: discord.TextChannel,
        hour: app_commands.Range[int, 0, 23] = 8,
    ) -> None:
        admin = interaction.permissions.manage_guild
        await interaction.response.send_message(f"#{target.name} at {hour} admin={admin}")

    @channel.command(name="remove", description="Stop digests in a channel")
    async def channel_remove(interaction: Interaction, target: discord.TextChannel) -> None:
        await interaction.response.send_message(f"removed #{target.name}")

    tree.add_command(channel)


async def test_command_tree_sync_is_recorded(server: DiscordServer, guild_id: int) -> None:
    client = ReadyClient()
    add_commands(client, guild_id)
    async with running(server, client):
        synced_global = await client.tree.sync()
        synced_guild = await client.tree.sync(guild=discord.Object(guild_id))
    assert sorted(c.name for c in synced_global) == ["bulk", "channel", "topic"]
    assert [c.name for c in synced_guild] == ["stats"]
    topic = server.command("topic")
    assert topic is not None and topic["id"] == str(
        next(c.id for c in synced_global if c.name == "topic")
    )
    assert topic["options"][0]["name"] == "slug" and topic["options"][0]["autocomplete"] is True
    assert topic["options"][0]["required"] is True
    stats = server.command("stats", guild_id=guild_id)
    assert stats is not None and stats["default_member_permissions"] == str(MANAGE_GUILD)
    assert stats["contexts"] == [0] and stats["guild_id"] == str(guild_id)
    channel = server.command("channel")
    assert channel is not None and channel["dm_permission"] is False
    assert [o["name"] for o in channel["options"]] == ["add", "remove"]
    add = channel["options"][0]
    assert add["type"] == 1 and [o["name"] for o in add["options"]] == ["target", "hour"]
    assert add["options"][1]["min_value"] == 0 and add["options"][1]["max_value"] == 23
    assert server.command_syncs == [(None, ["topic", "bulk", "channel"]), (guild_id, ["stats"])]


async def test_invalid_command_sync_is_rejected(server: DiscordServer, guild_id: int) -> None:
    client = ReadyClient()

    @client.tree.command(name="topic", description="x" * 101)
    async def topic(interaction: Interaction) -> None:
        await interaction.response.send_message("never")

    async with running(server, client):
        with pytest.raises(app_commands.CommandSyncFailure) as raised:
            await client.tree.sync()
    assert raised.value.code == 50035
    assert server.commands() == []


async def test_slash_command_ephemeral_embed(server: DiscordServer, guild_id: int) -> None:
    client = ReadyClient()
    add_commands(client, guild_id)
    async with running(server, client):
        await client.tree.sync()
        pushed = server.push_command("topic", {"slug": "s400"})
        reply = await server.wait_for_response_async(pushed)
    assert reply.type == 4 and reply.ephemeral and reply.flags == 64
    assert reply.embeds[0]["title"] == "Topic s400"
    assert reply.embeds[0]["description"] == f"for {DEFAULT_USER_ID}"
    [message] = server.interaction_messages(pushed)
    assert message.source == "interaction" and message.ephemeral
    assert message.channel_id == server.text_channels(guild_id)[0]
    assert server.requests_for(INTERACTION_CALLBACK)[0].query == {"with_response": "1"}


async def test_subcommand_options_and_member_permissions(
    server: DiscordServer, guild_id: int
) -> None:
    genel, haberler = server.text_channels(guild_id)
    moderator_role = server.add_role(guild_id, "moderator", permissions=MANAGE_GUILD)
    moderator = server.add_user("mod")
    reader = server.add_user("okur")
    server.add_member(guild_id, moderator, roles=[moderator_role])
    server.add_member(guild_id, reader)
    client = ReadyClient()
    add_commands(client, guild_id)
    async with running(server, client):
        await client.tree.sync()
        by_owner = await server.interact("channel add", {"target": haberler, "hour": 9})
        by_moderator = await server.interact(
            "channel add", {"target": genel}, user_id=moderator, channel_id=haberler
        )
        with pytest.raises(PermissionError):
            server.push_command("channel add", {"target": genel}, user_id=reader)
        by_reader = await server.interact(
            "channel remove", {"target": genel}, user_id=reader, check_permissions=False
        )
        with pytest.raises(ValueError, match="out of range"):
            server.push_command("channel add", {"target": genel, "hour": 24})
    assert by_owner.content == "#haberler at 9 admin=True"
    assert by_moderator.content == "#genel at 8 admin=True"
    assert by_reader.content == "removed #genel"
    assert server.channel_permissions(genel, reader) & MANAGE_GUILD == 0


async def test_autocomplete_round_trip(server: DiscordServer, guild_id: int) -> None:
    client = ReadyClient()
    add_commands(client, guild_id)
    async with running(server, client):
        await client.tree.sync()
        reply = await server.wait_for_response_async(server.push_autocomplete("topic", "slug", "s"))
        too_many = server.push_autocomplete("bulk", "word", "w")
        callback = await server.wait_until_async(
            lambda: next(
                (r for r in server.requests_for(INTERACTION_CALLBACK) if r.status == 400), None
            ),
            5,
            "the rejected autocomplete",
        )
    assert reply.type == 8
    assert [c["name"] for c in reply.choices] == ["s400", "s500", "suriye", "secim"]
    assert callback.code == 50035 and len(callback.json["data"]["choices"]) == 30
    assert server.response(too_many) is None


async def test_defer_then_followups_and_edit(server: DiscordServer, guild_id: int) -> None:
    client = ReadyClient()
    seen: list[str] = []

    @client.tree.command(name="digest", description="Today's digest")
    async def digest(interaction: Interaction) -> None:
        await interaction.response.defer(thinking=True)
        first = await interaction.followup.send("ilk", wait=True)
        second = await interaction.followup.send("ikinci", ephemeral=True, wait=True)
        await interaction.edit_original_response(content="ilk (güncel)")
        original = await interaction.original_response()
        seen.extend([str(first.id), str(second.id), original.content])

    async with running(server, client):
        await client.tree.sync()
        pushed = server.push_command("digest")
        reply = await server.wait_for_response_async(pushed)
        await server.wait_until_async(lambda: len(seen) == 3 or None, 5, "the command to finish")
    assert reply.deferred and not reply.ephemeral
    original, second = server.interaction_messages(pushed)
    assert seen == [str(original.id), str(second.id), "ilk (güncel)"]
    assert original.content == "ilk (güncel)" and not original.loading and not original.ephemeral
    assert second.source == "followup" and second.content == "ikinci" and second.ephemeral


async def test_answer_after_the_deadline_is_unknown_interaction(guild_id: int) -> None:
    del guild_id  # the fixture's server is not the one used here
    clock = ManualClock()
    outcome: list[BaseException] = []
    go = asyncio.Event()
    with DiscordServer(clock=clock) as server, server.patch_discord_py():
        server.add_guild()
        client = ReadyClient()

        @client.tree.command(name="slow", description="Answers late")
        async def slow_command(interaction: Interaction) -> None:
            await go.wait()
            try:
                await interaction.response.send_message("late")
            except discord.NotFound as exc:
                outcome.append(exc)

        async with running(server, client):
            await client.tree.sync()
            server.push_command("slow")
            clock.advance(3.5)
            go.set()
            await server.wait_until_async(lambda: outcome or None, 5, "the late answer")
    assert isinstance(outcome[0], discord.NotFound) and outcome[0].code == 10062


# --- channel messages -----------------------------------------------------------------------


async def test_channel_send_embed_and_file_then_edit(server: DiscordServer, guild_id: int) -> None:
    genel = server.text_channels(guild_id)[0]
    async with running(server, ReadyClient()) as client:
        embed = discord.Embed(title="Günün özeti", description="S-400 teslimatı")
        embed.add_field(name="Kaynak", value="AA, BBC Türkçe")
        file = discord.File(io.BytesIO(b"<opml/>"), filename="feeds.opml")
        sent = await text_channel(client, genel).send("digest", embed=embed, file=file)
        downloaded = await sent.attachments[0].read()
        await sent.edit(content="digest v2")
    [message] = server.sent_messages(genel)
    assert message.source == "channel" and message.content == "digest v2" and message.edits == 1
    assert message.embeds[0]["title"] == "Günün özeti"
    assert message.embeds[0]["fields"] == [
        {"name": "Kaynak", "value": "AA, BBC Türkçe", "inline": True}
    ]
    assert [(f.filename, f.data) for f in message.files] == [("feeds.opml", b"<opml/>")]
    assert downloaded == b"<opml/>" and sent.attachments[0].filename == "feeds.opml"
    assert "S-400 teslimatı" in message.text
    request = server.requests_for(SEND_MESSAGE)[0]
    assert request.json["content"] == "digest" and request.files[0].field == "files[0]"


async def test_direct_message_and_blocked_user(server: DiscordServer, guild_id: int) -> None:
    async with running(server, ReadyClient()) as client:
        user = await client.fetch_user(DEFAULT_USER_ID)
        await user.send("merhaba")
        server.block_dms(DEFAULT_USER_ID)
        with pytest.raises(discord.Forbidden) as raised:
            await user.send("tekrar")
    assert raised.value.code == 50007
    [message] = server.sent_messages(server.dm_channel(DEFAULT_USER_ID))
    assert message.content == "merhaba" and message.guild_id is None


async def test_fetch_routes(server: DiscordServer, guild_id: int) -> None:
    genel = server.text_channels(guild_id)[0]
    reader = server.add_user("okur", global_name="Okur")
    async with running(server, ReadyClient()) as client:
        channel = await client.fetch_channel(genel)
        guild = await client.fetch_guild(guild_id)
        owner = await guild.fetch_member(DEFAULT_USER_ID)
        channels = await guild.fetch_channels()
        with pytest.raises(discord.NotFound) as not_member:
            await guild.fetch_member(reader)
        with pytest.raises(discord.NotFound) as no_guild:
            await client.fetch_guild(42)
    assert isinstance(channel, discord.TextChannel) and channel.name == "genel"
    assert guild.name == "Haberci" and guild.approximate_member_count == 2
    assert owner.id == DEFAULT_USER_ID and owner.guild_permissions.manage_guild
    assert [c.name for c in channels] == ["genel", "haberler"]
    assert not_member.value.code == 10007 and no_guild.value.code == 10004


async def test_message_limits_are_enforced(server: DiscordServer, guild_id: int) -> None:
    genel = server.text_channels(guild_id)[0]
    async with running(server, ReadyClient()) as client:
        channel = text_channel(client, genel)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        big = discord.Embed(title="t", description="d" * 4000)
        for index in range(3):
            big.add_field(name=f"f{index}", value="v" * 1000)
        with pytest.raises(discord.HTTPException) as too_big:
            await channel.send(embed=big)
        await channel.send("x" * 2000)
    assert too_long.value.status == 400 and too_long.value.code == 50035
    assert "content" in too_long.value.text and "2000" in too_long.value.text
    assert too_big.value.code == 50035 and "6000" in too_big.value.text
    assert len(server.sent_messages(genel)) == 1


# --- failures and rate limits ---------------------------------------------------------------


async def test_429_with_via_is_retried_and_delivered_once(
    server: DiscordServer, guild_id: int
) -> None:
    genel = server.text_channels(guild_id)[0]
    async with running(server, ReadyClient()) as client:
        channel = text_channel(client, genel)
        server.fail_next(SEND_MESSAGE, channel_id=genel, error=rate_limited(0.2))
        started = time.monotonic()
        await channel.send("bir kez")
        waited = time.monotonic() - started
        server.fail_next(SEND_MESSAGE, error=rate_limited(0.1, is_global=True))
        await channel.send("global")
        server.fail_next(SEND_MESSAGE, error=rate_limited(0.1, via=False))
        with pytest.raises(discord.HTTPException) as banned:
            await channel.send("cloudflare")
    assert [m.content for m in server.sent_messages(genel)] == ["bir kez", "global"]
    assert [r.status for r in server.requests_for(SEND_MESSAGE)] == [429, 200, 429, 200, 429]
    assert waited >= 0.2 and server.sent_429_count == 3 and server.limit_429_count == 0
    assert banned.value.status == 429
    assert server.duplicates() == []


async def test_forbidden_and_not_found(server: DiscordServer, guild_id: int) -> None:
    genel, haberler = server.text_channels(guild_id)
    async with running(server, ReadyClient()) as client:
        server.fail_next(SEND_MESSAGE, channel_id=genel, error=missing_permissions())
        with pytest.raises(discord.Forbidden) as forbidden:
            await text_channel(client, genel).send("x")
        server.fail_next(SEND_MESSAGE, channel_id=genel, error=unknown_channel())
        with pytest.raises(discord.NotFound) as not_found:
            await text_channel(client, genel).send("x")
        server.set_overwrite(haberler, guild_id, deny=SEND_MESSAGES)  # CHANNEL_UPDATE
        guild = client.get_guild(guild_id)
        assert guild is not None and guild.me is not None
        me = guild.me
        await server.wait_until_async(
            lambda: not text_channel(client, haberler).permissions_for(me).send_messages or None,
            2,
            "the overwrite to reach the client",
        )
        with pytest.raises(discord.Forbidden) as denied:
            await text_channel(client, haberler).send("x")
        with pytest.raises(discord.NotFound) as gone:
            await client.http.send_message(1234, params=discord.http.handle_message_parameters("x"))
    assert forbidden.value.code == 50013 and not_found.value.code == 10003
    assert denied.value.code == 50013 and gone.value.code == 10003
    assert server.sent_messages() == []


async def test_rate_limit_headers_keep_discord_py_below_the_limit(guild_id: int) -> None:
    del guild_id  # the fixture's server is not the one used here
    limits = RateLimits(channel_messages=5, channel_messages_window=1.0)
    with DiscordServer(enforce_limits=True, limits=limits) as server, server.patch_discord_py():
        genel = server.text_channels(server.add_guild())[0]
        async with running(server, ReadyClient()) as client:
            channel = text_channel(client, genel)
            started = time.monotonic()
            await asyncio.gather(*(channel.send(f"haber {i}") for i in range(20)))
            elapsed = time.monotonic() - started
    assert sorted(m.content for m in server.sent_messages(genel)) == sorted(
        f"haber {i}" for i in range(20)
    )
    assert server.limit_429_count == 0 and server.sent_429_count == 0
    assert elapsed >= 2.9  # four windows of five: discord.py waited for the resets


async def test_rate_limits_answer_429_to_a_client_that_ignores_headers() -> None:
    limits = RateLimits(global_per_second=7, channel_messages=5, channel_messages_window=5.0)
    with DiscordServer(enforce_limits=True, limits=limits) as server:
        genel = server.text_channels(server.add_guild())[0]
        headers = {"Authorization": f"Bot {server.token}"}
        url = f"{server.api_base}/channels/{genel}/messages"
        async with aiohttp.ClientSession(headers=headers) as session:
            answers = []
            for i in range(7):
                async with session.post(url, json={"content": f"m{i}"}) as response:
                    answers.append((response.status, dict(response.headers), await response.json()))
            async with session.get(f"{server.api_base}/users/@me") as response:
                global_status = response.status
                global_body = await response.json()
    statuses = [status for status, _, _ in answers]
    assert statuses == [200] * 5 + [429, 429]
    first_headers = answers[0][1]
    assert first_headers["X-RateLimit-Limit"] == "5"
    assert first_headers["X-RateLimit-Remaining"] == "4"
    assert float(first_headers["X-RateLimit-Reset-After"]) > 4.9
    assert first_headers["Content-Type"] == "application/json"
    _, headers_429, body_429 = answers[5]
    assert headers_429["Via"] and headers_429["X-RateLimit-Scope"] == "user"
    assert body_429["global"] is False and 0 < body_429["retry_after"] <= 5.0
    assert global_status == 429 and global_body["global"] is True
    assert server.limit_429_count == 3 and len(server.sent_messages(genel)) == 5


def test_rate_limiter_windows_follow_the_clock() -> None:
    clock = ManualClock()
    limiter = RateLimiter(RateLimits(channel_messages=2, channel_messages_window=5.0), clock)
    assert limiter.take("c", 2, 5.0).remaining == 1
    clock.advance(1.0)
    assert limiter.take("c", 2, 5.0).remaining == 0
    refused = limiter.take("c", 2, 5.0)
    assert not refused.allowed and refused.reset_after == pytest.approx(4.0)
    clock.advance(4.0)
    assert limiter.take("c", 2, 5.0).allowed


def test_hooks_reject_mistakes(server: DiscordServer, guild_id: int) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        server.fail_next("POST /channels/{id}/message", error=missing_permissions())
    with pytest.raises(RuntimeError, match="wait_for_gateway"):
        server.dispatch("TYPING_START", {})
    with pytest.raises(LookupError):
        server.push_command("topic")
