"""The whole pipeline against a local feed server, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from feeds.errors import HTMLPageError, HTTPStatusError
from feeds.fetch import Fetcher, FetchLimits
from feeds.ingest import Ingest, IngestSettings
from feeds.schedule import PollPolicy
from feeds.ssrf import AddressPolicy
from feeds.tag import Tagger
from feeds.taxonomy import load_taxonomy
from storage import clusters as cluster_store
from storage import feeds as feed_store
from storage import stories as story_store
from storage.feeds import FeedAlreadyExistsError, NewFeed
from storage.records import FeedRecord, StoryRecord
from storage.tables import ClusterRow
from tests.conftest import REAL_FEEDS, SEEDS, real_feed_files
from tests.support.feed_server import FeedServer


class Clock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TAGGER = Tagger(load_taxonomy())


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 body from (guid, title, description) triples."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><link>https://news.example/{guid}</link>"
        f"<description>{d}</description><pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate></item>"
        for guid, t, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://news.example/</link>{body}</channel></rss>"
    ).encode()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    limits = FetchLimits(timeout=2, deadline=4, max_body_bytes=2 * 1024 * 1024)
    async with Fetcher(limits, AddressPolicy(allow_private=True)) as instance:
        yield instance


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def make_ingest(
    sessions: sessionmaker[Session], fetcher: Fetcher, clock: Clock, pause_after: int = 3
) -> Ingest:
    settings = IngestSettings(
        poll=PollPolicy(
            jitter=0.1, max_backoff=timedelta(hours=6), pause_after_failures=pause_after
        )
    )
    return Ingest(sessions, fetcher, settings, clock=clock, rng=random.Random(7), tagger=TAGGER)


def register(sessions: sessionmaker[Session], url: str, clock: Clock) -> FeedRecord:
    with sessions.begin() as session:
        return feed_store.add_feed(session, NewFeed(url=url, poll_interval_min=15), clock())


def reload(sessions: sessionmaker[Session], feed_id: int) -> FeedRecord:
    with sessions() as session:
        feed = feed_store.get_feed(session, feed_id)
    assert feed is not None
    return feed


async def test_every_real_snapshot_is_ingested(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    files = real_feed_files()
    for path in files:
        feed_server.add(f"/{path.name}", path.read_bytes(), content_type="application/xml")
        register(sessions, feed_server.url(f"/{path.name}"), clock)
    outcomes = await make_ingest(sessions, fetcher, clock).poll_due()
    assert len(outcomes) == len(files)
    assert [o.error for o in outcomes if o.status == "error"] == []
    with sessions() as session:
        stored = story_store.list_stories(session)
        per_feed = feed_store.story_counts(session)
    assert all(o.new + o.duplicate > 0 for o in outcomes), "every snapshot yields stories"
    # The windows-1254 and UTF-8 copies of one feed carry the same stories: stored once.
    assert len(per_feed) == len(files) - 1
    assert sum(o.new for o in outcomes) == len(stored)
    assert len({s.url for s in stored}) == len(stored)
    # The same DW article appears in the Atom and RDF feeds with different tracking values.
    dw = [s for s in stored if "a-79379215" in s.url]
    assert len(dw) == 1


async def test_second_poll_takes_the_304_path(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/f.xml", rss([("1", "One", "First story.")]), etag='"v1"')
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    first = await ingest.poll_feed(feed)
    assert (first.status, first.new) == ("ok", 1)
    second = await ingest.poll_feed(reload(sessions, feed.id))
    assert second.not_modified
    assert feed_server.requests_for("/f.xml")[-1].headers["if-none-match"] == '"v1"'
    assert reload(sessions, feed.id).last_success_at == START


async def test_unchanged_body_without_validators_is_not_parsed_again(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/f.xml", rss([("1", "One", "First story.")]))
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    await ingest.poll_feed(feed)
    second = await ingest.poll_feed(reload(sessions, feed.id))
    assert second.not_modified and second.duplicate == 0


async def test_edited_and_new_entries(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/f.xml", rss([("1", "One", "First story."), ("2", "Two", "Second story.")]))
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    await ingest.poll_feed(feed)
    feed_server.add(
        "/f.xml",
        rss(
            [
                ("1", "One (corrected)", "First story, corrected."),
                ("2", "Two", "Second story."),
                ("3", "Three", "Third story."),
            ]
        ),
    )
    outcome = await ingest.poll_feed(reload(sessions, feed.id))
    assert (outcome.new, outcome.updated, outcome.duplicate) == (1, 1, 1)
    with sessions() as session:
        titles = sorted(s.title for s in story_store.list_stories(session))
    assert titles == ["One (corrected)", "Three", "Two"]


async def test_the_same_story_in_two_feeds_is_stored_once(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    body = (REAL_FEEDS / "bbc_turkce_rss.xml").read_bytes()
    feed_server.add("/a.xml", body)
    feed_server.add("/b.xml", body)
    first = register(sessions, feed_server.url("/a.xml"), clock)
    second = register(sessions, feed_server.url("/b.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    one = await ingest.poll_feed(first)
    two = await ingest.poll_feed(second)
    assert one.new == 4 and (two.new, two.duplicate) == (0, 4)


async def test_backlog_is_relative_to_when_the_feed_was_added(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/f.xml", (REAL_FEEDS / "bbc_turkce_rss.xml").read_bytes())
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    await make_ingest(sessions, fetcher, clock).poll_feed(feed)
    with sessions() as session:
        assert all(s.is_backlog for s in story_store.list_stories(session))

    clock.now = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)  # a feed added just after these stories
    feed_server.add("/g.xml", (REAL_FEEDS / "sozcu_rss.xml").read_bytes())
    fresh = register(sessions, feed_server.url("/g.xml"), clock)
    await make_ingest(sessions, fetcher, clock).poll_feed(fresh)
    with sessions() as session:
        sozcu = story_store.list_stories(session, feed_id=fresh.id)
    assert sozcu and not any(s.is_backlog for s in sozcu)


async def test_failures_back_off_then_pause_and_resume_resets(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add_status("/down.xml", 500)
    feed = register(sessions, feed_server.url("/down.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock, pause_after=3)
    delays = []
    for _ in range(3):
        outcome = await ingest.poll_feed(reload(sessions, feed.id))
        assert outcome.status == "error" and "HTTP 500" in (outcome.error or "")
        stored = reload(sessions, feed.id)
        delays.append(stored.next_poll_at - clock.now)
    assert delays[0] <= timedelta(minutes=15) and delays[1] <= timedelta(minutes=30)
    assert delays[2] >= timedelta(minutes=30), "backoff doubles (jitter at most halves it)"
    stored = reload(sessions, feed.id)
    assert stored.paused and stored.consecutive_failures == 3
    assert "3 consecutive failures" in (stored.paused_reason or "")
    assert stored.last_error and "HTTP 500" in stored.last_error
    with sessions.begin() as session:
        assert (
            feed_store.claim_due_feeds(session, clock.now + timedelta(days=1), timedelta(minutes=1))
            == []
        )
    with sessions.begin() as session:
        feed_store.resume_feed(session, feed.id, clock.now)
    feed_server.add("/down.xml", rss([("1", "Back", "It works again.")]))
    outcome = await ingest.poll_feed(reload(sessions, feed.id))
    assert outcome.status == "ok" and outcome.new == 1
    stored = reload(sessions, feed.id)
    assert (stored.paused, stored.consecutive_failures) == (False, 0)


async def test_retry_after_is_honoured(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add_status("/busy.xml", 429, headers={"Retry-After": "7200"})
    feed = register(sessions, feed_server.url("/busy.xml"), clock)
    await make_ingest(sessions, fetcher, clock).poll_feed(feed)
    assert reload(sessions, feed.id).next_poll_at >= clock.now + timedelta(seconds=7200)


async def test_html_instead_of_a_feed_is_recorded_on_the_feed(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    page = (REAL_FEEDS / "ntv_gundem_cloudflare_challenge.html").read_bytes()
    feed_server.add("/gundem.rss", page, content_type="text/html; charset=UTF-8", status=403)
    feed_server.add("/home.rss", page, content_type="text/html; charset=UTF-8")
    blocked = register(sessions, feed_server.url("/gundem.rss"), clock)
    challenge = register(sessions, feed_server.url("/home.rss"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    assert "HTTP 403" in ((await ingest.poll_feed(blocked)).error or "")
    outcome = await ingest.poll_feed(challenge)
    assert outcome.status == "error"
    error = reload(sessions, challenge.id).last_error or ""
    assert "HTML page" in error and "challenge" in error


async def test_malformed_feed_keeps_what_it_can_and_records_the_problem(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    body = rss([("1", "One", "First."), ("2", "Two", "Second.")]).replace(
        b"Second.", b"Second & broken <unclosed"
    )
    feed_server.add("/bad.xml", body)
    feed = register(sessions, feed_server.url("/bad.xml"), clock)
    outcome = await make_ingest(sessions, fetcher, clock).poll_feed(feed)
    assert outcome.status == "ok" and outcome.new >= 1
    assert "malformed" in (reload(sessions, feed.id).last_warning or "")


async def test_add_feed_validates_by_fetching_and_stores_first_stories(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/ok.xml", (REAL_FEEDS / "trthaber_sondakika_rss.xml").read_bytes())
    feed_server.add(
        "/page",
        b"<!DOCTYPE html><html><head><title>Home</title></head></html>",
        content_type="text/html",
    )
    ingest = make_ingest(sessions, fetcher, clock)
    feed, outcome = await ingest.add_feed(
        NewFeed(url=feed_server.url("/ok.xml"), poll_interval_min=30, turkey_focused=False)
    )
    assert feed.title == "TRT Haber Son Dakika Haberler" and not feed.turkey_focused
    assert outcome.new == 6 and feed.last_success_at == START
    with pytest.raises(FeedAlreadyExistsError):
        await ingest.add_feed(NewFeed(url=feed_server.url("/ok.xml"), poll_interval_min=30))
    with pytest.raises(HTMLPageError):
        await ingest.add_feed(NewFeed(url=feed_server.url("/page"), poll_interval_min=30))
    with pytest.raises(HTTPStatusError):
        await ingest.add_feed(NewFeed(url=feed_server.url("/missing"), poll_interval_min=30))
    with sessions() as session:
        assert [f.url for f in feed_store.list_feeds(session)] == [feed_server.url("/ok.xml")]


async def test_seed_article_in_a_feed_entry_gets_a_clean_summary(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    text = next(Path(SEEDS).glob("000_*.txt")).read_text(encoding="utf-8")
    title, *lines = text.splitlines()
    paragraphs = "".join(f"<p>{line}</p>" for line in lines if line.strip())
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News About '
        "Turkey</title><link>https://newsaboutturkey.com/</link><item><title>"
        f"{title}</title><link>https://newsaboutturkey.com/2021/08/27/s-400/?utm_source=rss</link>"
        f"<description><![CDATA[{paragraphs}]]></description></item></channel></rss>"
    )
    feed_server.add("/nat.xml", body)
    feed = register(sessions, feed_server.url("/nat.xml"), clock)
    await make_ingest(sessions, fetcher, clock).poll_feed(feed)
    with sessions() as session:
        (story,) = story_store.list_stories(session)
    assert story.url == "https://newsaboutturkey.com/2021/08/27/s-400/"
    assert story.summary.startswith("Amid increased contact between Turkey and the western world")
    assert story.summary.endswith("away from the US and Europe.")
    for boilerplate in (
        "Min Read",
        "Share This Article",
        "LOVE",
        "Founded by",
        "Leave a comment",
        "News About Turkey - NAT",
        title,
    ):
        assert boilerplate not in story.summary


async def test_entries_without_a_summary_get_one_from_their_article_page(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    import gzip
    import json
    from xml.sax.saxutils import escape

    articles = REAL_FEEDS.parent.parent / "articles"
    expected = next(
        page
        for page in json.loads((articles / "expected.json").read_text(encoding="utf-8"))
        if page["file"].startswith("bbc_en_2026-04-25_nato")
    )
    page = gzip.decompress((articles / expected["file"]).read_bytes())
    feed_server.add("/article/nato", page, content_type="text/html; charset=utf-8")
    link = feed_server.url("/article/nato")
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f'<item><guid isPermaLink="false">nato-1</guid><title>{escape(expected["title"])}</title>'
        f"<link>{link}</link></item>"
        f'<item><guid isPermaLink="false">other</guid><title>Other</title><link>{link}?x=2</link>'
        "<description>A summary that is long enough to be shown to readers as it stands, "
        "so no article page is read for it.</description></item></channel></rss>"
    )
    feed_server.add("/f.xml", body)
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    await ingest.poll_feed(feed)
    with sessions() as session:
        stories = {s.guid_key: s for s in story_store.list_stories(session)}
    assert set(stories) == {"guid:nato-1", "guid:other"}, stories
    summary = stories["guid:nato-1"].summary
    lead_start = " ".join((expected["standfirst"] or expected["lead"]).split()[:6])
    assert summary.startswith(lead_start) and len(summary) <= 300
    assert "nato" in stories["guid:nato-1"].topics
    assert len(feed_server.requests_for("/article/nato")) == 1

    feed_server.add("/f.xml", body + "<!-- changed bytes, same entries -->")
    outcome = await ingest.poll_feed(reload(sessions, feed.id))
    assert (outcome.new, outcome.updated, outcome.duplicate) == (0, 0, 2)
    assert len(feed_server.requests_for("/article/nato")) == 1, "no second fetch"


async def test_article_fetching_can_be_turned_off(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add(
        "/page", b"<html><body><p>Text of the page.</p></body></html>", content_type="text/html"
    )
    feed_server.add(
        "/f.xml",
        rss([("1", "Only a title", "")]).replace(
            b"https://news.example/1", feed_server.url("/page").encode()
        ),
    )
    feed = register(sessions, feed_server.url("/f.xml"), clock)
    ingest = Ingest(
        sessions, fetcher, IngestSettings(article_fetches=0), clock=clock, rng=random.Random(1)
    )
    await ingest.poll_feed(feed)
    assert feed_server.requests_for("/page") == []
    with sessions() as session:
        (story,) = story_store.list_stories(session)
    assert story.summary == ""


async def test_a_new_feed_gets_article_summaries_on_its_first_fetch(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    page = (
        "<html><head><title>Quake</title></head><body><article><h1>Quake</h1>"
        "<p>A magnitude 5.1 earthquake shook the Aegean coast on Monday, officials said, "
        "and no damage was reported in the towns nearby.</p></article></body></html>"
    )
    feed_server.add("/a/quake", page, content_type="text/html; charset=utf-8")
    feed_server.add(
        "/f.xml",
        rss([("1", "Quake", "")]).replace(
            b"https://news.example/1", feed_server.url("/a/quake").encode()
        ),
    )
    _, outcome = await make_ingest(sessions, fetcher, clock).add_feed(
        NewFeed(url=feed_server.url("/f.xml"), poll_interval_min=15)
    )
    assert outcome.new == 1
    with sessions() as session:
        (story,) = story_store.list_stories(session)
    assert story.summary.startswith("A magnitude 5.1 earthquake shook the Aegean coast")
    assert "disasters" in story.topics


async def test_general_feed_stories_are_judged_with_their_article_summary(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    page = (
        "<html><head><title>Talks</title></head><body><article><h1>Talks</h1>"
        "<p>Turkish and Greek ministers met in Ankara on Monday to discuss maritime borders, "
        "officials from both countries said after the meeting.</p></article></body></html>"
    )
    feed_server.add("/a/talks", page, content_type="text/html; charset=utf-8")
    feed_server.add(
        "/f.xml",
        rss([("1", "Ministers meet", "")]).replace(
            b"https://news.example/1", feed_server.url("/a/talks").encode()
        ),
    )
    await make_ingest(sessions, fetcher, clock).add_feed(
        NewFeed(url=feed_server.url("/f.xml"), poll_interval_min=15, turkey_focused=False)
    )
    with sessions() as session:
        (story,) = story_store.list_stories(session)
    assert story.summary.startswith("Turkish and Greek ministers met in Ankara")
    assert story.about_turkey is True


PERU_REPORTS = [
    (
        "peru-a",
        "Peru's Congress removes interim President José Jerí over corruption probe",
        "Lawmakers voted to oust José Jerí, Peru's interim president, after prosecutors opened "
        "an investigation into undisclosed meetings with a Chinese businessman.",
    ),
    (
        "peru-b",
        "Peruvian lawmakers oust Jerí as interim president amid corruption scandal",
        "Peru's Congress censured interim President José Jerí on Tuesday over secret meetings "
        "with a Chinese businessman, deepening the country's political turmoil.",
    ),
    (
        "peru-c",
        "Jerí ousted as Peru's Congress votes to remove interim president",
        "Lawmakers in Lima cited an investigation into undisclosed meetings with a Chinese "
        "businessman, making Jerí the latest Peruvian leader toppled by Congress.",
    ),
]
SUDAN_REPORT = (
    "sudan",
    "Sudan: drone strike on El Fasher market kills dozens, activists say",
    "A paramilitary Rapid Support Forces drone hit a crowded market in the besieged city of "
    "El Fasher in North Darfur, according to local activists.",
)
OLYMPICS_REPORT = (
    "olympics",
    "Norway wins Olympic gold in men's cross-country relay",
    "Norway's skiers took gold in the men's 4x10km relay at the Winter Olympics in Milan "
    "Cortina, ahead of France and Italy.",
)
SWIFT_REPORT = (
    "swift",
    "Man charged over plot to attack Taylor Swift concert in Vienna",
    "Austrian prosecutors charged a 21-year-old man with planning an attack on a Taylor Swift "
    "concert that was cancelled last summer.",
)


def stored_by_guid(sessions: sessionmaker[Session]) -> dict[str, StoryRecord]:
    """Stored stories by the guid their test feed gave them (the last part of their URL)."""
    with sessions() as session:
        return {s.url.rsplit("/", 1)[1]: s for s in story_store.list_stories(session)}


def stored_cluster(sessions: sessionmaker[Session], cluster_id: int) -> tuple[int, int]:
    """(stories, sources) of a stored cluster."""
    with sessions() as session:
        row = session.get(ClusterRow, cluster_id)
        assert row is not None, f"no cluster {cluster_id}"
        return row.story_count, row.source_count


async def test_reports_of_one_event_in_two_feeds_share_a_cluster_across_restarts(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/a.xml", rss([PERU_REPORTS[0], SUDAN_REPORT], title="Outlet A"))
    feed_server.add("/b.xml", rss([PERU_REPORTS[1], OLYMPICS_REPORT], title="Outlet B"))
    first = register(sessions, feed_server.url("/a.xml"), clock)
    second = register(sessions, feed_server.url("/b.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    assert (await ingest.poll_feed(first)).new == 2
    assert (await ingest.poll_feed(second)).new == 2
    stored = stored_by_guid(sessions)
    event = stored["peru-a"].id
    assert {guid: s.cluster_id for guid, s in stored.items()} == {
        "peru-a": event,
        "peru-b": event,
        "sudan": stored["sudan"].id,
        "olympics": stored["olympics"].id,
    }
    assert stored_cluster(sessions, event) == (2, 2)
    assert stored_cluster(sessions, stored["sudan"].id) == (1, 1)

    # A new process (its window restored from the database) places a third outlet's report
    # in the same cluster.
    ingest.close()
    feed_server.add("/c.xml", rss([PERU_REPORTS[2], SWIFT_REPORT], title="Outlet C"))
    third = register(sessions, feed_server.url("/c.xml"), clock)
    restarted = make_ingest(sessions, fetcher, clock)
    assert (await restarted.poll_feed(third)).new == 2
    stored = stored_by_guid(sessions)
    assert stored["peru-c"].cluster_id == event
    assert stored["swift"].cluster_id == stored["swift"].id
    assert stored_cluster(sessions, event) == (3, 3)
    with sessions() as session:
        sources = cluster_store.cluster_sources(session, [event])[event]
        assert [s.id for s in story_store.list_stories(session, cluster_id=event)] == [
            stored["peru-c"].id,
            stored["peru-b"].id,
            stored["peru-a"].id,
        ]
    assert sorted(s.source for s in sources) == ["Outlet A", "Outlet B", "Outlet C"]
    restarted.close()


async def test_a_running_process_places_reports_next_to_another_process_s(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    """Two processes on one database: each keeps its window in memory and, before placing new
    stories, reads the clustered stories stored since (a look-up from its newest story id on),
    so a report joins the cluster the other process started, and a later report of the first
    process joins it too."""
    feed_server.add("/a.xml", rss([PERU_REPORTS[0]], title="Outlet A"))
    feed_server.add("/b.xml", rss([SUDAN_REPORT, PERU_REPORTS[1]], title="Outlet B"))
    feed_server.add("/c.xml", rss([OLYMPICS_REPORT], title="Outlet C"))
    a, b, c = (register(sessions, feed_server.url(f"/{x}.xml"), clock) for x in "abc")
    first, second = make_ingest(sessions, fetcher, clock), make_ingest(sessions, fetcher, clock)
    assert (await second.poll_feed(c)).new == 1  # the second process's window is in memory
    assert (await first.poll_feed(a)).new == 1
    assert (await second.poll_feed(b)).new == 2
    stored = stored_by_guid(sessions)
    event = stored["peru-a"].id
    assert stored["peru-b"].cluster_id == event
    assert stored["sudan"].cluster_id == stored["sudan"].id
    assert stored_cluster(sessions, event) == (2, 2)
    # The first process, in turn, sees the second's report in its window.
    feed_server.add("/d.xml", rss([PERU_REPORTS[2]], title="Outlet D"))
    d = register(sessions, feed_server.url("/d.xml"), clock)
    assert (await first.poll_feed(d)).new == 1
    assert stored_by_guid(sessions)["peru-c"].cluster_id == event
    assert stored_cluster(sessions, event) == (3, 3)
    first.close()
    second.close()


async def test_clustering_can_be_turned_off(
    sessions: sessionmaker[Session], fetcher: Fetcher, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.add("/a.xml", rss([PERU_REPORTS[0], SUDAN_REPORT]))
    feed_server.add("/b.xml", rss([PERU_REPORTS[1]]))
    feeds = [register(sessions, feed_server.url(path), clock) for path in ("/a.xml", "/b.xml")]
    ingest = Ingest(
        sessions, fetcher, IngestSettings(clusters=None), clock=clock, rng=random.Random(1)
    )
    outcomes = await ingest.poll_feeds(feeds)
    assert [o.new for o in outcomes] == [2, 1]
    stored = stored_by_guid(sessions)
    assert len(stored) == 3 and all(s.cluster_id is None for s in stored.values())
    with sessions() as session:
        assert not any(cluster_store.cluster_exists(session, s.id) for s in stored.values())
        assert len(cluster_store.unclustered(session, since=None, after_id=0, limit=10)) == 3
    ingest.close()


async def test_a_feed_polled_after_another_was_removed_gets_its_stories_clustered(
    sessions: sessionmaker[Session],
    fetcher: Fetcher,
    feed_server: FeedServer,
    clock: Clock,
    request: pytest.FixtureRequest,
) -> None:
    """A feed added by mistake and removed: the next feed's stories are stored and clustered."""
    feed_server.add("/mistake.xml", rss([SWIFT_REPORT]))
    feed_server.add("/right.xml", rss([PERU_REPORTS[0]]))
    mistake = register(sessions, feed_server.url("/mistake.xml"), clock)
    ingest = make_ingest(sessions, fetcher, clock)
    assert (await ingest.poll_feed(mistake)).new == 1
    with sessions.begin() as session:
        feed_store.remove_feed(session, mistake.id)
    right = register(sessions, feed_server.url("/right.xml"), clock)
    outcome = await make_ingest(sessions, fetcher, clock).poll_feed(right)
    assert (outcome.status, outcome.new) == ("ok", 1)
    (story,) = stored_by_guid(sessions).values()
    assert story.cluster_id == story.id and stored_cluster(sessions, story.id) == (1, 1)
    ingest.close()
