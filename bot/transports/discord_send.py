"""Discord messages out: digests and alerts to channels and DMs for the delivery ledger, and
the messages of slash command answers (embeds, "More" buttons, files).

Rate limits are discord.py's to follow: it waits as Discord's headers ask (5 messages per 5 s
in a channel) and retries a 429 after ``retry_after``. One limit it only learns of from a 429,
Discord's 50 requests per second for a bot; channel sends are spaced below it here. A chat
that cannot be reached any more (missing permissions or access, deleted, DMs closed) is
deactivated with a reason people can read; ``/channel list`` shows it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, runtime_checkable

import discord

from bot.pacing import Pacer
from bot.reply import Reply
from bot.transports.discord_embeds import (
    BUTTON_PREFIX,
    DiscordMessage,
    render_messages,
    split_blocks,
)
from storage import chats as chat_store

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("haberci.discord")

Interaction = discord.Interaction[discord.Client]
BeforeSend = Callable[[], Awaitable[None]]
NO_MENTIONS = discord.AllowedMentions.none()
# Discord's error codes for a chat that cannot be reached any more, and why, for people.
UNREACHABLE = {
    50001: "the bot cannot see this channel (Missing Access); give it View Channel and "
    "attach the channel again with /channel add",
    50013: "the bot may not post in this channel (Missing Permissions); give it View Channel, "
    "Send Messages and Embed Links and attach the channel again with /channel add",
    10003: "the channel was deleted (Unknown Channel)",
    50007: "this user does not accept direct messages from the bot (Cannot send messages to "
    "this user); a command in a direct message turns digests on again",
    # Discord drops the embeds of a bot without Embed Links; ours are then empty messages.
    50006: "the bot may not embed in this channel (Embed Links); give it Embed Links and "
    "attach the channel again with /channel add",
}
# Discord allows a bot 50 requests per second in all. discord.py learns of that limit only
# from a 429, then waits and retries: measured on the fake, a digest to 200 channels (16 at
# once) met 9 of them, each holding its item in flight meanwhile. Channel sends are spaced
# below the limit instead (500 channels: 0 429s, 44-45 sends/s with the ledger's writes).
SENDS_PER_SECOND = 48.0


def lacking(channel: discord.abc.GuildChannel, *, files: bool = False) -> list[str]:
    """The permissions the bot lacks to post embeds (and files) in a server channel, as far
    as the gateway has told it. Without Embed Links, Discord drops embeds silently."""
    me = channel.guild.me
    if me is None:
        return []
    allowed = channel.permissions_for(me)
    needed = [
        ("View Channel", allowed.view_channel),
        ("Send Messages", allowed.send_messages),
        ("Embed Links", allowed.embed_links),
    ]
    if files:
        needed.append(("Attach Files", allowed.attach_files))
    return [name for name, ok in needed if not ok]


@runtime_checkable
class ButtonRunner(Protocol):
    """A client that runs the command of a button pressed."""

    async def run_button(self, interaction: Interaction, command: str) -> None: ...


class CommandButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.compile(re.escape(BUTTON_PREFIX) + r"(?P<command>/.+)"),
):
    """A button that runs a command (``More`` → ``/topic s400 5 +5``). Its command is its
    custom_id, so buttons keep working after a restart."""

    def __init__(self, label: str, command: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.secondary, custom_id=BUTTON_PREFIX + command
            )
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls,
        interaction: Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> CommandButton:
        return cls(getattr(item, "label", None) or "…", match["command"])

    async def callback(self, interaction: Interaction) -> None:
        client = interaction.client
        if isinstance(client, ButtonRunner):
            await client.run_button(interaction, self.command)


def message_content(message: DiscordMessage) -> dict[str, Any]:
    """discord.py's keyword arguments for one message: embeds, buttons, files, no mentions."""
    content: dict[str, Any] = {"embeds": list(message.embeds), "allowed_mentions": NO_MENTIONS}
    if message.buttons:
        view = discord.ui.View(timeout=None)
        for button in message.buttons:
            view.add_item(CommandButton(button.label, button.command))
        content["view"] = view
    if message.files:
        content["files"] = [
            discord.File(io.BytesIO(f.data), filename=f.filename) for f in message.files
        ]
    return content


class DiscordSender:
    """The sending side of the transport (:class:`bot.delivery.Sender`), for channels and DMs."""

    def __init__(self, app: App, client: discord.Client) -> None:
        self.app = app
        self.client = client
        self.pacer = Pacer.per_second(SENDS_PER_SECOND)

    def split(self, reply: Reply) -> list[Reply]:
        """The reply as parts of one message each (buttons and files go with the last), so
        that delivery can record each message's items on their own."""
        groups = split_blocks(reply.blocks, reply.kind) or [()]
        parts = [replace(reply, blocks=group, buttons=(), files=()) for group in groups]
        parts[-1] = replace(parts[-1], buttons=reply.buttons, files=reply.files)
        return parts

    async def send(self, chat_id: int, reply: Reply, before_send: BeforeSend | None = None) -> bool:
        """Send a reply to a channel or DM: its messages in order, buttons and files with the
        last. ``before_send`` is awaited once, when the first message's turn has come, just
        before it goes out. False when the chat cannot be reached (it is then deactivated,
        with the reason); other errors are raised (discord.py has already retried 429s and
        Discord's 5xx answers)."""
        if reply.silent:
            return True
        channel = self.client.get_channel(chat_id)
        missing = lacking(channel, files=bool(reply.files)) if _in_server(channel) else []
        if missing:
            reason = (
                f"the bot lacks {', '.join(missing)} in this channel; allow "
                f"{'it' if len(missing) == 1 else 'them'} and attach the channel again with "
                "/channel add"
            )
            await asyncio.to_thread(self._deactivate, chat_id, reason)
            return False
        target = self.client.get_partial_messageable(chat_id)
        hooks = [before_send] if before_send is not None else []
        try:
            for message in render_messages(reply):
                content = message_content(message)
                granted = await self.pacer.grant()
                while hooks:  # its turn has come: from now on it is in flight
                    await hooks.pop()()
                self.pacer.went(granted)
                await target.send(**content)
        except discord.HTTPException as exc:
            why = UNREACHABLE.get(exc.code) if exc.status in (400, 403, 404) else None
            if why is None:
                raise
            await asyncio.to_thread(self._deactivate, chat_id, f"Discord {exc.code}: {why}")
            return False
        return True

    def _deactivate(self, chat_id: int, reason: str) -> None:
        log.warning("discord chat %s deactivated: %s", chat_id, reason)
        with self.app.sessions.begin() as session:
            chat = chat_store.find_chat(session, "discord", str(chat_id))
            if chat is not None:
                chat_store.set_chat(session, chat.id, active=False, inactive_reason=reason)


def _in_server(channel: object) -> TypeGuard[discord.abc.GuildChannel]:
    return isinstance(channel, discord.abc.GuildChannel)
