"""The transport-neutral command layer: parse a message, check who may run it, run it.

A transport turns a platform update into a ``Request`` (the text, who sent it from which chat,
an attached file) and renders the ``Reply`` that :meth:`Commands.handle` returns. Commands
never see a platform object.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.i18n import HELP, language_for, text
from bot.reply import Attachment, Heading, Paragraph, Reply
from storage import chats as chat_store
from storage.chats import ChatRecord, NewChat

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("haberci.commands")
NOT_ATTACHED = "not attached yet: a server admin attaches it with /channel add"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who wrote, from which chat. ``chat_admin``: the platform says this user administers
    this group or channel (Telegram getChatMember, Discord Manage Server)."""

    platform: str
    user_id: str
    chat_id: str
    chat_kind: str = "private"  # private, group, supergroup, channel
    chat_title: str | None = None
    language_code: str | None = None
    chat_admin: bool = False
    # The server this chat is a channel of (a Discord guild id). Such a channel gets digests
    # only once attached with /channel add, and its server's administrators (``chat_admin``)
    # may attach that server's channels.
    server: str | None = None
    # Answer in this person's own language (``language_code``) rather than the chat's: where
    # each answer is shown to the one who asked, as Discord's slash commands are.
    personal_language: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Request:
    text: str
    caller: Caller
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    name: str
    args: tuple[str, ...]
    rest: str  # the arguments as typed


