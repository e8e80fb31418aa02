"""The fake Telegram Bot API server, driven by python-telegram-bot's real Bot and Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from .telegram_server import (
    FloodLimiter,
    FloodLimits,
    HtmlParseError,
    InjectedError,
    ManualClock,
    TelegramServer,
    bad_request,
    decode_request,
    forbidden,
    migrated,
    parse_telegram_html,
    retry_after,
    server_error,
    timeout,
)

CHAT = 4242
GROUP = -1001234567890
CHANNEL = -1009876543210


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22.2+ warns whenever ``RetryAfter.retry_after`` is an int; opt into timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def server() -> Iterator[TelegramServer]:
    with TelegramServer() as server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def limited_server(clock: ManualClock) -> Iterator[TelegramServer]:
    with TelegramServer(enforce_limits=True, clock=clock) as server:
        yield server


@pytest.fixture
async def bot(server: TelegramServer) -> AsyncIterator[Bot]:
    async with Bot(**server.bot_kwargs) as bot:
        yield bot


# --- identity and plain sending --------------------------------------------------------------


async def test_get_me_identifies_the_bot(server: TelegramServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == server.bot_id
    assert me.is_bot
    assert me.username == "haberci_bot"
    assert me.can_join_groups is True
    assert bot.username == "haberci_bot"  # cached by Bot.initialize()


async def test_wrong_token_is_rejected(server: TelegramServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=server.base_url):
            pass
    assert server.calls == []


async def test_send_message_is_recorded_and_returned(server: TelegramServer, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Aç", url="https://example.com/a")]])
    first = await bot.send_message(
        CHAT,
        "<b>Gündem</b> &amp; 😀 <i>dünya</i>",
        parse_mode="HTML",
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    second = await bot.send_message(CHAT, "ikinci")

    assert first.text == "Gündem & 😀 dünya"
    assert first.chat.id == CHAT
    assert first.from_user is not None and first.from_user.id == server.bot_id
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        ("bold", 0, 6),
        ("italic", 12, 5),  # the emoji counts as two UTF-16 units
    ]
    assert first.reply_markup == markup
    assert second.message_id == first.message_id + 1

    sent = server.sent_messages(CHAT)
    assert [m.text for m in sent] == ["<b>Gündem</b> &amp; 😀 <i>dünya</i>", "ikinci"]
    assert sent[0].parse_mode == "HTML"
    assert sent[0].plain_text == "Gündem & 😀 dünya"
    assert sent[0].reply_markup == {
        "inline_keyboard": [[{"text": "Aç", "url": "https://example.com/a"}]]
    }
    assert sent[0].link_preview_options == {"is_disabled": True}
    assert sent[0].link_preview_disabled
    assert not sent[1].link_preview_disabled
    assert sent[1].parse_mode is None
    assert server.sent_messages(CHAT + 1) == []
    assert [c.method for c in server.calls] == ["getMe", "sendMessage", "sendMessage"]
    assert server.calls[1].chat_id == CHAT and server.calls[1].ok


async def test_disable_web_page_preview_is_sent_as_link_preview_options(
    server: TelegramServer, bot: Bot
) -> None:
    await bot.send_message(CHAT, "https://example.com", disable_web_page_preview=True)
    [sent] = server.sent_messages()
    assert sent.link_preview_options == {"is_disabled": True}
    assert sent.link_preview_disabled


# --- validation --------------------------------------------------------------------------------


async def test_html_validation_rejects_unclosed_tag_and_accepts_entities(
    server: TelegramServer, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(CHAT, "<b>x", parse_mode="HTML")
    ok = await bot.send_message(CHAT, "&lt;b&gt;", parse_mode="HTML")
    assert ok.text == "<b>"
    assert [m.text for m in server.sent_messages()] == ["&lt;b&gt;"]
    assert server.calls_for("sendMessage")[0].status == 400


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("satır<br>satır", 'Unsupported start tag "br" at byte offset 6'),
        ("<p>paragraf</p>", 'Unsupported start tag "p"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("AT&T", "unescaped '&' at byte offset 2"),
        ("&nbsp;", "unescaped '&'"),
        ("<span>gizli</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="https://e.com">link', 'Can\'t find end tag corresponding to start tag "a"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_parser_rejects(text: str, fragment: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_telegram_html(text)
    assert fragment in str(caught.value)


def test_html_parser_accepts_every_supported_tag() -> None:
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        "<strike>k</strike><del>d</del><tg-spoiler>t</tg-spoiler>"
        '<span class="tg-spoiler">p</span><a href="https://e.com/?a=1&amp;b=2">a</a>'
        '<code>c</code><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>Q</blockquote> a > b &#39;&#x27;&quot;"
    )
    plain, entities = parse_telegram_html(text)
    assert plain == "bsieunskdtpacx = 1qQ a > b ''\""
    kinds = [e["type"] for e in entities]
    assert kinds == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
    ]
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://e.com/?a=1&b=2"
    pre = next(e for e in entities if e["type"] == "pre")
    assert pre["language"] == "python" and pre["length"] == 5


async def test_message_length_and_empty_text(server: TelegramServer, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    await bot.send_message(CHAT, "x" * 4096)
    # Markup does not count towards the limit, the parsed text does.
    await bot.send_message(CHAT, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, "   ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, "<b></b>", parse_mode="HTML")
    assert len(server.sent_messages()) == 2


async def test_inline_keyboard_callback_data_limit(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "menü", reply_markup=markup)


# --- injected failures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (retry_after(7), RetryAfter),
        (forbidden(), Forbidden),
        (migrated(-1005555), ChatMigrated),
        (bad_request("chat not found"), BadRequest),
        (server_error(502), NetworkError),
        (server_error(500, html=True), NetworkError),
    ],
)
async def test_injected_errors_raise_the_ptb_exception(
    server: TelegramServer, bot: Bot, error: InjectedError, expected: type[Exception]
) -> None:
    server.fail_next("sendMessage", error=error)
    with pytest.raises(expected) as caught:
        await bot.send_message(CHAT, "haber")
    if isinstance(caught.value, RetryAfter):
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -1005555
    if expected is NetworkError:
        assert not isinstance(caught.value, BadRequest | TimedOut)
    if expected is BadRequest:
        assert str(caught.value) == "Chat not found"
    # One failure only: the retry goes through.
    await bot.send_message(CHAT, "haber")
    assert len(server.sent_messages()) == 1
    assert [c.status for c in server.calls_for("sendMessage")] == [error.status, 200]


async def test_injected_timeout_raises_timed_out(server: TelegramServer) -> None:
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(**server.bot_kwargs, request=request) as bot:
        server.fail_next("sendMessage", error=timeout(1.0))
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "geç")
        assert time.monotonic() - started < 0.9
        await bot.send_message(CHAT, "zamanında")
    assert [m.text for m in server.sent_messages()] == ["zamanında"]


async def test_timeout_that_still_delivers_makes_a_duplicate(server: TelegramServer) -> None:
    async with Bot(**server.bot_kwargs, request=HTTPXRequest(read_timeout=0.2)) as bot:
        server.fail_next("sendMessage", error=timeout(0.5, deliver=True))
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "özet")
        await bot.send_message(CHAT, "özet")  # a naive retry
        await server.wait_for_messages_async(2, within=3.0)
    assert server.duplicates() == [(CHAT, "özet")]


async def test_injection_by_chat_and_times(server: TelegramServer, bot: Bot) -> None:
    server.fail_next("sendMessage", chat_id=CHAT, times=2, error=forbidden())
    await bot.send_message(CHAT + 1, "başka sohbet")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "engelli")
    await bot.send_message(CHAT, "artık gider")
    assert [m.chat_id for m in server.sent_messages()] == [CHAT + 1, CHAT]


async def test_blocked_chat_is_forbidden_until_unblocked(server: TelegramServer, bot: Bot) -> None:
    server.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "merhaba")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    server.unblock_chat(CHAT)
    await bot.send_message(CHAT, "merhaba")
    assert len(server.sent_messages(CHAT)) == 1


async def test_migrated_group_answers_chat_migrated(server: TelegramServer, bot: Bot) -> None:
    server.set_chat(-4567, "group", title="Haber grubu")
    server.migrate_chat(-4567, GROUP)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-4567, "x")
    assert caught.value.new_chat_id == GROUP
    await bot.send_message(caught.value.new_chat_id, "x")
    chat = await bot.get_chat(GROUP)
    assert chat.type == "supergroup" and chat.title == "Haber grubu"


# --- flood limits ----------------------------------------------------------------------------


async def test_private_chat_limit_one_per_second(
    limited_server: TelegramServer, clock: ManualClock
) -> None:
    async with Bot(**limited_server.bot_kwargs) as bot:
        await bot.send_message(CHAT, "bir")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "iki")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        assert [m.text for m in limited_server.sent_messages()] == ["bir"]
        assert limited_server.flood_429_count == 1
        await bot.send_message(CHAT + 1, "başka sohbet serbest")
        clock.advance(1.0)
        await bot.send_message(CHAT, "iki")
    assert [m.text for m in limited_server.sent_messages(CHAT)] == ["bir", "iki"]


async def test_global_limit_thirty_per_second(
    limited_server: TelegramServer, clock: ManualClock
) -> None:
    async with Bot(**limited_server.bot_kwargs) as bot:
        for chat_id in range(1, 31):
            await bot.send_message(chat_id, "duyuru")
        with pytest.raises(RetryAfter):
            await bot.send_message(31, "duyuru")
        clock.advance(1.0)
        await bot.send_message(31, "duyuru")
    assert len(limited_server.sent_messages()) == 31
    assert limited_server.flood_429_count == 1


async def test_group_limit_twenty_per_minute(
    limited_server: TelegramServer, clock: ManualClock
) -> None:
    async with Bot(**limited_server.bot_kwargs) as bot:
        for number in range(20):
            await bot.send_message(GROUP, f"haber {number}")
            clock.advance(0.5)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "fazla")
        assert caught.value.retry_after == dtm.timedelta(seconds=50)
        clock.advance(50.0)
        await bot.send_message(GROUP, "şimdi olur")
    assert len(limited_server.sent_messages(GROUP)) == 21


def test_flood_limiter_sliding_window(clock: ManualClock) -> None:
    limiter = FloodLimiter(
        FloodLimits(global_per_second=3, private_per_second=2, group_per_minute=2), clock
    )
    assert limiter.try_acquire(1, group=False) is None
    clock.advance(0.4)
    assert limiter.try_acquire(1, group=False) is None
    assert limiter.try_acquire(1, group=False) == 1  # refused, and not counted
    assert limiter.try_acquire(2, group=False) is None
    assert limiter.try_acquire(3, group=False) == 1  # the global window is full
    clock.advance(0.61)  # the first message leaves both windows
    assert limiter.try_acquire(1, group=False) is None
    assert limiter.try_acquire(-5, group=True) == 1  # global window still full
    clock.advance(1.0)
    assert limiter.try_acquire(-5, group=True) is None
    assert limiter.try_acquire(-5, group=True) is None
    assert limiter.try_acquire(-5, group=True) == 60
    clock.advance(59.5)
    assert limiter.try_acquire(-5, group=True) == 1  # ceil(0.5)
    clock.advance(0.5)
    assert limiter.try_acquire(-5, group=True) is None


# --- updates -----------------------------------------------------------------------------------


async def test_get_updates_long_poll_offset_and_limit(server: TelegramServer, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    started = time.monotonic()
    server.push_message(CHAT, "/start@haberci_bot merhaba", username="okur", language_code="tr")
    [update] = await asyncio.wait_for(poll, 2.0)
    assert time.monotonic() - started < 1.0
    message = update.message
    assert message is not None and message.text == "/start@haberci_bot merhaba"
    assert message.from_user is not None and message.from_user.username == "okur"
    assert message.from_user.language_code == "tr"
    assert message.chat.type == "private"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 18)]

    # Without an offset the update is delivered again; offset confirms it.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert server.pending_updates == []

    for number in range(3):
        server.push_message(GROUP, f"mesaj {number}", user_id=77, chat_type="supergroup")
    first = await bot.get_updates(offset=update.update_id + 1, limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["mesaj 0", "mesaj 1"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["mesaj 2"]


async def test_channel_post_and_callback_query(server: TelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(
        CHAT,
        "Seç",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="bir")]]),
    )
    server.push_message(CHANNEL, "kanal duyurusu", chat_type="channel")
    server.push_callback_query(CHAT, CHAT, "bir", message_id=sent.message_id)
    post, press = await bot.get_updates(timeout=0)
    assert post.channel_post is not None and post.channel_post.text == "kanal duyurusu"
    query = press.callback_query
    assert query is not None and query.data == "bir"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("tamam") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_edit_message_text(server: TelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "taslak")
    edited = await bot.edit_message_text("<b>son</b>", CHAT, sent.message_id, parse_mode="HTML")
    assert not isinstance(edited, bool)
    assert edited.text == "son" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>son</b>", CHAT, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("yok", CHAT, 999)
    stored = server.message(CHAT, sent.message_id)
    assert stored is not None and stored["text"] == "son"


# --- chats and members -------------------------------------------------------------------------


async def test_get_chat_member_statuses(server: TelegramServer, bot: Bot) -> None:
    expected = {
        "creator": ChatMemberOwner,
        "administrator": ChatMemberAdministrator,
        "member": ChatMemberMember,
        "restricted": ChatMemberRestricted,
        "left": ChatMemberLeft,
        "kicked": ChatMemberBanned,
    }
    server.set_chat(GROUP, "supergroup", title="Haberci okurları")
    for user_id, (status, cls) in enumerate(expected.items(), start=100):
        server.set_member(GROUP, user_id, status)
        member = await bot.get_chat_member(GROUP, user_id)
        assert type(member) is cls
        assert member.status == status
        assert member.user.id == user_id
    # Users the server knows nothing about have left; the bot is a member by default.
    assert isinstance(await bot.get_chat_member(GROUP, 999), ChatMemberLeft)
    assert isinstance(await bot.get_chat_member(GROUP, server.bot_id), ChatMemberMember)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat_member(-42, 100)


async def test_bot_rights_in_channel(server: TelegramServer, bot: Bot) -> None:
    server.set_chat(CHANNEL, "channel", title="Haberci", username="haberci_kanal")
    member = await bot.get_chat_member("@haberci_kanal", server.bot_id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_post_messages is True
    await bot.send_message("@haberci_kanal", "kanal mesajı")
    assert server.sent_messages(CHANNEL)[0].plain_text == "kanal mesajı"

    server.set_bot_member(CHANNEL, "administrator", can_post_messages=False)
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await bot.send_message(CHANNEL, "x")
    server.set_bot_member(CHANNEL, "left")
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(CHANNEL, "x")


async def test_get_chat_returns_full_info(server: TelegramServer, bot: Bot) -> None:
    server.set_chat(GROUP, "supergroup", title="Gündem", username="gundem")
    info = await bot.get_chat(GROUP)
    assert isinstance(info, ChatFullInfo)
    assert (info.id, info.type, info.title, info.username) == (
        GROUP,
        "supergroup",
        "Gündem",
        "gundem",
    )
    server.push_message(CHAT, "selam", first_name="Ayşe")
    private = await bot.get_chat(CHAT)
    assert private.type == "private" and private.first_name == "Ayşe"


async def test_strict_chats_reject_unknown_chats() -> None:
    with TelegramServer(strict_chats=True) as server:
        async with Bot(**server.bot_kwargs) as bot:
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(CHAT, "kimse yok")
            server.set_chat(CHAT)
            await bot.send_message(CHAT, "şimdi var")


# --- files --------------------------------------------------------------------------------------


async def test_send_document_and_download_round_trip(server: TelegramServer, bot: Bot) -> None:
    payload = bytes(range(256)) + b"\r\n--boundary-like\r\n" + "özet".encode()
    message = await bot.send_document(
        CHAT, document=payload, filename="günlük özet.txt", caption="<i>Özet</i>", parse_mode="HTML"
    )
    assert message.document is not None
    assert message.document.file_name == "günlük özet.txt"
    assert message.caption == "Özet"
    [sent] = server.sent_documents(CHAT)
    assert (sent.filename, sent.data, sent.caption) == ("günlük özet.txt", payload, "<i>Özet</i>")

    file = await bot.get_file(message.document.file_id)
    assert file.file_path is not None and file.file_path.startswith(server.base_file_url)
    assert bytes(await file.download_as_bytearray()) == payload

    # Sending again by file_id reuses the stored file.
    again = await bot.send_document(GROUP, document=message.document.file_id)
    assert again.document is not None and again.document.file_id == message.document.file_id


async def test_incoming_document_can_be_downloaded(server: TelegramServer, bot: Bot) -> None:
    server.push_message(CHAT, "kaynaklar", document=("feeds.opml", b"<opml/>", "text/x-opml"))
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    assert update.message.caption == "kaynaklar"
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "feeds.opml",
        "text/x-opml",
        7,
    )
    file = await document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"<opml/>"


# --- misc methods and request encodings --------------------------------------------------------


async def test_commands_and_chat_action(server: TelegramServer, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Başla"), ("ozet", "Günün özeti")])
    await bot.set_my_commands([("start", "Start")], language_code="en")
    commands = await bot.get_my_commands()
    assert [(c.command, c.description) for c in commands] == [
        ("start", "Başla"),
        ("ozet", "Günün özeti"),
    ]
    assert server.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Özet", "x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.send_chat_action(CHAT, "typing") is True
    [action] = server.calls_for("sendChatAction")
    assert action.params == {"chat_id": CHAT, "action": "typing"}


async def test_unknown_method_is_404_and_listed(server: TelegramServer, bot: Bot) -> None:
    with pytest.raises(InvalidToken, match="not implemented by TelegramServer"):
        await bot.pin_chat_message(CHAT, 1)
    assert server.unknown_methods == ["pinChatMessage"]
    server.register_method("pinChatMessage", lambda params: True)
    assert await bot.pin_chat_message(CHAT, 1) is True


async def test_json_and_form_bodies_keep_strings(server: TelegramServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url + server.token) as client:
        as_json = await client.post("/sendMessage", json={"chat_id": str(CHAT), "text": "123"})
        as_form = await client.post("/sendMessage", data={"chat_id": str(CHAT), "text": "456"})
        wrong = await client.post("/../bot1:x/sendMessage", data={"chat_id": "1", "text": "x"})
    assert as_json.json()["result"]["text"] == "123"
    assert as_form.json()["ok"] is True
    assert wrong.status_code in (401, 404)
    assert [(m.chat_id, m.text) for m in server.sent_messages()] == [(CHAT, "123"), (CHAT, "456")]
    params, files = decode_request(
        "application/x-www-form-urlencoded",
        b"chat_id=%40kanal&text=%5B1%5D&reply_markup=%7B%22a%22%3A1%7D&limit=5",
    )
    assert params == {"chat_id": "@kanal", "text": "[1]", "reply_markup": {"a": 1}, "limit": 5}
    assert files == {}


# --- Application and webhooks ------------------------------------------------------------------


async def test_application_polling_answers_start(server: TelegramServer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("hi")

    application = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0)
    try:
        server.push_message(CHAT, "/start")
        [reply] = await server.wait_for_messages_async(1, within=5.0)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert (reply.chat_id, reply.text) == (CHAT, "hi")
    assert server.pending_updates == []  # confirmed by the updater's final getUpdates
    methods = [call.method for call in server.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]


class _WebhookReceiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str | None, Any]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
        type(self).received.append((secret, json.loads(body)))
        status = 200 if secret == "gizli_123" else 403
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def webhook_receiver() -> Iterator[str]:
    _WebhookReceiver.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookReceiver)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/telegram"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


async def test_webhook_set_deliver_and_delete(
    server: TelegramServer, bot: Bot, webhook_receiver: str
) -> None:
    assert await bot.set_webhook(webhook_receiver, secret_token="gizli_123") is True
    [call] = server.calls_for("setWebhook")
    assert call.params["url"] == webhook_receiver
    assert call.params["secret_token"] == "gizli_123"
    assert server.webhook is not None and server.webhook.secret_token == "gizli_123"
    info = await bot.get_webhook_info()
    assert info.url == webhook_receiver

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)

    update = server.push_message(CHAT, "/start")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await server.deliver_webhook_update_async(update) == 200
    assert _WebhookReceiver.received == [("gizli_123", update)]
    assert (await bot.get_webhook_info()).pending_update_count == 0

    await bot.set_webhook(webhook_receiver, secret_token="baska")
    assert server.deliver_webhook_update(server.push_message(CHAT, "x")) == 403
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and "403" in info.last_error_message

    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook(webhook_receiver, secret_token="boşluk var")
    assert await bot.delete_webhook() is True
    assert server.webhook is None
    assert len(await bot.get_updates(timeout=0)) == 1


# --- helpers and lifecycle ---------------------------------------------------------------------


def test_wait_for_messages_blocks_until_delivery(server: TelegramServer) -> None:
    with pytest.raises(TimeoutError, match="expected 1 sent messages, got 0"):
        server.wait_for_messages(1, timeout=0.05)

    def send_later() -> None:
        time.sleep(0.1)
        httpx.post(
            f"{server.base_url}{server.token}/sendMessage", data={"chat_id": "7", "text": "geldi"}
        )

    sender = threading.Thread(target=send_later)
    sender.start()
    try:
        [message] = server.wait_for_messages(1, timeout=5.0, chat_id=7)
    finally:
        sender.join()
    assert message.text == "geldi"


async def test_stop_ends_a_pending_long_poll() -> None:
    server = TelegramServer().start()
    try:
        async with Bot(**server.bot_kwargs) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await asyncio.to_thread(server.stop)
            with contextlib.suppress(NetworkError):
                assert await asyncio.wait_for(poll, 5.0) == ()
            assert time.monotonic() - started < 2.0
    finally:
        server.stop()
