"""feeds.parse.parse_feed over the real feed snapshots and hand-made edge cases (no network)."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from feeds.errors import HTMLPageError, NotAFeedError
from feeds.models import ParsedFeed, Story
from feeds.parse import parse_feed
from tests.conftest import REAL_FEEDS, SEEDS, real_feed_files

FETCHED_AT = datetime(2026, 11, 25, tzinfo=UTC)
FEED_URL = "https://feeds.example.com/rss/world.xml"
REAL = real_feed_files()

ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
TAG = re.compile(r"<[a-zA-Z/]")
TRACKING = ("utm_", "at_medium", "at_campaign", "fbclid", "maca=", "traffic_source")
SUMMARY_BOILERPLATE = (
    "appeared first on",
    "Devamı için tıklayınız",
    "Share This Article",
    "Continue reading",
    "Min Read",
)
RAW_ITEM = re.compile(rb"<(item|entry)[\s>].*?</\1>", re.S)

TURKISH = {
    "aa_tr_guncel_rss.xml",
    "bbc_turkce_rss.xml",
    "cnnturk_rss.xml",
    "diken_wordpress_rss.xml",
    "dunya_rss.xml",
    "dw_turkce_atom.xml",
    "dw_turkce_rdf.xml",
    "euronews_tr_rss.xml",
    "haberler_com_rss.xml",
    "hurriyet_gundem_rss.xml",
    "investing_tr_rss.xml",
    "milliyet_gundem_rss.xml",
    "ntv_atom.xml",
    "sabah_gundem_rss.xml",
    "sozcu_rss.xml",
    "trthaber_sondakika_rss.xml",
    "turkiyegazetesi_dunya.utf-8.xml",
    "turkiyegazetesi_dunya.windows-1254.xml",
}
FRENCH = {"google_news_top_fr_BE_2020.xml"}


def expected_language(name: str) -> str:
    if name in TURKISH:
        return "tr"
    if name in FRENCH:
        return "fr"
    return "en"


@cache
def _parse_real_once(name: str) -> ParsedFeed:
    return parse_feed((REAL_FEEDS / name).read_bytes(), {}, FEED_URL, FETCHED_AT)


def parse_real(name: str, fetched_at: datetime = FETCHED_AT) -> ParsedFeed:
    """A parsed snapshot; parsed once per file at FETCHED_AT (tests only read the result)."""
    if fetched_at == FETCHED_AT:
        return _parse_real_once(name)
    return parse_feed((REAL_FEEDS / name).read_bytes(), {}, FEED_URL, fetched_at)


def rss(items: str, channel_extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Test feed</title><link>https://feeds.example.com/</link>"
        f"<description>test</description>{channel_extra}{items}</channel></rss>\n"
    ).encode()


def by_url_fragment(stories: list[Story], fragment: str) -> Story:
    [story] = [s for s in stories if fragment in s.url]
    return story


# --- every real snapshot ---------------------------------------------------------------------


def test_all_snapshots_are_there() -> None:
    names = {p.name for p in REAL}
    assert len(names) == 31
    assert names >= TURKISH | FRENCH
    assert len(names - TURKISH - FRENCH) == 12


@pytest.fixture(params=REAL, ids=[p.name for p in REAL])
def real_feed(request: pytest.FixtureRequest) -> tuple[Path, ParsedFeed]:
    path: Path = request.param
    return path, parse_real(path.name)


def test_real_feed_yields_stories(real_feed: tuple[Path, ParsedFeed]) -> None:
    path, feed = real_feed
    assert feed.warning is None
    assert len(feed.stories) >= 1
    # one story per <item>/<entry>
    assert len(feed.stories) == len(RAW_ITEM.findall(path.read_bytes()))


def test_real_feed_urls_are_clean(real_feed: tuple[Path, ParsedFeed]) -> None:
    _, feed = real_feed
    for story in feed.stories:
        assert story.url.startswith(("http://", "https://")), story.url
        assert "#" not in story.url, story.url
        for param in TRACKING:
            assert param not in story.url, story.url


def test_real_feed_titles_are_clean(real_feed: tuple[Path, ParsedFeed]) -> None:
    _, feed = real_feed
    for story in feed.stories:
        title = story.title
        assert title
        assert title == title.strip()
        assert "  " not in title
        assert not ENTITY.search(title), title


def test_real_feed_summaries_are_clean(real_feed: tuple[Path, ParsedFeed]) -> None:
    _, feed = real_feed
    for story in feed.stories:
        summary = story.summary
        assert not TAG.search(summary), summary
        assert not ENTITY.search(summary), summary
        assert len(summary) <= 301
        assert summary != story.title
        assert summary == summary.strip()
        for phrase in SUMMARY_BOILERPLATE:
            assert phrase not in summary, summary


def test_real_feed_dates(real_feed: tuple[Path, ParsedFeed]) -> None:
    _, feed = real_feed
    for story in feed.stories:
        published = story.published_at
        assert published.tzinfo is not None
        assert published.utcoffset() == timedelta(0)
        assert published <= FETCHED_AT
        assert published.year >= 2020
        # every snapshot's dates are readable (Turkish names, zone-less, &#x2B; …)
        assert story.date_fallback is False, (story.title, published)


def test_real_feed_guid_keys(real_feed: tuple[Path, ParsedFeed]) -> None:
    path, feed = real_feed
    assert all(story.guid_key for story in feed.stories)
    # Keys are unique per distinct item. A feed that repeats an item verbatim (al-monitor does)
    # yields the same key for the copies, and those copies are the same story.
    raw_items = [match.group(0) for match in RAW_ITEM.finditer(path.read_bytes())]
    assert len(raw_items) == len(feed.stories)
    distinct_raw = len(set(raw_items))
    keys = {story.guid_key: story for story in feed.stories}
    assert len(keys) == distinct_raw
    for story in feed.stories:
        assert keys[story.guid_key] == story


def test_real_feed_language(real_feed: tuple[Path, ParsedFeed]) -> None:
    path, feed = real_feed
    expected = expected_language(path.name)
    assert {story.language for story in feed.stories} == {expected}


# --- per-feed quirks (see SOURCES.md) -------------------------------------------------------


def test_almonitor_repeats_items_verbatim() -> None:
    feed = parse_real("almonitor_2026-02-17_rss.xml")
    keys = [story.guid_key for story in feed.stories]
    assert len(keys) == 20
    assert len(set(keys)) < len(keys)


def test_windows_1254_twin_matches_utf8() -> None:
    cp1254 = parse_real("turkiyegazetesi_dunya.windows-1254.xml")
    utf8 = parse_real("turkiyegazetesi_dunya.utf-8.xml")

    def facts(feed: ParsedFeed) -> list[tuple[str, str, str, datetime, str]]:
        return [(s.title, s.summary, s.url, s.published_at, s.guid_key) for s in feed.stories]

    assert facts(cp1254) == facts(utf8)
    assert len(cp1254.stories) == 3
    assert cp1254.title == utf8.title == "Türkiye Gazetesi - Dünya"
    assert any("ş" in s.title or "ı" in s.title for s in cp1254.stories)


@pytest.mark.parametrize(
    "name", ["turkiyegazetesi_dunya.utf-8.xml", "turkiyegazetesi_dunya.windows-1254.xml"]
)
def test_turkish_day_and_month_names(name: str) -> None:
    assert b"Sal, 22 Eyl 2026 22:08:24 +0300" in (REAL_FEEDS / name).read_bytes()
    first = parse_real(name).stories[0]
    assert first.published_at == datetime(2026, 9, 22, 19, 8, 24, tzinfo=UTC)
    assert first.date_fallback is False


def test_investing_without_guid_and_zone() -> None:
    feed = parse_real("investing_tr_rss.xml")
    first = feed.stories[0]
    assert all(story.guid_key.startswith("link:") for story in feed.stories)
    assert first.guid_key == "link:" + first.url
    assert first.published_at == datetime(2026, 9, 22, 19, 26, 56, tzinfo=UTC)
    assert first.date_fallback is False


def test_haberler_apos_in_titles() -> None:
    assert b"&apos;" in (REAL_FEEDS / "haberler_com_rss.xml").read_bytes()
    first = parse_real("haberler_com_rss.xml").stories[0]
    assert first.title == (
        "Dilek Kaya İmamoğlu, Turgutlu'daki okul saldırısına 'Daha ne olması bekleniyor?' dedi"
    )


def test_dunya_escaped_apostrophe_in_summary() -> None:
    first = parse_real("dunya_rss.xml").stories[0]
    assert "İsrail'in katılımı" in first.summary
    assert "Eurovision'u" in first.title
    assert "#039" not in first.summary


def test_aljazeera_numeric_entities() -> None:
    assert b"&#039;" in (REAL_FEEDS / "aljazeera_all_rss.xml").read_bytes()
    first = parse_real("aljazeera_all_rss.xml").stories[0]
    assert first.summary.startswith("'I have the utmost respect for what you've accomplished")
    assert "traffic_source" not in first.url


def test_diken_summary_has_no_title_or_template_junk() -> None:
    feed = parse_real("diken_wordpress_rss.xml")
    for story in feed.stories:
        assert story.summary
        assert not story.summary.startswith(story.title)
        assert "#site_linkat" not in story.summary
        assert "appeared first on" not in story.summary
        assert "22.09.2026" not in story.summary
        assert "utm_" not in story.url
    assert feed.stories[0].url == (
        "https://www.diken.com.tr/"
        "enver-altaylinin-ifadesi-dokuz-yildir-cezaevindeyim-uzerimden-kampanya-yurutuluyor/"
    )


def test_sabah_summary_and_son_dakika_title() -> None:
    raw = (REAL_FEEDS / "sabah_gundem_rss.xml").read_bytes().decode()
    raw_titles = re.findall(r"<item>.*?<title><!\[CDATA\[(.*?)\]\]></title>", raw, re.S)
    feed = parse_real("sabah_gundem_rss.xml")
    assert [story.title for story in feed.stories] == [" ".join(t.split()) for t in raw_titles]
    son_dakika = by_url_fragment(feed.stories, "son-dakika-i-baskan")
    assert son_dakika.title.startswith("SON DAKİKA I Başkan Erdoğan'dan BM Genel Kurulu'nda")
    for story in feed.stories:
        assert story.summary
        assert "Devamı için tıklayınız" not in story.summary
        assert "Devamı" not in story.summary


def test_bbc_links_lose_tracking_parameters() -> None:
    assert b"?at_medium=RSS&amp;at_campaign=rss" in (REAL_FEEDS / "bbc_turkce_rss.xml").read_bytes()
    feed = parse_real("bbc_turkce_rss.xml")
    assert feed.stories[0].url == "https://www.bbc.com/turkce/articles/cvrlynk48pg4o"
    assert all("?" not in story.url for story in feed.stories)


def test_cnnturk_istanbul_time_labelled_gmt_falls_back() -> None:
    # The pubDates say 10:07–10:14 GMT but are Istanbul time (07:07–07:14 UTC); fetched just
    # after the real time, they lie about 3 h in the future and must not be trusted.
    fetched_at = datetime(2026, 10, 6, 7, 20, tzinfo=UTC)
    feed = parse_real("cnnturk_rss.xml", fetched_at)
    assert len(feed.stories) == 4
    for story in feed.stories:
        assert story.date_fallback is True
        assert story.published_at == fetched_at
    # fetched long after, the same dates are taken as written
    later = parse_real("cnnturk_rss.xml").stories[0]
    assert later.date_fallback is False
    assert later.published_at == datetime(2026, 10, 6, 10, 14, 21, tzinfo=UTC)


def test_dw_english_rdf_dates_from_dc_date() -> None:
    raw = (REAL_FEEDS / "dw_english_all_2026-02-18_rdf.xml").read_bytes().decode()
    assert "<pubDate" not in raw
    dc_dates = re.findall(r"<item\b.*?<dc:date>([^<]+)</dc:date>", raw, re.S)
    feed = parse_real("dw_english_all_2026-02-18_rdf.xml")
    assert len(feed.stories) == len(dc_dates) == 141
    for story, text in zip(feed.stories, dc_dates, strict=True):
        assert story.date_fallback is False
        assert story.published_at == datetime.fromisoformat(text)


def test_milliyet_links_from_atom_link() -> None:
    raw = (REAL_FEEDS / "milliyet_gundem_rss.xml").read_bytes().decode()
    hrefs = re.findall(r'<atom:link href="([^"]+)"/>', raw)
    feed = parse_real("milliyet_gundem_rss.xml")
    assert [story.url for story in feed.stories] == hrefs
    assert feed.stories[0].guid_key == "guid:7665606"


def test_sozcu_entity_encoded_plus_in_dates() -> None:
    assert b"10:14:45 &#x2B;0300" in (REAL_FEEDS / "sozcu_rss.xml").read_bytes()
    feed = parse_real("sozcu_rss.xml")
    story = by_url_fragment(feed.stories, "p366556")
    assert story.published_at == datetime(2026, 10, 6, 7, 14, 45, tzinfo=UTC)
    assert story.date_fallback is False


def test_google_news_french() -> None:
    feed = parse_real("google_news_top_fr_BE_2020.xml")
    assert feed.language == "fr"
    [story] = feed.stories
    assert story.language == "fr"
    assert story.published_at == datetime(2020, 3, 8, 10, 32, 7, tzinfo=UTC)
    assert story.url.startswith("https://news.google.com/")


# --- not a feed ------------------------------------------------------------------------------


def test_cloudflare_challenge_page() -> None:
    body = (REAL_FEEDS / "ntv_gundem_cloudflare_challenge.html").read_bytes()
    for headers in ({}, {"content-type": "text/html; charset=UTF-8"}):
        with pytest.raises(HTMLPageError) as caught:
            parse_feed(body, headers, "https://www.ntv.com.tr/gundem.rss", FETCHED_AT)
        message = str(caught.value)
        assert "HTML page" in message
        assert "challenge" in message
        assert "Just a moment" in message


def test_home_page_is_an_html_page_but_no_challenge() -> None:
    body = (
        b"<!DOCTYPE html><html><head><title>Home</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
        b"<body><h1>Welcome</h1><p>Latest news from our newsroom.</p></body></html>"
    )
    with pytest.raises(HTMLPageError) as caught:
        parse_feed(body, {"content-type": "text/html"}, FEED_URL, FETCHED_AT)
    message = str(caught.value)
    assert "HTML page" in message
    assert "'Home'" in message
    assert "challenge" not in message


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(NotAFeedError, match="empty") as caught:
        parse_feed(body, {}, FEED_URL, FETCHED_AT)
    assert type(caught.value) is NotAFeedError


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (random.Random(20261125).randbytes(4096), "application/octet-stream"),
        (random.Random(7).randbytes(512), ""),
        (json.dumps({"items": [{"title": "x", "url": "https://e.com/"}]}).encode(), ""),
        (json.dumps({"version": "https://jsonfeed.org/version/1.1"}).encode(), "application/json"),
        (b"just some plain text, no markup at all\n", "text/plain"),
    ],
    ids=["random-4k", "random-512", "json", "jsonfeed", "text"],
)
def test_other_bodies_are_not_a_feed(body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    with pytest.raises(NotAFeedError, match="not an RSS, Atom or RDF feed") as caught:
        parse_feed(body, headers, FEED_URL, FETCHED_AT)
    assert type(caught.value) is NotAFeedError


def test_valid_feed_without_items() -> None:
    feed = parse_feed(rss("", "<language>tr</language>"), {}, FEED_URL, FETCHED_AT)
    assert feed.stories == []
    assert feed.warning is None
    assert feed.title == "Test feed"
    assert feed.language == "tr"


# --- malformed but partly readable ----------------------------------------------------------


def test_feed_cut_in_the_middle_of_an_item() -> None:
    body = (REAL_FEEDS / "npr_world_2026-02-17_rss.xml").read_bytes()
    starts = [m.start() for m in re.finditer(rb"<item>", body)]
    cut = body[: starts[4] + 120]  # inside the fifth item
    feed = parse_feed(cut, {}, FEED_URL, FETCHED_AT)
    assert feed.warning is not None
    assert "malformed" in feed.warning
    assert len(feed.stories) >= 4
    complete = parse_real("npr_world_2026-02-17_rss.xml")
    assert [s.url for s in feed.stories[:4]] == [s.url for s in complete.stories[:4]]


def test_unescaped_ampersand_in_description() -> None:
    body = (REAL_FEEDS / "npr_world_2026-02-17_rss.xml").read_bytes()
    at = body.index(b"<description>", body.index(b"<item>")) + len(b"<description>")
    broken = body[:at] + b"Tom & Jerry " + body[at:]
    feed = parse_feed(broken, {}, FEED_URL, FETCHED_AT)
    assert feed.warning is not None
    assert "malformed" in feed.warning
    complete = parse_real("npr_world_2026-02-17_rss.xml")
    assert len(feed.stories) == len(complete.stories)
    assert feed.stories[0].summary.startswith("Tom & Jerry ")


# --- the seed article -----------------------------------------------------------------------

SEED = SEEDS / "000_6e34671e87fd4ac5.txt"
SEED_BOILERPLATE = (
    "News About Turkey - NAT",
    "6 Min Read",
    "Min Read",
    "Show us some LOVE",
    "***",
    "Share This Article",
    "Founded by",
    "Leave a comment",
)


def seed_feed(lines: list[str], *, cdata: bool) -> bytes:
    title = SEED.read_text(encoding="utf-8").splitlines()[0]
    paragraphs = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    description = f"<![CDATA[{paragraphs}]]>" if cdata else escape(paragraphs)
    item = (
        f"<item><title>{escape(title)}</title>"
        "<link>https://www.newsaboutturkey.com/2021/08/26/russia-s-400-card/"
        "?utm_source=rss&amp;utm_medium=rss</link>"
        '<guid isPermaLink="false">https://www.newsaboutturkey.com/?p=80151</guid>'
        "<pubDate>Thu, 26 Aug 2021 09:00:00 +0000</pubDate>"
        f"<description>{description}</description></item>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>News About Turkey - NAT</title><link>https://www.newsaboutturkey.com/</link>"
        f"<description>News About Turkey</description><language>en-US</language>{item}"
        "</channel></rss>\n"
    ).encode()


def seed_lines() -> list[str]:
    return [
        line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()[1:] if line.strip()
    ]


@pytest.mark.parametrize("cdata", [True, False], ids=["cdata", "entity-escaped"])
def test_seed_article_summary(cdata: bool) -> None:
    feed = parse_feed(seed_feed(seed_lines(), cdata=cdata), {}, FEED_URL, FETCHED_AT)
    [story] = feed.stories
    assert story.title == (
        "Russia is playing S-400 card in Turkey for strategic purposes, say experts"
    )
    assert story.url == "https://www.newsaboutturkey.com/2021/08/26/russia-s-400-card/"
    assert story.language == "en"
    assert story.published_at == datetime(2021, 8, 26, 9, 0, tzinfo=UTC)
    summary = story.summary
    assert summary.startswith("Amid increased contact between Turkey")
    assert len(summary) <= 300
    assert summary.endswith((".", "!", "?", '"', "”", "’"))
    assert not summary.endswith("…")
    for phrase in SEED_BOILERPLATE:
        assert phrase not in summary


def test_seed_boilerplate_around_a_short_text_is_dropped() -> None:
    # Only one real sentence between the header and footer furniture: the furniture must go,
    # not just fall beyond the 300-character cut.
    lines = seed_lines()
    sentence = "Turkish officials have not yet reacted to the claim."
    kept = [*lines[:2], sentence, *lines[lines.index("***Show us some LOVE by sharing it!***") :]]
    assert "Share This Article" in kept
    assert "Leave a comment" in kept
    assert any(line.startswith("Founded by") for line in kept)
    feed = parse_feed(seed_feed(kept, cdata=True), {}, FEED_URL, FETCHED_AT)
    assert feed.stories[0].summary == sentence


# --- titles and links -----------------------------------------------------------------------


def test_rss_title_entities_become_literal_text() -> None:
    body = rss(
        "<item><title>AT&amp;T &lt;b&gt;deal&lt;/b&gt; 5 &lt; 6</title>"
        "<link>https://example.com/att</link><description>Big deal.</description></item>"
    )
    [story] = parse_feed(body, {}, FEED_URL, FETCHED_AT).stories
    assert story.title == "AT&T <b>deal</b> 5 < 6"


def test_atom_html_title_is_stripped_to_text() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title>'
        b"<id>urn:test:feed</id><updated>2026-09-01T00:00:00Z</updated>"
        b'<link rel="alternate" href="https://example.com/"/>'
        b'<entry><title type="html">&lt;b&gt;Ankara&lt;/b&gt; &lt;i&gt;talks&lt;/i&gt; '
        b"resume &amp;amp; continue</title>"
        b'<link rel="alternate" href="https://example.com/story/1"/><id>urn:test:1</id>'
        b"<updated>2026-09-01T12:00:00Z</updated>"
        b"<summary>Negotiators met again on Monday.</summary></entry></feed>"
    )
    feed = parse_feed(body, {}, FEED_URL, FETCHED_AT)
    [story] = feed.stories
    assert story.title == "Ankara talks resume & continue"
    assert story.summary == "Negotiators met again on Monday."
    assert story.guid_key == "guid:urn:test:1"
    assert story.published_at == datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = rss(
        "<item><title>Relative one</title>"
        "<link>../news/2026/story-1.html?utm_source=rss&amp;id=7#comments</link></item>"
        "<item><title>Root relative</title><link>/news/story-2</link></item>"
    )
    feed = parse_feed(body, {}, "https://feeds.example.com/rss/world/feed.xml", FETCHED_AT)
    assert [story.url for story in feed.stories] == [
        "https://feeds.example.com/rss/news/2026/story-1.html?id=7",
        "https://feeds.example.com/news/story-2",
    ]


def test_atom_relative_links_resolve() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:a</id>'
        b"<updated>2026-09-01T00:00:00Z</updated>"
        b'<entry><title>One</title><link href="story/1"/><id>urn:a:1</id>'
        b"<updated>2026-09-01T00:00:00Z</updated></entry></feed>"
    )
    [story] = parse_feed(body, {}, "https://example.org/blog/atom.xml", FETCHED_AT).stories
    assert story.url == "https://example.org/blog/story/1"


_CP1254 = REAL_FEEDS / "turkiyegazetesi_dunya.windows-1254.xml"
_UTF8 = REAL_FEEDS / "turkiyegazetesi_dunya.utf-8.xml"
_TITLE = "Trump duyurmuştu! Grönland anlaşması resmen imzalandı"


@pytest.mark.parametrize(
    ("source", "edit", "content_type", "hint"),
    [
        (_CP1254, None, "application/rss+xml; charset=utf-8", None),
        (_CP1254, None, "application/xml; charset=ISO-8859-1", None),
        (_CP1254, (b' encoding="windows-1254"', b""), "", None),
        (_CP1254, (b' encoding="windows-1254"', b""), "text/xml; charset=iso-8859-1", None),
        (_CP1254, (b' encoding="windows-1254"', b""), "", "tr"),
        (_UTF8, None, "text/xml; charset=ISO-8859-1", None),
        (_UTF8, (b"<rss", b'<?xml version="1.0" encoding="windows-1254"?>\n<rss'), "", None),
    ],
    ids=[
        "cp1254-declared-header-says-utf8",
        "cp1254-declared-header-says-latin1",
        "cp1254-undeclared",
        "cp1254-undeclared-header-says-latin1",
        "cp1254-undeclared-feed-known-turkish",
        "utf8-header-says-latin1",
        "utf8-declared-as-cp1254",
    ],
)
def test_wrong_or_missing_encoding_declarations_decode_right(
    source: Path, edit: tuple[bytes, bytes] | None, content_type: str, hint: str | None
) -> None:
    body = source.read_bytes()
    if edit is not None:
        assert edit[0] in body
        body = body.replace(*edit, 1)
    parsed = parse_feed(
        body, {"content-type": content_type}, "https://x.example/f", FETCHED_AT, hint
    )
    assert parsed.stories[0].title == _TITLE
    assert all("\ufffd" not in s.title + s.summary for s in parsed.stories)


def test_entries_without_a_link_get_a_feed_scoped_key() -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><guid isPermaLink="false">42</guid>'
        b"<title>Only a title</title><description>Some text here.</description></item>"
        b"</channel></rss>"
    )
    first = parse_feed(body, {}, "https://a.example/rss", FETCHED_AT).stories[0]
    second = parse_feed(body, {}, "https://b.example/rss", FETCHED_AT).stories[0]
    assert first.guid_key == second.guid_key == "guid:42"
    assert first.url.startswith("urn:haberci:") and first.url != second.url
    assert first.title == "Only a title" and first.summary == "Some text here."
