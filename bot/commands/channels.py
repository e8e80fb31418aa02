"""/channel add|list|remove: digests for channels and groups, attached by the bot's admins."""

from __future__ import annotations

import re

from bot.clock_times import parse_clock_times
from bot.commands.core import ChannelError, Command, Context, ServerChannels, UsageError
from bot.commands.reading import resolve_topic
from bot.reply import Heading, Paragraph, Reply
from storage import chats as chat_store
from storage.chats import NewChat

_TIMES = re.compile(r"^\d{1,2}[:.]\d{2}(,\d{1,2}[:.]\d{2})*$")
USAGE = "/channel add @name|id [08:00,20:00] [topic…] · /channel list · /channel remove @name|id"


async def channel(context: Context) -> Reply:
    if not context.args:
        raise UsageError("")
    action, rest = context.args[0].lower(), list(context.args[1:])
    if action == "list":
        return _list(context)
    if action not in ("add", "remove") or not rest:
        raise UsageError("")
    access = context.commands.channels.get(context.caller.platform)
    if access is None:
        return Reply.text(
            "Channels and groups are attached from a chat with the bot on Telegram or Discord, "
            f"not from {context.caller.platform}.",
            kind="error",
        )
    try:
        info = await access.check_channel(rest[0])
    except ChannelError as exc:
        if action == "remove":  # a channel that removed the bot can still be detached
            if not _ours(context, _server_of(context, rest[0].strip())):
                return _not_this_server(rest[0])
            return _remove(context, rest[0].strip(), rest[0])
        return Reply.text(f"Cannot use {rest[0]}: {exc}", kind="error")
    if not _ours(context, info.server):
        return _not_this_server(info.title or rest[0])
    if action == "remove":
        return _remove(context, info.external_id, info.title or rest[0])
    times = context.app.settings.digest_times
    topics: list[str] = []
    for arg in rest[1:]:
        if _TIMES.match(arg):
            try:
                times = ",".join(parse_clock_times(arg))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        else:
            topics.append(resolve_topic(context, arg).slug)
    with context.app.sessions.begin() as session:
        chat, _ = chat_store.ensure_chat(
            session,
            NewChat(
                platform=context.caller.platform,
                external_id=info.external_id,
                kind=info.kind,
                title=info.title,
                language=context.chat.language,
                timezone=context.app.settings.timezone,
                digest_times=times,
            ),
            context.now,
        )
        chat_store.set_chat(
            session, chat.id, digest_times=times, next_digest_at=None, title=info.title
        )
        if topics:
            chat_store.follow(session, chat.id, topics)
        followed = chat_store.followed(session, chat.id)
    name = info.title or rest[0]
    return Reply.text(
        f"Attached {name} ({info.kind}): digests at {times.replace(',', ', ')} "
        f"({context.app.settings.timezone}), topics: {', '.join(followed) or 'all'}."
    )


def _list(context: Context) -> Reply:
    with context.app.sessions() as session:
        chats = [
            c
            for c in chat_store.list_chats(session)
            if c.kind != "private" and c.platform == context.caller.platform
        ]
    if not context.is_admin:  # a server's administrator: that server's channels only
        chats = [c for c in chats if _ours(context, _server_of(context, c.external_id))]
    if not chats:
        return Reply.text("No channel or group is attached. Add one with /channel add @name.")
    lines = []
    for c in chats:
        state = "active" if c.active else f"inactive: {c.inactive_reason or '?'}"
        lines.append(
            f"{c.title or c.external_id} ({c.kind}, {c.external_id}) — "
            f"{', '.join(c.times) or 'no digests'}; topics: {', '.join(c.topics) or 'all'}; {state}"
        )
    return Reply((Heading("Channels and groups"), Paragraph("\n".join(lines))))


def _server_of(context: Context, external_id: str) -> str | None:
    access = context.commands.channels.get(context.caller.platform)
    return access.server_of(external_id) if isinstance(access, ServerChannels) else None


def _ours(context: Context, server: str | None) -> bool:
    """Bot admins manage every channel; a server's administrators only their server's."""
    return context.is_admin or (server is not None and server == context.caller.server)


def _not_this_server(name: str) -> Reply:
    return Reply.text(
        f"{name} is not a channel of this server: a server's administrators manage their own "
        "server's channels only.",
        kind="refusal",
    )


def _remove(context: Context, external_id: str, name: str) -> Reply:
    with context.app.sessions.begin() as session:
        chat = chat_store.find_chat(session, context.caller.platform, external_id)
        if chat is None or not chat.active:
            return Reply.text(f"{name} is not attached.", kind="error")
        chat_store.set_chat(
            session, chat.id, active=False, inactive_reason=f"removed by {context.caller.key}"
        )
    return Reply.text(f"Removed {name}: no more digests there.")


COMMANDS = (Command("channel", channel, USAGE, admin=True, aliases=("kanal",), server_admins=True),)
