"""feeds.feed_xml.read_feed_xml gives what feedparser.parse gives (but for tags), on the real
feed snapshots and on hand-made feeds that exercise what it does differently."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.feed_xml import read_feed_xml
from tests.conftest import real_feed_files

REAL = real_feed_files()
HEADER_VARIANTS: tuple[dict[str, str], ...] = (
    {
        "content-location": "https://feeds.example.com/rss/world.xml",
        "content-type": "application/rss+xml; charset=utf-8",
    },
    {"content-location": "https://example.org/a/b/feed", "content-type": "text/xml"},
    {"content-location": "https://example.org/feed", "content-type": "text/xml; charset=cp1254"},
    {},
)


def plain(value: Any) -> Any:
    """A parse result as plain data for comparison: dicts of any kind as dicts, exceptions as
    their type and message, and no ``tags`` (which read_feed_xml leaves out)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "tags"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, tuple) and not isinstance(value, time.struct_time):
        return tuple(plain(item) for item in value)
    if isinstance(value, BaseException):
        return (type(value).__name__, str(value))
    return value


def feedparser_reading(body: bytes, headers: dict[str, str]) -> Any:
    return feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def assert_same_reading(body: bytes, headers: dict[str, str]) -> None:
    expected = plain(feedparser_reading(body, headers))
    assert plain(read_feed_xml(body, headers)) == expected


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
@pytest.mark.parametrize("headers", HEADER_VARIANTS, ids=["rss", "relative", "cp1254", "none"])
def test_real_feeds_read_as_feedparser_reads_them(path: Path, headers: dict[str, str]) -> None:
    assert_same_reading(path.read_bytes(), headers)


def test_real_feeds_have_categories_to_leave_out() -> None:
    """The snapshots exercise the left-out path: feedparser finds tags in some of them."""
    with_tags = [
        path.name
        for path in REAL
        if any(entry.get("tags") for entry in feedparser_reading(path.read_bytes(), {})["entries"])
    ]
    assert len(with_tags) >= 5


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Örnek &amp; Haber</title><link>https://example.org/</link>
<language>tr</language>
<item>{item}</item>
<item><title>Second</title><link>/second</link><guid>second-1</guid>
<pubDate>Tue, 17 Feb 2026 10:00:00 +0300</pubDate></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/news/">
<title type="html">Atom &lt;b&gt;feed&lt;/b&gt;</title><id>urn:feed</id>
<entry>{item}</entry>
</feed>"""

ITEMS = {
    "plain categories": "<title>A</title><link>https://example.org/a</link>"
    "<category>Politika</category><category domain='x'>Dünya</category>"
    "<dc:subject>Ekonomi</dc:subject><description>Text &amp; more\nlines</description>",
    "category holding an element": "<category>Before<title>Inner title</title>after</category>"
    "<link>https://example.org/b</link><description>Summary</description>",
    "category with xml:base": "<category xml:base='https://other.example/'>x</category>"
    "<link>relative/path</link><guid>g-1</guid>",
    "category with xml:lang": "<category xml:lang='en'>x</category><title>Başlık</title>"
    "<description>Türkçe metin</description>",
    "category declaring xlink": "<category xmlns:xlink='http://www.w3.org/1999/xlink' "
    "xlink:href='https://example.org/x'>x</category><link>https://example.org/l</link>",
    "category in an image": "<title>I</title><image><category>c</category>"
    "<link>https://example.org/image-link</link></image>",
    "empty category": "<category/><category></category><title>T</title><link>/t</link>",
    "text in pieces": "<title>One &amp; two &#x15F; three\n four\r\n five &lt;b&gt;</title>"
    "<description><![CDATA[<p>Para <b>bold</b></p>]]> and more &amp; more</description>",
    "content encoded": "<title>C</title><content:encoded><![CDATA[<p>Full</p>"
    "<img src='/i.jpg'>]]></content:encoded><description>Short</description>",
    "media group": "<title>M</title><media:group><media:title>Media title</media:title>"
    "<media:description>Media text</media:description>"
    "<media:thumbnail url='/t.jpg'/></media:group>",
    "dates": "<title>D</title><pubDate>Sal, 17 Şub 2026 10:00:00 +0300</pubDate>"
    "<dc:date>2026-02-17T07:00:00Z</dc:date>",
}
ATOM_ENTRIES = {
    "xhtml content with category": "<title>X</title><id>tag:x</id>"
    "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Para</p>"
    "<category term='inside'/></div></content>",
    "xml content with category": "<title>Y</title><id>y</id>"
    "<content type='application/xml'><category term='inside'>z</category></content>",
    "base64 xml content with category": "<title>Y</title><id>y</id>"
    "<content type='application/xml' mode='base64'>PGI+aGk8L2I+"
    "<category term='inside'>z</category></content>",
    "base64 content": "<title>B</title><id>b</id>"
    "<content type='text/plain' mode='base64'>SGVsbG8gd29ybGQ=</content>",
    "categories and relative links": "<title type='html'>T &lt;i&gt;it&lt;/i&gt;</title>"
    "<category term='a' scheme='s' label='A'/><link href='story/1' rel='alternate'/>"
    "<id>story-1</id><updated>2026-02-17T10:00:00+03:00</updated>"
    "<summary type='html'>&lt;p&gt;S&lt;/p&gt;</summary>",
}


@pytest.mark.parametrize("item", ITEMS.values(), ids=ITEMS.keys())
@pytest.mark.parametrize("headers", HEADER_VARIANTS, ids=["rss", "relative", "cp1254", "none"])
def test_hand_made_rss_reads_as_feedparser_reads_it(item: str, headers: dict[str, str]) -> None:
    assert_same_reading(RSS.format(item=item).encode(), headers)


def test_a_category_holding_an_element_is_handed_to_feedparser_whole() -> None:
    """Tags included: the category, with its text before the element, reaches feedparser."""
    body = RSS.format(item=ITEMS["category holding an element"]).encode()
    headers = dict(HEADER_VARIANTS[0])
    expected = feedparser_reading(body, headers)["entries"][0]["tags"]
    assert read_feed_xml(body, headers)["entries"][0]["tags"] == expected
    assert expected[0]["term"] == "Beforeafter"


@pytest.mark.parametrize("entry", ATOM_ENTRIES.values(), ids=ATOM_ENTRIES.keys())
def test_hand_made_atom_reads_as_feedparser_reads_it(entry: str) -> None:
    assert_same_reading(ATOM.format(item=entry).encode(), dict(HEADER_VARIANTS[0]))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a feed",
        b"<html><head><title>Hi</title></head><body>page</body></html>",
        b"<rss><channel><item><title>unclosed & broken</title></item>",
        b"<?xml version='1.0' encoding='windows-1254'?><rss><channel><item>"
        b"<title>\xfe\xf0\xfd</title><category>c</category></item></channel></rss>",
    ],
)
def test_broken_bodies_read_as_feedparser_reads_them(body: bytes) -> None:
    assert_same_reading(body, dict(HEADER_VARIANTS[0]))


TEXT = st.text(st.sampled_from("aşİı &<>;#x\n\t]'\"/é"), max_size=30)


@settings(max_examples=150, deadline=None)
@given(title=TEXT, category=TEXT, summary=TEXT)
def test_any_text_reads_as_feedparser_reads_it(title: str, category: str, summary: str) -> None:
    item = (
        f"<title>{title}</title><category>{category}</category>"
        f"<description>{summary}</description><link>/x</link>"
    )
    assert_same_reading(RSS.format(item=item).encode(), dict(HEADER_VARIANTS[0]))
