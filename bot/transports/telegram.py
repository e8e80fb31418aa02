"""The Telegram transport (python-telegram-bot 22, long polling): updates in → the command
layer → HTML messages out. It only translates; every command lives in bot/commands."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

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
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import Caller, Commands, Request
from bot.reply import Attachment, Reply
from bot.transports.telegram_html import render_messages

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("haberci.telegram")

MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
MAX_ATTACHMENT = 1024 * 1024
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

    async def run(self, stop: asyncio.Event) -> None:
        """Long-poll until ``stop`` is set."""
        application = self.application
        await application.initialize()
        self.commands.bot_username = application.bot.username
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0)
        log.info("telegram polling as @%s", application.bot.username)
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

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
                await message.reply_text("That file is too large (at most 1 MB).")
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

    async def send(self, chat_id: int, reply: Reply) -> None:
        """Send a reply: its messages in order (buttons on the last), then its files."""
        if reply.silent:
            return
        bot = self.application.bot
        messages = render_messages(reply)
        for index, html_text in enumerate(messages):
            last = index == len(messages) - 1
            await bot.send_message(
                chat_id,
                html_text,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=not reply.previews),
                reply_markup=_keyboard(reply) if last else None,
            )
        for attached in reply.files:
            await bot.send_document(chat_id, InputFile(attached.data, filename=attached.filename))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", context.error, exc_info=context.error)
