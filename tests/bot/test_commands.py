"""The transport-neutral command layer against a real database: every subscriber command in
English and Turkish, refusals, groups, and the admin commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App, open_app
from bot.commands import Caller, Commands, Request, parse_command
from bot.config import load_settings
from bot.reply import Attachment, Heading, Paragraph, Reply, StoryEntry, render_plain
from feeds.models import Story
from feeds.tag import tag_stories
from storage import chats as chat_store
from storage import feeds as feed_store
from storage import stories as story_store
from tests.support.feed_server import FeedServer

NOW = datetime.now(UTC).replace(microsecond=0)
ADMIN = Caller("telegram", "1", "1", language_code="en")
READER = Caller("telegram", "2", "2", language_code="en")
TURKISH_READER = Caller("telegram", "3", "3", language_code="tr")


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    settings = load_settings(
        database_url=database_url,
        load_default_feeds=False,
        allow_private_feeds=True,
        admins="telegram:1",
        log_level="WARNING",
    )
    app = open_app(settings)
    yield app
    app.close()


def story(key: str, title: str, summary: str = "", hours_ago: float = 1.0) -> Story:
    return Story(
        guid_key=key,
        url=f"https://news.example/{key}",
        title=title,
        summary=summary,
        content_hash=key,
        published_at=NOW - timedelta(hours=hours_ago),
        language="en",
        author=None,
    )


def seed(app: App, feed_title: str, stories: Sequence[Story], general: bool = False) -> int:
    """Store stories as one feed's poll would: tagged, judged, stored, clustered."""
    from feeds.about import judge_about_turkey

    tagged = tag_stories(list(stories), app.tagger)
    if general:
        tagged = [
            replace(s, about_turkey=judge_about_turkey(s.title, s.summary, s.language).about)
            for s in tagged
        ]
    with app.sessions.begin() as session:
        feed = feed_store.add_feed(
            session,
            feed_store.NewFeed(
                url=f"https://{feed_title.lower().replace(' ', '')}.example/rss",
                title=feed_title,
                poll_interval_min=15,
                turkey_focused=not general,
            ),
            NOW,
        )
        counts = story_store.upsert_stories(session, feed.id, tagged, NOW, None)
    fetcher = app.new_fetcher()
    ingest = app.new_ingest(fetcher)
    ingest.place_in_clusters(counts.new_ids, NOW)
    ingest.close()
    asyncio.run(fetcher.aclose())
    return feed.id


def ask(app: App, text: str, caller: Caller = READER, **kwargs: object) -> Reply:
    commands = Commands(app, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]
    return asyncio.run(commands.handle(Request(text, caller)))


def texts(reply: Reply) -> str:
    return render_plain(reply)


S400_A = story(
    "s400-a",
    "US imposes sanctions on Turkish defence agency over S-400 purchase",
    "Washington announced CAATSA sanctions on Turkey's defence industry presidency over the "
    "Russian S-400 missile system.",
)
S400_B = story(
    "s400-b",
    "Washington sanctions Turkey's defence industry presidency over S-400 missiles",
    "The United States imposed CAATSA sanctions on Turkey's defence procurement agency after "
    "Ankara bought Russian S-400 missiles.",
)


def test_parse_command_handles_bot_names_and_quotes() -> None:
    parsed = parse_command("/topic@haberci_bot 'middle east' 3", "haberci_bot")
    assert parsed is not None
    assert (parsed.name, parsed.args) == ("topic", ("middle east", "3"))
    assert parse_command("/topic@other_bot s400", "haberci_bot") is None
    assert parse_command("hello") is None
    assert parse_command("/TOPIC s400") is not None


def test_topic_folds_one_cluster_into_one_entry_with_every_outlet(app: App) -> None:
    seed(app, "Outlet A", [S400_A])
    seed(app, "Outlet B", [S400_B])
    reply = ask(app, "/topic s400")
    assert reply.kind == "answer"
    (entry,) = reply.entries
    assert {link.label for link in entry.links} == {"Outlet A", "Outlet B"}
    assert len({link.url for link in entry.links}) == 2
    assert isinstance(reply.blocks[0], Heading)


@pytest.mark.parametrize(
    ("typed", "slug_name"),
    [
        ("s400", "S-400"),
        ("S-400", "S-400"),
        ("yaptırımlar", "Sanctions"),
        ("YAPTIRIM", "Sanctions"),
        ("sanctions", "Sanctions"),
        ("kırım", "Ukraine"),
    ],
)
def test_topics_are_found_by_slug_name_alias_and_inflection(
    app: App, typed: str, slug_name: str
) -> None:
    seed(app, "Outlet A", [S400_A, story("crimea", "Ukraine says Crimea bridge was hit")])
    reply = ask(app, f"/topic {typed}")
    heading = reply.blocks[0]
    assert isinstance(heading, (Heading, Paragraph))
    assert slug_name in heading.text, texts(reply)


