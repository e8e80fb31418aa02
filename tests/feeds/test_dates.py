"""Publication dates: Turkish names, odd formats, zone-less values and fallbacks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from feeds.dates import parse_date_text, pick_published

FETCHED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sal, 22 Eyl 2026 22:08:24 +0300", datetime(2026, 9, 22, 19, 8, 24, tzinfo=UTC)),
        ("Çarşamba, 7 Ekim 2026 09:30:00 +0300", datetime(2026, 10, 7, 6, 30, tzinfo=UTC)),
        ("5 Ağustos 2026", datetime(2026, 8, 5, tzinfo=UTC)),
        ("Tue, 22 Sep 2026 18:32:35  Z", datetime(2026, 9, 22, 18, 32, 35, tzinfo=UTC)),
        ("2026-09-22 19:26:56", datetime(2026, 9, 22, 19, 26, 56, tzinfo=UTC)),
        ("22.09.2026 18:21:20 +00:00", datetime(2026, 9, 22, 18, 21, 20, tzinfo=UTC)),
        ("2026-02-17T17:36:36-0500", datetime(2026, 2, 17, 22, 36, 36, tzinfo=UTC)),
        ("Tue, 06 Oct 2026 10:14:45 &#x2B;0300", datetime(2026, 10, 6, 7, 14, 45, tzinfo=UTC)),
    ],
)
def test_parse_date_text(text: str, expected: datetime) -> None:
    assert parse_date_text(text) == expected


@pytest.mark.parametrize("text", ["", "garbage", "32.13.2026", "yesterday"])
def test_unreadable_dates_give_none(text: str) -> None:
    assert parse_date_text(text) is None


def test_parsed_value_wins_and_is_utc() -> None:
    parsed = time.strptime("2026-11-25 08:00:00", "%Y-%m-%d %H:%M:%S")
    when, fell_back = pick_published([parsed], ["ignored"], FETCHED)
    assert when == datetime(2026, 11, 25, 8, 0, tzinfo=UTC) and not fell_back


def test_raw_text_is_used_when_feedparser_gave_up() -> None:
    when, fell_back = pick_published([None], ["Sal, 24 Kas 2026 10:00:00 +0300"], FETCHED)
    assert when == datetime(2026, 11, 24, 7, 0, tzinfo=UTC) and not fell_back


@pytest.mark.parametrize(
    "raw",
    [None, "not a date", "Wed, 25 Nov 2026 15:00:00 +0000", "Thu, 01 Jan 1970 00:00:00 +0000"],
    ids=["missing", "unparsable", "future", "epoch"],
)
def test_fallback_to_fetch_time(raw: str | None) -> None:
    assert pick_published([None], [raw], FETCHED) == (FETCHED, True)


def test_small_clock_skew_is_tolerated() -> None:
    slightly_ahead = FETCHED + timedelta(minutes=5)
    text = slightly_ahead.strftime("%a, %d %b %Y %H:%M:%S +0000")
    assert pick_published([None], [text], FETCHED) == (slightly_ahead, False)