class UsageError(ValueError):
    """A command's arguments are wrong; the message says how to write them."""


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel or group as its platform describes it."""

    external_id: str
    kind: str
    title: str | None
    server: str | None = None  # the server the channel belongs to (Discord guild id)


class ChannelError(ValueError):
    """The channel cannot be used (unknown, or the bot may not post there), with the reason."""


class ChannelAccess(Protocol):
    """What a transport offers the command layer about its channels and groups."""

    async def check_channel(self, reference: str) -> ChannelInfo: ...


@runtime_checkable
class ServerChannels(Protocol):
    """Offered too by a transport whose channels belong to servers (Discord): the server of
    a registered channel, so that a server's administrators see and manage only theirs."""

    def server_of(self, external_id: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Context:
    app: App
    caller: Caller
    chat: ChatRecord
    args: tuple[str, ...]
    rest: str
    now: datetime
    commands: Commands
    attachment: Attachment | None = None

    @property
    def language(self) -> str:
        return self.chat.language

    def t(self, key: str, /, **values: object) -> str:
        return text(self.chat.language, key, **values)

    @property
    def is_admin(self) -> bool:
        """A bot admin: listed in HABERCI_ADMINS, or the person at the console (who runs the
        process anyway)."""
        return self.caller.platform == "console" or self.caller.key in self.app.settings.admins

    @property
    def manages_server(self) -> bool:
        """An administrator of the server this chat is a channel of (Discord: Manage Server)."""
        return self.caller.server is not None and self.caller.chat_admin


Handler = Callable[[Context], Reply | Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    usage: str
    admin: bool = False
    # Changes a group's or channel's own settings: its administrators may run it there.
    chat_setting: bool = False
    aliases: tuple[str, ...] = ()
    # An admin command that a server's administrators may also run, for their own server.
    server_admins: bool = False


def parse_command(message: str, bot_username: str | None = None) -> Parsed | None:
    """``/topic@haberci_bot s400 5`` → ``Parsed("topic", ("s400", "5"), "s400 5")``. None when
    the text is not a command, or is addressed to another bot (``/topic@other_bot``)."""
    message = message.strip()
    if not message.startswith("/") or len(message) < 2:
        return None
    head, _, rest = message[1:].partition(" ")
    name, _, target = head.partition("@")
    if target and bot_username and target.lower() != bot_username.lower().lstrip("@"):
        return None
    rest = rest.strip()
    try:
        args = tuple(shlex.split(rest))
    except ValueError:  # an unbalanced quote: take the words as typed
        args = tuple(rest.split())
    return Parsed(name.lower(), args, rest)


@dataclass
class Commands:
    """Every command, and the one entry point transports call."""

    app: App
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    bot_username: str | None = None
    registry: dict[str, Command] = field(default_factory=dict)
    # Per platform, how to look up and check a channel (registered by its transport).
    channels: dict[str, ChannelAccess] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from bot.commands import admin, channels, reading, subscriptions

        for module in (subscriptions, reading, admin, channels):
            for command in module.COMMANDS:
                for name in (command.name, *command.aliases):
                    self.registry[name] = command

    def visible(self, admin: bool) -> list[Command]:
        seen: dict[str, Command] = {}
        for command in self.registry.values():
            if admin or not command.admin:
                seen.setdefault(command.name, command)
        return list(seen.values())

    async def handle(self, request: Request) -> Reply:
        """Answer one message. Never raises for bad input: unknown commands get help, wrong
        arguments get the usage, refusals say why; an internal error is logged and answered."""
        parsed = parse_command(request.text, self.bot_username)
        if parsed is None and request.text.strip().startswith("/"):
            return Reply()  # a command for another bot in the group: not ours to answer
        command = self.registry.get(parsed.name) if parsed is not None else None
        chat = await asyncio.to_thread(self._chat_for, request.caller, command)
        if request.caller.personal_language:
            chat = replace(chat, language=language_for(request.caller.language_code))
        if parsed is None:
            return Reply.text(text(chat.language, "not_a_command"))
        context = Context(
            self.app,
            request.caller,
            chat,
            parsed.args,
            parsed.rest,
            self.clock(),
            self,
            request.attachment,
        )
        if command is None:
            return self.help_reply(context, unknown=parsed.name)
        if command.admin and not (
            context.is_admin or (command.server_admins and context.manages_server)
        ):
            log.warning("refused admin command /%s from %s", command.name, request.caller.key)
            return Reply.text(context.t("admins_only", name=command.name), kind="refusal")
        if (
            command.chat_setting
            and request.caller.chat_kind != "private"
            and not (request.caller.chat_admin or context.is_admin)
        ):
            return Reply.text(context.t("group_admins_only"), kind="refusal")
        try:
            result = command.handler(context)
            reply = await result if isinstance(result, Awaitable) else result
        except UsageError as exc:
            usage = context.t("usage", usage=command.usage)
            problem = (str(exc), usage) if str(exc) else (usage,)
            return Reply.text(*problem, kind="error")
        except Exception:
            log.exception("command /%s failed for %s", command.name, request.caller.key)
            return Reply.text("Something went wrong on our side; it has been logged.", kind="error")
        if command.admin:
            log.info("admin %s ran /%s %s", request.caller.key, command.name, parsed.rest)
        return reply

    def _chat_for(self, caller: Caller, command: Command | None) -> ChatRecord:
        settings = self.app.settings
        new = NewChat(
            platform=caller.platform,
            external_id=caller.chat_id,
            kind=caller.chat_kind,
            title=caller.chat_title,
            language=language_for(caller.language_code),
            timezone=settings.timezone,
            digest_times=settings.digest_times,
        )
        if caller.server is not None:
            return self._server_channel(caller, command, new)
        with self.app.sessions.begin() as session:
            chat, _ = chat_store.ensure_chat(session, new, self.clock())
        return chat

    def _server_channel(self, caller: Caller, command: Command | None, new: NewChat) -> ChatRecord:
        """A server's channel gets digests only once attached (/channel add): a command used
        there neither registers it for digests nor reactivates it (after /channel remove, or
        when the bot lost its permissions there). Its administrators may set it up before
        attaching it; it is then registered, inactive until attached."""
        with self.app.sessions() as session:
            found = chat_store.find_chat(session, new.platform, new.external_id)
        if found is not None:
            return found
        now = self.clock()
        configures = (
            command is not None
            and command.chat_setting
            and (caller.chat_admin or caller.key in self.app.settings.admins)
        )
        if not configures:  # not stored: nothing about this channel is kept
            return ChatRecord(
                id=0,
                platform=new.platform,
                external_id=new.external_id,
                kind=new.kind,
                title=new.title,
                language=new.language,
                timezone=new.timezone,
                digest_times=new.digest_times,
                alerts=False,
                active=False,
                inactive_reason=NOT_ATTACHED,
                created_at=now,
                last_digest_at=None,
                next_digest_at=None,
            )
        with self.app.sessions.begin() as session:
            chat, _ = chat_store.ensure_chat(session, new, now)
            chat_store.set_chat(session, chat.id, active=False, inactive_reason=NOT_ATTACHED)
            stored = chat_store.get_chat(session, chat.id)
        assert stored is not None
        return stored

    def help_reply(self, context: Context, unknown: str | None = None) -> Reply:
        blocks: list[Heading | Paragraph] = []
        if unknown is not None:
            blocks.append(Paragraph(context.t("unknown_command", name=unknown)))
        lang = context.language if context.language in ("en", "tr") else "en"
        blocks.append(Heading(context.t("help_heading")))
        lines = [
            f"{c.usage} — {HELP[c.name][lang]}"  # type: ignore[index]
            for c in self.visible(admin=False)
        ]
        blocks.append(Paragraph("\n".join(lines)))
        if context.is_admin:
            blocks.append(Heading(context.t("admin_heading")))
            admin_lines = [
                f"{c.usage} — {HELP[c.name][lang]}"  # type: ignore[index]
                for c in self.visible(admin=True)
                if c.admin
            ]
            blocks.append(Paragraph("\n".join(admin_lines)))
        return Reply(tuple(blocks), kind="error" if unknown else "answer")