def test_unknown_topic_gets_did_you_mean_and_usage(app: App) -> None:
    reply = ask(app, "/topic s4000")
    assert reply.kind == "error"
    assert "Did you mean: s400?" in texts(reply)
    empty = ask(app, "/topic")
    assert empty.kind == "error"
    assert "Usage: /topic <topic> [n]" in texts(empty)
    bad_count = ask(app, "/topic s400 99")
    assert "between 1 and 20" in texts(bad_count)


# Seven unrelated events, newest first.
SEVEN_EVENTS = [
    "Central bank holds its policy rate at 37 percent",
    "Earthquake of magnitude 5.1 shakes Malatya province",
    "Galatasaray signs Brazilian striker before deadline",
    "Parliament passes judicial reform package after all-night debate",
    "Wildfire near Izmir forces evacuation of three villages",
    "Istanbul airport breaks passenger record in October",
    "Teachers strike over pay in Ankara and Adana",
]


def seven_events() -> list[Story]:
    return [story(f"n{i}", title, hours_ago=i) for i, title in enumerate(SEVEN_EVENTS, start=1)]


def test_latest_pages_with_a_more_button(app: App) -> None:
    seed(app, "Outlet A", seven_events())
    first = ask(app, "/latest 3")
    assert [e.title for e in first.entries] == SEVEN_EVENTS[:3]
    (more,) = first.buttons
    assert more.command == "/latest 3 +3"
    second = ask(app, more.command)
    assert second.entries[0].title == SEVEN_EVENTS[3]
    last = ask(app, "/latest 5 +5")
    assert len(last.entries) == 2
    assert last.buttons == ()


def test_stories_of_general_feeds_not_about_turkey_are_not_shown(app: App) -> None:
    seed(
        app,
        "World",
        [
            story("w1", "Peru's Congress removes interim President Jerí"),
            story("w2", "Turkey's Erdogan meets Zelensky in Ankara"),
        ],
        general=True,
    )
    titles = [e.title for e in ask(app, "/latest").entries]
    assert titles == ["Turkey's Erdogan meets Zelensky in Ankara"]


def test_follow_unfollow_following_in_both_languages(app: App) -> None:
    reply = ask(app, "/follow ekonomi yaptırımlar", TURKISH_READER)
    assert "Artık takip ediliyor: Ekonomi, Yaptırımlar." in texts(reply)
    again = ask(app, "/follow sanctions", TURKISH_READER)
    assert "Zaten takip ediliyor: Yaptırımlar." in texts(again)
    assert "Ekonomi, Yaptırımlar" in texts(ask(app, "/following", TURKISH_READER))
    ask(app, "/unfollow ekonomi", TURKISH_READER)
    with app.sessions() as session:
        chat = chat_store.find_chat(session, "telegram", "3")
    assert chat is not None and chat.topics == ("sanctions",)
    assert chat.language == "tr"
    nothing = ask(app, "/follow", READER)
    assert nothing.kind == "error"
    unknown = ask(app, "/follow s4000", READER)
    assert "Did you mean: s400?" in texts(unknown)


def test_settings_show_change_and_refuse_bad_values(app: App) -> None:
    shown = texts(ask(app, "/settings"))
    assert "08:00, 20:00 (Europe/Istanbul)" in shown
    changed = texts(ask(app, "/settings times 7:30, 19.00"))
    assert "Saved." in changed and "07:30, 19:00" in changed
    bad_time = ask(app, "/settings times 25:00")
    assert bad_time.kind == "error" and "'25:00' is not a time of day" in texts(bad_time)
    bad_zone = ask(app, "/settings timezone Europe/Istambul")
    assert "did you mean Europe/Istanbul" in texts(bad_zone)
    assert "Breaking alerts: on" in texts(ask(app, "/settings alerts on"))
    turkish = texts(ask(app, "/settings language tr"))
    assert "Kaydedildi." in turkish and "Dil: Türkçe" in turkish
    with app.sessions() as session:
        chat = chat_store.find_chat(session, "telegram", "2")
    assert chat is not None
    assert (chat.digest_times, chat.alerts, chat.language) == ("07:30,19:00", True, "tr")


def test_unknown_commands_get_help_and_plain_text_gets_a_hint(app: App) -> None:
    unknown = ask(app, "/frobnicate")
    assert unknown.kind == "error"
    assert "I don't know the command /frobnicate" in texts(unknown)
    assert "/topic <topic> [n]" in texts(unknown)
    assert "/addfeed" not in texts(unknown)  # admin commands are not shown to readers
    assert "Commands start with /" in texts(ask(app, "hello"))
    turkish = texts(ask(app, "/yok", TURKISH_READER))
    assert "/yok komutunu bilmiyorum" in turkish


