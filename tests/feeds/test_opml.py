"""OPML import and export."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.opml import OPMLError, export_opml, parse_opml
from storage.records import FeedRecord

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def record(feed_id: int, url: str, **changes: object) -> FeedRecord:
    values: dict[str, object] = {
        "id": feed_id,
        "url": url,
        "title": None,
        "site_url": None,
        "language": None,
        "turkey_focused": True,
        "etag": None,
        "last_modified": None,
        "body_hash": None,
        "poll_interval_min": 15,
        "next_poll_at": NOW,
        "added_at": NOW,
        "last_polled_at": None,
        "last_success_at": None,
        "consecutive_failures": 0,
        "last_error": None,
        "last_error_at": None,
        "last_warning": None,
        "paused": False,
        "paused_reason": None,
    }
    values.update(changes)
    return FeedRecord(**values)  # type: ignore[arg-type]


def test_export_then_import_round_trips() -> None:
    feeds = [
        record(
            1,
            "https://a.example/rss",
            title="Ä & <Б>",
            site_url="https://a.example/",
            language="tr",
        ),
        record(2, "https://b.example/atom", turkey_focused=False, poll_interval_min=60),
    ]
    imported, skipped = parse_opml(export_opml(feeds, NOW), default_interval=15)
    assert skipped == []
    assert [
        (f.url, f.title, f.site_url, f.language, f.turkey_focused, f.poll_interval_min)
        for f in imported
    ] == [
        ("https://a.example/rss", "Ä & <Б>", "https://a.example/", "tr", True, 15),
        ("https://b.example/atom", "https://b.example/atom", None, None, False, 60),
    ]


def test_nested_outlines_from_other_readers() -> None:
    document = b"""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="News"><outline text="DW" type="rss" xmlUrl="https://rss.dw.com/rdf/rss-tur-all"/>
      <outline text="Bad" xmlUrl="ftp://x/y"/></outline></body></opml>"""
    feeds, skipped = parse_opml(document, default_interval=20)
    assert [(f.url, f.title, f.poll_interval_min) for f in feeds] == [
        ("https://rss.dw.com/rdf/rss-tur-all", "DW", 20)
    ]
    assert skipped == ["ftp://x/y: only http and https feeds are accepted"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml", "not a readable OPML"),
        (b"<rss/>", "root element is <rss>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b"<opml><body/></opml>",
            "not a readable OPML",
        ),
    ],
    ids=["garbage", "wrong-root", "no-body", "entity-expansion"],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(OPMLError, match=message):
        parse_opml(data, default_interval=15)
