"""The Discord transport (discord.py 2): slash commands in → the command layer → embeds out,
and digests and alerts to channels and direct messages through the delivery ledger. It only
translates; every command lives in bot/commands.

Chats: a server's text channel is a chat of kind ``channel`` (its id is the channel id); it
gets digests once a server admin or bot admin attaches it with ``/channel add``. A direct
message with the bot is a ``private`` chat (the DM channel id), registered by the first
command used there, with personal digests like a private Telegram chat. Answers to slash
commands follow each person's Discord language; what concerns one person only (settings,
following, their digest, errors and refusals) is shown to them alone in a server.

``DISCORD_API_BASE_URL`` and ``DISCORD_GATEWAY_URL`` point discord.py (``Route.BASE`` and
the gateway's default URL, process-wide: one Discord per process) at another endpoint.
Messages out (digests, alerts and the answers' messages) are discord_send.py's; the slash
commands are defined in discord_commands.py and rendered by discord_embeds.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.commands import Caller, Commands, Request
from bot.commands.core import ChannelError, ChannelInfo
from bot.i18n import language_for
from bot.i18n import text as text_of
from bot.reply import Attachment, Reply
from bot.transports.discord_commands import add_commands
from bot.transports.discord_embeds import render_messages
from bot.transports.discord_send import (
    NO_MENTIONS,
    BeforeSend,
    CommandButton,
    DiscordSender,
    lacking,
    message_content,
)

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("haberci.discord")

Interaction = discord.Interaction[discord.Client]
ANSWER_WITHIN_S = 2.0  # Discord wants an answer within 3 s; slower commands defer first
MAX_ATTACHMENT = 1024 * 1024  # an OPML file for /importopml, as on Telegram
LOGIN_RETRY_MAX_S = 60.0
FAILED = "Something went wrong on our side; it has been logged."


def point_discord_py_at(api_base_url: str, gateway_url: str) -> None:
    """Every REST URL discord.py builds (interaction callbacks and follow-ups included) starts
    at ``Route.BASE``; the gateway is reached at ``DiscordWebSocket.DEFAULT_GATEWAY`` (also
    after an invalidated session). Both are process-wide."""
    Route.BASE = api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class HaberciClient(discord.Client):
    """discord.py's client, with the guilds intent only: slash commands need no privileged
    intent (no message content, no member list)."""

    def __init__(self, transport: DiscordTransport, guild_ready_timeout: float) -> None:
        # haberci has no voice: discord.py's warnings about missing voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            max_messages=None,
            guild_ready_timeout=guild_ready_timeout,
            allowed_mentions=NO_MENTIONS,
        )
        self.transport = transport

    async def on_ready(self) -> None:
        log.info("discord connected as %s in %d server(s)", self.user, len(self.guilds))
        self.transport.ready.set()

    async def run_button(self, interaction: Interaction, command: str) -> None:
        await self.transport.answer(interaction, command)


class DiscordTransport:
    """haberci on Discord: slash commands answered through the command layer, and the
    :class:`bot.delivery.Sender` of Discord chats. ``answer_within``: seconds before a slow
    command defers; ``guild_ready_timeout``: discord.py's wait for servers at connection."""

    def __init__(
        self,
        app: App,
        commands: Commands | None = None,
        *,
        answer_within: float = ANSWER_WITHIN_S,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        token = app.settings.discord_bot_token
        if token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self._token = token
        self.app = app
        self.commands = commands or Commands(app)
        self.commands.channels["discord"] = self
        self.answer_within = answer_within
        point_discord_py_at(app.settings.discord_api_base_url, app.settings.discord_gateway_url)
        self.client = HaberciClient(self, guild_ready_timeout)
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
            self.client,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        )
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        add_commands(self.tree, self)
        self.client.add_dynamic_items(CommandButton)
        self.ready = asyncio.Event()
        self.failed: str | None = None  # why the transport stopped the service, if it did
        self.sender = DiscordSender(app, self.client)

    # --- life cycle -----------------------------------------------------------------------

    async def login(self, stop: asyncio.Event | None = None) -> bool:
        """Log in over REST (enough to send). A wrong token raises ``discord.LoginFailure``;
        an unreachable Discord is retried with backoff until ``stop``. False if stopped."""
        delay = 1.0
        while True:
            try:
                await self.client.login(self._token.get_secret_value())
                return True
            except discord.LoginFailure:
                raise
            except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
                if stop is None:
                    raise
                log.warning("discord login failed (%s); retrying in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return False
            delay = min(delay * 2, LOGIN_RETRY_MAX_S)

    async def sync_commands(self) -> None:
        """Publish the slash commands: to DISCORD_GUILD_IDS (at once), else globally."""
        guilds = self.app.settings.discord_guild_ids
        try:
            if not guilds:
                synced = await self.tree.sync()
                log.info("discord: %d slash commands synced globally", len(synced))
            for guild_id in guilds:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("discord: %d slash commands synced to %s", len(synced), guild_id)
        except (discord.HTTPException, app_commands.AppCommandError) as exc:
            log.error("discord: syncing the slash commands failed: %s", exc)

    async def run(self, stop: asyncio.Event) -> None:
        """Log in, sync the slash commands and stay on the gateway until ``stop``; ``ready``
        is set once the servers are known. A wrong token (or a gateway that gives up) stops
        the service, with the reason in ``failed``."""
        try:
            if await self.login(stop):
                await self.sync_commands()
                await self._stay_connected(stop)
        except discord.LoginFailure as exc:
            self._fail(f"{exc} (check DISCORD_BOT_TOKEN)")
        except discord.PrivilegedIntentsRequired as exc:
            self._fail(str(exc))
        except discord.ConnectionClosed as exc:
            self._fail(f"the gateway closed the connection: {exc}")
        finally:
            await self.close()
            if self.failed:  # only now: stopping the service cancels this task
                stop.set()

    async def _stay_connected(self, stop: asyncio.Event) -> None:
        connection = asyncio.create_task(self.client.connect(reconnect=True))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if connection.done() and not stopping.done():
                connection.result()  # raises why the gateway gave up
                self._fail("the gateway connection ended")
        finally:
            stopping.cancel()
            await self.close()
            connection.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connection

    def _fail(self, reason: str) -> None:
        log.error("discord: %s", reason)
        self.failed = reason

    async def close(self) -> None:
        await self.client.close()

    # --- slash commands in ----------------------------------------------------------------

    def caller(self, interaction: Interaction) -> Caller:
        """Who asked, from which chat. In a server: the channel, with Manage Server making
        the person its administrator; in a direct message: the person's own chat."""
        user = interaction.user
        language = str(interaction.locale)
        if interaction.guild_id is None:
            return Caller(
                platform="discord",
                user_id=str(user.id),
                chat_id=str(interaction.channel_id),
                chat_kind="private",
                chat_title=user.name,
                language_code=language,
            )
        name = getattr(interaction.channel, "name", None)
        guild = interaction.guild
        title = f"#{name}" if name else None
        if title and guild is not None:
            title = f"{title} · {guild.name}"
        return Caller(
            platform="discord",
            user_id=str(user.id),
            chat_id=str(interaction.channel_id),
            chat_kind="channel",
            chat_title=title,
            language_code=language,
            chat_admin=interaction.permissions.manage_guild,
            server=str(interaction.guild_id),
            personal_language=True,
        )

    async def answer(
        self,
        interaction: Interaction,
        *texts: str,
        attachment: discord.Attachment | None = None,
    ) -> None:
        """Run the commands in order through the command layer (stopping at the first that
        is not an answer; an attached file goes with them) and answer with the reply: at
        once when it comes within ``answer_within``, else after a deferral ("thinking…")."""
        work = asyncio.create_task(self._handle(self.caller(interaction), texts, attachment))
        done, _ = await asyncio.wait({work}, timeout=self.answer_within)
        deferred = not done
        if deferred:
            try:
                await interaction.response.defer(thinking=True)
            except discord.HTTPException as exc:  # too late: Discord forgot the interaction
                log.error("discord: /%s could not be deferred: %s", _name(interaction), exc)
                await asyncio.wait({work})
                return
        try:
            reply = await work
        except Exception:
            log.exception("discord: %s failed", texts)
            reply = Reply.text(FAILED, kind="error")
        await self._respond(interaction, reply, deferred)

    async def _handle(
        self, caller: Caller, texts: tuple[str, ...], file: discord.Attachment | None
    ) -> Reply:
        attachment = None
        if file is not None:
            if file.size > MAX_ATTACHMENT:
                language = language_for(caller.language_code)
                return Reply.text(text_of(language, "file_too_large"), kind="error")
            attachment = Attachment(file.filename, await file.read())
        reply = Reply()
        for text in texts:
            reply = await self.commands.handle(Request(text, caller, attachment))
            if reply.kind != "answer":
                break
        return reply

    async def _respond(self, interaction: Interaction, reply: Reply, deferred: bool) -> None:
        """The reply as the interaction's answer and follow-ups, one message each. In a
        server, what concerns the asker only is ephemeral (a public "thinking…" message is
        then removed first)."""
        if reply.silent:
            reply = Reply.text("—")
        private = reply.private or reply.kind != "answer"
        ephemeral = interaction.guild_id is not None and private
        followups_only = deferred
        if deferred and ephemeral:
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        try:
            for index, message in enumerate(render_messages(reply)):
                content = message_content(message)
                if index == 0 and not followups_only:
                    await interaction.response.send_message(ephemeral=ephemeral, **content)
                else:
                    await interaction.followup.send(ephemeral=ephemeral, wait=True, **content)
        except discord.HTTPException as exc:
            log.error("discord: answering /%s failed: %s", _name(interaction), exc)

    async def _on_command_error(
        self, interaction: Interaction, error: app_commands.AppCommandError
    ) -> None:
        """An option Discord sent that cannot be read gets a short answer saying which; any
        other failure is logged."""
        if isinstance(error, app_commands.TransformerError):
            message = f"Cannot use {error.value!r} here: {error}."
        else:
            log.error("discord: /%s failed: %s", _name(interaction), error, exc_info=error)
            message = FAILED
        if not interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(message, ephemeral=True)

    # --- messages out (bot.delivery.Sender) -----------------------------------------------

    def split(self, reply: Reply) -> list[Reply]:
        """The reply as parts of one message each (see :class:`DiscordSender`)."""
        return self.sender.split(reply)

    async def send(self, chat_id: int, reply: Reply, before_send: BeforeSend | None = None) -> bool:
        """Send a reply to a channel or DM (see :meth:`DiscordSender.send`)."""
        return await self.sender.send(chat_id, reply, before_send)

    # --- channels for /channel ------------------------------------------------------------

    async def check_channel(self, reference: str) -> ChannelInfo:
        """A server text channel (by id or <#id>) where the bot can see, post and embed."""
        ref = reference.strip().removeprefix("<#").removesuffix(">")
        if not ref.isdigit():
            raise ChannelError("choose the channel in /channel add (or give its id)")
        channel = self.client.get_channel(int(ref))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(ref))
            except discord.NotFound:
                raise ChannelError("no such channel, or the bot is not in its server") from None
            except discord.HTTPException as exc:
                raise ChannelError(f"Discord says: {exc.text or exc}") from None
        if not isinstance(channel, discord.TextChannel):
            raise ChannelError("that is not a server's text channel")
        if channel.guild.me is None:
            raise ChannelError("the bot is not in that channel's server")
        missing = lacking(channel)
        if missing:
            raise ChannelError(
                f"the bot lacks {', '.join(missing)} in #{channel.name}; allow "
                f"{'it' if len(missing) == 1 else 'them'} in the channel's permissions and "
                "try again"
            )
        return ChannelInfo(
            str(channel.id),
            "channel",
            f"#{channel.name} · {channel.guild.name}",
            server=str(channel.guild.id),
        )

    def server_of(self, external_id: str) -> str | None:
        """The server of a channel the gateway knows (None for DMs and unknown channels)."""
        if not external_id.isdigit():
            return None
        channel = self.client.get_channel(int(external_id))
        if isinstance(channel, discord.abc.GuildChannel):
            return str(channel.guild.id)
        return None


def _name(interaction: Interaction) -> str:
    command = interaction.command
    return command.qualified_name if command is not None else "?"