def test_commands_addressed_to_the_bot_in_groups(app: App) -> None:
    seed(app, "Outlet A", [S400_A])
    group = Caller("telegram", "5", "-100", chat_kind="supergroup", chat_title="Turkey watchers")
    reply = ask(app, "/topic@haberci_bot s400", group, bot_username="haberci_bot")
    assert len(reply.entries) == 1
    other = ask(app, "/topic@other_bot s400", group, bot_username="haberci_bot")
    assert other.entries == ()


def test_group_settings_are_for_group_admins(app: App) -> None:
    member = Caller("telegram", "5", "-100", chat_kind="group")
    refused = ask(app, "/follow economy", member)
    assert refused.kind == "refusal"
    assert "group's administrators" in texts(refused)
    group_admin = replace(member, user_id="6", chat_admin=True)
    assert ask(app, "/follow economy", group_admin).kind == "answer"
    with app.sessions() as session:
        chat = chat_store.find_chat(session, "telegram", "-100")
    assert chat is not None and chat.topics == ("economy",)


def test_admin_commands_are_refused_to_others_and_nothing_changes(
    app: App, feed_server: FeedServer
) -> None:
    feed_id = seed(app, "Outlet A", [S400_A])
    for command in (
        f"/removefeed {feed_id}",
        f"/pausefeed {feed_id}",
        "/feeds",
        "/stats",
        "/health",
        "/exportopml",
        f"/addfeed {feed_server.url('/feed.xml')}",
    ):
        reply = ask(app, command, READER)
        assert reply.kind == "refusal", command
        assert "for the bot's admins; nothing was changed" in texts(reply)
    with app.sessions() as session:
        feeds = feed_store.list_feeds(session)
    assert [(f.id, f.paused) for f in feeds] == [(feed_id, False)]


def test_admin_feed_commands(app: App, feed_server: FeedServer) -> None:
    feed_server.add(
        "/feed.xml",
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
        <item><title>Ankara approves the budget</title><link>https://local.example/1</link>
        <description>The Turkish parliament approved the 2027 budget on Tuesday.</description>
        </item></channel></rss>""",
    )
    added = ask(app, f"/addfeed {feed_server.url('/feed.xml')} Local", ADMIN)
    assert added.kind == "answer", texts(added)
    assert "Added feed" in texts(added) and "(1 stories stored)" in texts(added)
    duplicate = ask(app, f"/addfeed {feed_server.url('/feed.xml')}", ADMIN)
    assert duplicate.kind == "error"
    not_a_feed = ask(app, "/addfeed ftp://example.com/feed", ADMIN)
    assert "is not an http(s) URL" in texts(not_a_feed)
    with app.sessions() as session:
        (feed,) = feed_store.list_feeds(session)
    assert "Local" in texts(ask(app, "/feeds", ADMIN))
    assert "paused" in texts(ask(app, f"/pausefeed {feed.id}", ADMIN)).lower()
    assert "need attention" in texts(ask(app, "/health", ADMIN))
    assert "Resumed" in texts(ask(app, f"/resumefeed {feed.id}", ADMIN))
    assert "Stories: 1" in texts(ask(app, "/stats", ADMIN))
    export = ask(app, "/exportopml", ADMIN)
    (opml,) = export.files
    assert b"feed.xml" in opml.data
    missing = ask(app, "/removefeed 999", ADMIN)
    assert missing.kind == "error"
    assert "Removed feed" in texts(ask(app, f"/removefeed {feed.id}", ADMIN))


def test_import_opml_needs_an_attachment_and_imports_it(app: App) -> None:
    commands = Commands(app, clock=lambda: NOW)
    no_file = asyncio.run(commands.handle(Request("/importopml", ADMIN)))
    assert no_file.kind == "error" and "attach an OPML file" in texts(no_file)
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline type="rss" text="Example" xmlUrl="http://127.0.0.1:9/feed.xml"/>'
        b"</body></opml>"
    )
    reply = asyncio.run(
        commands.handle(Request("/importopml", ADMIN, Attachment("feeds.opml", opml)))
    )
    assert "Added 1 feeds" in texts(reply)


def test_digest_ranks_clusters_by_outlets_and_skips_backlog(app: App) -> None:
    seed(
        app,
        "Outlet A",
        [S400_A, story("econ", "Turkish inflation slows to 30 percent", hours_ago=0.5)],
    )
    seed(app, "Outlet B", [S400_B])
    reply = ask(app, "/digest")
    entries: list[StoryEntry] = list(reply.entries)
    assert len(entries) == 2
    assert len(entries[0].links) == 2  # the story two outlets covered comes first
    assert reply.private


def test_channels_are_attached_from_a_chat_platform(app: App) -> None:
    console = Caller("console", "me", "console")
    reply = ask(app, "/channel add @turkeynews", console)
    assert reply.kind == "error" and "not from console" in texts(reply)
    assert "No channel or group is attached" in texts(ask(app, "/channel list", console))
    assert ask(app, "/channel", console).kind == "error"
