"""The Telegram transport: the real python-telegram-bot Application against the local Bot API
server (tests/support/telegram_server.py), through TELEGRAM_API_BASE_URL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.reply import Heading, Paragraph, Reply, StoryEntry
from bot.transports.telegram import TelegramTransport
from bot.transports.telegram_html import MAX_MESSAGE, render_messages
from tests.bot.conftest import TELEGRAM_ADMIN
from tests.bot.test_commands import S400_A, S400_B, SEVEN_EVENTS, seed, seven_events
from tests.support.telegram_server import TelegramServer, parse_telegram_html

READER = 4242
ADMIN = TELEGRAM_ADMIN
GROUP = -1001234567890


@pytest.fixture
def app(telegram_app: App) -> App:
    return telegram_app


@pytest.fixture
async def running(app: App) -> AsyncIterator[TelegramTransport]:
    transport = TelegramTransport(app)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    for _ in range(200):  # until polling has started
        if transport.commands.bot_username:
            break
        await asyncio.sleep(0.02)
    yield transport
    stop.set()
    await asyncio.wait_for(task, 10)


def test_feed_text_is_escaped_and_long_replies_split_between_entries() -> None:
    hostile = StoryEntry(
        title="Erdoğan says <b>no</b> & more",
        summary="A & B <script>",
        url="https://x.example/?a=1&b=<2>",
        source="Outlet <A>",
        published=datetime.now(UTC),
    )
    (html,) = render_messages(Reply((Heading("Head & <tail>"), hostile)))
    parse_telegram_html(html)  # valid Telegram HTML (raises otherwise)
    assert "&lt;b&gt;no&lt;/b&gt; &amp; more" in html
    assert 'href="https://x.example/?a=1&amp;b=&lt;2&gt;"' in html
    many = Reply(tuple(replace_title(hostile, f"Story {i} " + "word " * 150) for i in range(40)))
    messages = render_messages(many)
    assert len(messages) > 1
    for message in messages:
        text, _ = parse_telegram_html(message)
        assert len(message) < MAX_MESSAGE and len(text) < MAX_MESSAGE
    assert sum(m.count("<b>Story ") for m in messages) == 40  # no entry cut in two


def replace_title(entry: StoryEntry, title: str) -> StoryEntry:
    from dataclasses import replace

    return replace(entry, title=title, summary="summary " * 60)


async def test_topic_command_is_answered_in_html_with_every_outlet(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet <A> & Co", [S400_A])
    await asyncio.to_thread(seed, app, "Outlet B", [S400_B])
    server.push_message(READER, "/topic s400", language_code="en")
    (sent,) = await server.wait_for_messages_async(1, within=10)
    assert sent.parse_mode == "HTML"
    assert "Outlet &lt;A&gt; &amp; Co" in sent.text
    assert "Outlet B" in sent.text
    assert sent.link_preview_disabled
    assert "S-400: latest stories" in sent.plain_text


async def test_turkish_users_get_turkish_and_buttons_page_on(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", seven_events())
    server.push_message(READER, "/son 3", language_code="tr")
    (first,) = await server.wait_for_messages_async(1, within=10)
    assert "Son haberler" in first.plain_text
    assert first.reply_markup is not None
    (button,) = first.reply_markup["inline_keyboard"][0]
    assert button["text"] == "Daha fazla" and button["callback_data"] == "/latest 3 +3"
    server.push_callback_query(READER, READER, button["callback_data"], first.message_id)
    messages = await server.wait_for_messages_async(2, within=10)
    assert SEVEN_EVENTS[3] in messages[1].plain_text


async def test_admin_commands_and_files(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    server.push_message(READER, "/feeds")
    (refused,) = await server.wait_for_messages_async(1, within=10)
    assert "for the bot's admins" in refused.plain_text
    server.push_message(ADMIN, "/exportopml")
    await server.wait_for_messages_async(2, within=10)
    for _ in range(100):
        if server.sent_documents():
            break
        await asyncio.sleep(0.05)
    (document,) = server.sent_documents()
    assert document.filename == "haberci-feeds.opml"
    assert document.data.startswith(b"<?xml")


async def test_groups_use_bot_names_and_group_admins(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    server.set_chat(GROUP, "supergroup", title="Turkey watchers")
    server.set_member(GROUP, 7, "member")
    server.set_member(GROUP, 8, "administrator")
    server.push_message(GROUP, "just chatting", user_id=7)
    server.push_message(GROUP, "/follow@other_bot economy", user_id=7)
    server.push_message(GROUP, f"/follow@{running.commands.bot_username} economy", user_id=7)
    (refused,) = await server.wait_for_messages_async(1, within=10)
    assert "administrators" in refused.plain_text
    server.push_message(GROUP, "/follow economy", user_id=8)
    messages = await server.wait_for_messages_async(2, within=10)
    assert "Now following: Economy." in messages[1].plain_text
    assert len(server.sent_messages()) == 2  # plain chat and other bots' commands: no answer


def test_plain_paragraph_only_reply_renders() -> None:
    assert render_messages(Reply((Paragraph("a < b"),))) == ["a &lt; b"]


async def test_send_failures_follow_telegrams_rules(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    from storage import chats as chat_store
    from tests.support.telegram_server import migrated, retry_after, server_error

    reply = Reply((Paragraph("hello"),))
    # RetryAfter: waits what Telegram asks, then delivers once.
    server.fail_next("sendMessage", chat_id=READER, error=retry_after(1))
    started = asyncio.get_running_loop().time()
    assert await running.send(READER, reply)
    assert asyncio.get_running_loop().time() - started >= 1.0
    # A 502 is retried with backoff.
    server.fail_next("sendMessage", chat_id=READER, error=server_error(502))
    assert await running.send(READER, reply)
    assert [m.text for m in server.sent_messages(READER)] == ["hello", "hello"]
    # A group that became a supergroup: the chat and its topics move to the new id.
    server.push_message(GROUP, "/start", user_id=ADMIN, chat_type="group")
    await server.wait_for_messages_async(3, within=10)
    with app.sessions.begin() as session:
        group = chat_store.find_chat(session, "telegram", str(GROUP))
        assert group is not None
        chat_store.follow(session, group.id, ["nato"])
    new_id = -1009999
    server.fail_next("sendMessage", chat_id=GROUP, error=migrated(new_id))
    assert await running.send(GROUP, reply)
    assert [m.text for m in server.sent_messages(new_id)] == ["hello"]
    with app.sessions() as session:
        moved = chat_store.find_chat(session, "telegram", str(new_id))
        assert chat_store.find_chat(session, "telegram", str(GROUP)) is None
    assert moved is not None and moved.topics == ("nato",) and moved.kind == "supergroup"
    # Blocked by the user: the chat is deactivated with the reason, nothing is sent.
    server.block_chat(READER)
    assert not await running.send(READER, reply)
    with app.sessions() as session:
        reader = chat_store.find_chat(session, "telegram", str(READER))
    assert reader is None or (not reader.active and "blocked" in (reader.inactive_reason or ""))


CHANNEL = -1009876543210


async def test_admins_attach_list_and_remove_channels(
    app: App, server: TelegramServer, running: TelegramTransport
) -> None:
    from storage import chats as chat_store

    server.set_chat(CHANNEL, "channel", title="Turkey News", username="turkeynews")
    server.set_bot_member(CHANNEL, "member")
    server.push_message(ADMIN, "/channel add @turkeynews 07:00,19:30 s400 ekonomi")
    (refused,) = await server.wait_for_messages_async(1, within=10)
    assert "not an administrator allowed to post" in refused.plain_text
    server.set_bot_member(CHANNEL, "administrator", can_post_messages=True)
    server.push_message(ADMIN, "/channel add @turkeynews 07:00,19:30 s400 ekonomi")
    messages = await server.wait_for_messages_async(2, within=10)
    assert "Attached Turkey News (channel): digests at 07:00, 19:30" in messages[1].plain_text
    with app.sessions() as session:
        attached = chat_store.find_chat(session, "telegram", str(CHANNEL))
    assert attached is not None
    assert (attached.kind, attached.topics, attached.times) == (
        "channel",
        ("economy", "s400"),
        ("07:00", "19:30"),
    )
    server.push_message(READER, "/channel list")
    refusal = (await server.wait_for_messages_async(3, within=10))[2]
    assert "for the bot's admins" in refusal.plain_text
    server.push_message(ADMIN, "/channel list")
    listing = (await server.wait_for_messages_async(4, within=10))[3]
    assert "Turkey News (channel" in listing.plain_text and "active" in listing.plain_text
    server.push_message(ADMIN, "/channel add @nosuchchannel")
    unknown = (await server.wait_for_messages_async(5, within=10))[4]
    assert "Cannot use @nosuchchannel" in unknown.plain_text
    server.push_message(ADMIN, "/channel remove @turkeynews")
    removed = (await server.wait_for_messages_async(6, within=10))[5]
    assert "Removed Turkey News" in removed.plain_text
    with app.sessions() as session:
        detached = chat_store.find_chat(session, "telegram", str(CHANNEL))
    assert detached is not None and not detached.active


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_registers_the_url_and_checks_the_secret(
    database_url: str, server: TelegramServer
) -> None:
    import urllib.error
    import urllib.request

    from bot.app import open_app
    from bot.config import load_settings

    port = _free_port()
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    settings = load_settings(
        database_url=database_url,
        load_default_feeds=False,
        telegram_bot_token=server.token,
        telegram_api_base_url=server.base_url,
        telegram_webhook_url=url,
        telegram_webhook_secret="haberci_hook-1",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        log_level="WARNING",
    )
    app = open_app(settings)
    transport = TelegramTransport(app)
    stop = asyncio.Event()
    task = asyncio.create_task(transport.run(stop))
    try:
        for _ in range(300):
            if server.webhook is not None:
                break
            await asyncio.sleep(0.02)
        assert server.webhook is not None
        assert (server.webhook.url, server.webhook.secret_token) == (url, "haberci_hook-1")
        update = server.push_message(READER, "/help")
        assert await server.deliver_webhook_update_async(update) == 200
        (answer,) = await server.wait_for_messages_async(1, within=10)
        assert "/topic" in answer.plain_text
        assert not server.calls_for("getUpdates")  # no long polling beside the webhook
        forged = urllib.request.Request(
            url,
            data=b'{"update_id": 999999, "message": {}}',
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "x"},
        )

        def post_forged() -> int:
            try:
                with urllib.request.urlopen(forged, timeout=5) as response:
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        assert await asyncio.to_thread(post_forged) == 403
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        app.close()


def test_a_bad_webhook_setting_names_the_setting() -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET") as refused:
        load_settings(telegram_webhook_secret="has spaces")
    # The variable's real name, and never the secret itself:
    assert "HABERCI_TELEGRAM" not in str(refused.value)
    assert "has spaces" not in str(refused.value)
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_URL"):
        load_settings(telegram_webhook_url="example.com/hook")


EVERY_COMMAND = [
    # (command, what an English reader sees, what a Turkish reader sees)
    ("/start", "haberci gathers news about Turkey", "Türkiye ile ilgili haberleri"),
    ("/help", "Commands", "Komutlar"),
    ("/topics", "Topics (stories in the last 7 days)", "Konular (son 7 gündeki haber sayısı)"),
    ("/topic s400", "S-400: latest stories", "S-400: son haberler"),
    ("/topic yaptırımlar", "Sanctions: latest stories", "Yaptırımlar: son haberler"),
    ("/topic kırım", "No stories on Ukraine and Crimea yet.", "Ukrayna ve Kırım konusunda henüz"),
    ("/topic sanktions", "Did you mean: sanctions", "Şunu mu demek istediniz: sanctions"),
    ("/latest", "Latest stories", "Son haberler"),
    ("/search sanctions", "Search: sanctions", "Arama: sanctions"),
    ("/follow ekonomi", "Now following: Economy.", "Artık takip ediliyor: Ekonomi."),
    ("/following", "You follow: Economy.", "Takip ettiğiniz konular: Ekonomi."),
    ("/unfollow ekonomi", "No longer following: Economy.", "Takipten çıkarıldı: Ekonomi."),
    ("/digest", "Your digest", "Özetiniz"),
    ("/settings alerts on", "Breaking alerts: on", "Son dakika bildirimleri: açık"),
    ("/settings timezone Mars/Base", "Mars/Base", "Mars/Base"),
    ("/sources", "Outlet B", "Outlet B"),
    ("/nosuch", "I don't know the command /nosuch", "/nosuch komutunu bilmiyorum"),
]


@pytest.mark.parametrize("language", ["en", "tr"])
async def test_every_subscriber_command_answers_in_the_readers_language(
    app: App, server: TelegramServer, running: TelegramTransport, language: str
) -> None:
    await asyncio.to_thread(seed, app, "Outlet A", [S400_A])
    await asyncio.to_thread(seed, app, "Outlet B", [S400_B])
    reader = 6100 if language == "en" else 6200
    for count, (command, english, turkish) in enumerate(EVERY_COMMAND, start=1):
        server.push_message(reader, command, language_code=language)
        answer = (await server.wait_for_messages_async(count, within=10, chat_id=reader))[-1]
        expected = english if language == "en" else turkish
        assert expected in answer.plain_text, (command, answer.plain_text[:200])
        assert answer.parse_mode == "HTML"
