"""The Telegram transport (python-telegram-bot 22, long polling): updates in → the command
layer → HTML messages out. It only translates; every command lives in bot/commands."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import (
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    Updater,
    filters,
)

from bot.commands import Caller, Commands, Request
from bot.commands.core import ChannelError, ChannelInfo
from bot.i18n import language_for
from bot.i18n import text as text_of
from bot.reply import Attachment, Reply
from bot.transports.telegram_html import render_messages, split_blocks
from bot.transports.telegram_limits import SendLimiter
from storage import chats as chat_store

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("haberci.telegram")

MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
MAX_ATTACHMENT = 1024 * 1024
SEND_ATTEMPTS = 4
Send = Callable[[int], Awaitable[object]]
BeforeSend = Callable[[], Awaitable[None]]
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(b.label, callback_data=b.command)
        for b in reply.buttons
        if len(b.command.encode()) <= MAX_CALLBACK_DATA
    ]
    return InlineKeyboardMarkup([buttons]) if buttons else None


class TelegramTransport:
    def __init__(self, app: App, commands: Commands | None = None) -> None:
        token = app.settings.telegram_bot_token
        if token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.commands = commands or Commands(app)
        self.commands.channels["telegram"] = self
        base = app.settings.telegram_api_base_url
        self.application: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token.get_secret_value())
            .base_url(base)
            .base_file_url(base.replace("/bot", "/file/bot", 1) if base.endswith("/bot") else base)
            .build()
        )
        self.application.add_handler(
            MessageHandler(
                (filters.TEXT | filters.Document.ALL) & ~filters.UpdateType.EDITED, self._on_message
            )
        )
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_error_handler(self._on_error)
        self.ready = asyncio.Event()
        self.limiter = SendLimiter()

    async def run(self, stop: asyncio.Event) -> None:
        """Long-poll until ``stop`` is set; ``ready`` is set once messages can be sent."""
        application = self.application
        await application.initialize()
        self.commands.bot_username = application.bot.username
        self.ready.set()
        await application.start()
        assert application.updater is not None
        await self._start_updates(application.updater)
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

    async def _start_updates(self, updater: Updater) -> None:
        """Long polling, or a webhook server when TELEGRAM_WEBHOOK_URL is set: PTB listens on
        TELEGRAM_WEBHOOK_LISTEN:PORT at the URL's path, registers the URL with Telegram and
        refuses any request without the secret token."""
        settings = self.commands.app.settings
        url = settings.telegram_webhook_url
        if url is None:
            await updater.start_polling(poll_interval=0)
            log.info("telegram polling as @%s", self.application.bot.username)
            return
        secret = settings.telegram_webhook_secret
        await updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(url).path.lstrip("/"),
            webhook_url=url,
            secret_token=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        )
        log.info(
            "telegram webhook for @%s on %s:%d",
            self.application.bot.username,
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
        )

    async def check_channel(self, reference: str) -> ChannelInfo:
        """Look up ``@name`` or a chat id and check that the bot may post there: an admin
        with the right to post in a channel, a member in a group."""
        ref: str | int = reference.strip()
        if isinstance(ref, str) and ref.lstrip("-").isdigit():
            ref = int(ref)
        bot = self.application.bot
        try:
            chat = await bot.get_chat(ref)
            member = await bot.get_chat_member(chat.id, bot.id)
        except TelegramError as exc:
            raise ChannelError(f"Telegram says: {exc}") from None
        if chat.type == Chat.PRIVATE:
            raise ChannelError("that is a private chat, not a channel or group")
        if chat.type == Chat.CHANNEL:
            can_post = member.status == ChatMember.OWNER or (
                member.status == ChatMember.ADMINISTRATOR
                and bool(getattr(member, "can_post_messages", False))
            )
            if not can_post:
                raise ChannelError(
                    "the bot is not an administrator allowed to post messages there; "
                    "add it as an admin with 'Post messages' and try again"
                )
        elif member.status in (ChatMember.LEFT, ChatMember.BANNED):
            raise ChannelError("the bot is not a member of that group; add it first")
        return ChannelInfo(str(chat.id), chat.type, chat.title or chat.username)

    async def _caller(self, update: Update) -> Caller:
        chat = update.effective_chat
        user = update.effective_user
        assert chat is not None
        user_id = str(user.id) if user else str(chat.id)
        admin = False
        if chat.type != Chat.PRIVATE and user is not None:
            try:
                member = await chat.get_member(user.id)
                admin = member.status in _ADMIN_STATUSES
            except TelegramError as exc:
                log.warning("getChatMember failed in %s: %s", chat.id, exc)
        return Caller(
            platform="telegram",
            user_id=user_id,
            chat_id=str(chat.id),
            chat_kind=chat.type,
            chat_title=chat.title or chat.username,
            language_code=user.language_code if user else None,
            chat_admin=admin,
        )

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        text = message.text or message.caption or ""
        if message.chat.type != Chat.PRIVATE and not text.startswith("/"):
            return  # in groups, only commands are for the bot
        attachment = None
        if message.document is not None:
            if (message.document.file_size or 0) > MAX_ATTACHMENT:
                language = language_for(
                    update.effective_user.language_code if update.effective_user else None
                )
                await self.send(message.chat_id, Reply.text(text_of(language, "file_too_large")))
                return
            file = await message.document.get_file()
            data = bytes(await file.download_as_bytearray())
            attachment = Attachment(message.document.file_name or "file", data)
        reply = await self.commands.handle(Request(text, await self._caller(update), attachment))
        await self.send(message.chat_id, reply)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        await query.answer()
        reply = await self.commands.handle(Request(query.data or "", await self._caller(update)))
        await self.send(query.message.chat.id, reply)

    def split(self, reply: Reply) -> list[Reply]:
        """The reply as parts of one message each (buttons and files go with the last), so
        that delivery can record each message's items on their own."""
        groups = split_blocks(reply.blocks) or [()]
        parts = [replace(reply, blocks=group, buttons=(), files=()) for group in groups]
        parts[-1] = replace(parts[-1], buttons=reply.buttons, files=reply.files)
        return parts

    async def send(self, chat_id: int, reply: Reply, before_send: BeforeSend | None = None) -> bool:
        """Send a reply: its messages in order (buttons on the last), then its files, each
        within Telegram's limits. ``before_send`` is awaited once, after the first message's
        turn has come and just before it goes out. Returns False when the chat cannot be
        reached (it is then deactivated, with the reason)."""
        if reply.silent:
            return True
        bot = self.application.bot
        previews = LinkPreviewOptions(is_disabled=not reply.previews)
        messages = render_messages(reply)
        target = [chat_id]  # a migrated group moves its id mid-reply

        def message(text: str, markup: InlineKeyboardMarkup | None) -> Send:
            return lambda to: bot.send_message(
                to,
                text,
                parse_mode=ParseMode.HTML,
                link_preview_options=previews,
                reply_markup=markup,
            )

        def document(attached: Attachment) -> Send:
            return lambda to: bot.send_document(
                to, InputFile(attached.data, filename=attached.filename)
            )

        sends = [
            message(text, _keyboard(reply) if index == len(messages) - 1 else None)
            for index, text in enumerate(messages)
        ] + [document(attached) for attached in reply.files]
        hooks = [before_send] if before_send is not None else []
        try:
            for send in sends:
                await self._with_retries(target, send, hooks)
        except Forbidden as exc:
            await asyncio.to_thread(self._deactivate, target[0], str(exc))
            return False
        return True

    async def _with_retries(self, target: list[int], call: Send, hooks: list[BeforeSend]) -> None:
        """One API call with Telegram's error rules: every attempt waits for its turn under
        the shared limits; wait exactly what RetryAfter asks, follow ChatMigrated to the new
        id (moving the chat's settings), retry timeouts and server errors with backoff.
        Forbidden and BadRequest are the caller's to handle. ``hooks`` run (once) just before
        the first attempt goes out."""

        async def attempt() -> None:
            async with self.limiter.turn(target[0]) as going:
                while hooks:
                    await hooks.pop()()
                going()
                await call(target[0])

        for tries in range(SEND_ATTEMPTS):
            try:
                await attempt()
                return
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("telegram asks to wait %.0f s before chat %s", seconds, target[0])
                await asyncio.sleep(seconds)
            except ChatMigrated as exc:
                new_id = int(exc.new_chat_id)
                await asyncio.to_thread(self._migrate, target[0], new_id)
                target[0] = new_id
            except (Forbidden, BadRequest):
                raise
            except (TimedOut, NetworkError):
                if tries == SEND_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * 2**tries)
        await attempt()

    def _deactivate(self, chat_id: int, reason: str) -> None:
        log.warning("telegram chat %s deactivated: %s", chat_id, reason)
        with self.commands.app.sessions.begin() as session:
            chat = chat_store.find_chat(session, "telegram", str(chat_id))
            if chat is not None:
                chat_store.set_chat(session, chat.id, active=False, inactive_reason=reason)

    def _migrate(self, old_id: int, new_id: int) -> None:
        log.info("telegram chat %s became %s", old_id, new_id)
        with self.commands.app.sessions.begin() as session:
            chat_store.move_chat(session, "telegram", str(old_id), str(new_id), "supergroup")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", context.error, exc_info=context.error)
