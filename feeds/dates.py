"""Publication dates: what feedparser could not parse (Turkish names, odd formats) and fallbacks."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Dates later than this past the fetch time are treated as wrong (a zone mistaken for GMT …).
FUTURE_TOLERANCE = timedelta(minutes=15)
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)

_TURKISH_MONTHS = {
    "ocak": "Jan",
    "oca": "Jan",
    "şubat": "Feb",
    "şub": "Feb",
    "mart": "Mar",
    "mar": "Mar",
    "nisan": "Apr",
    "nis": "Apr",
    "mayıs": "May",
    "may": "May",
    "haziran": "Jun",
    "haz": "Jun",
    "temmuz": "Jul",
    "tem": "Jul",
    "ağustos": "Aug",
    "ağu": "Aug",
    "eylül": "Sep",
    "eyl": "Sep",
    "ekim": "Oct",
    "eki": "Oct",
    "kasım": "Nov",
    "kas": "Nov",
    "aralık": "Dec",
    "ara": "Dec",
}
_TURKISH_DAYS = {
    "pazartesi": "Mon",
    "pzt": "Mon",
    "salı": "Tue",
    "sal": "Tue",
    "çarşamba": "Wed",
    "çar": "Wed",
    "perşembe": "Thu",
    "per": "Thu",
    "cuma": "Fri",
    "cum": "Fri",
    "cumartesi": "Sat",
    "cmt": "Sat",
    "pazar": "Sun",
    "paz": "Sun",
}
_WORD = re.compile(r"[A-Za-zÇĞİÖŞÜçğıöşü]+")
_FORMATS = (
    "%d.%m.%Y %H:%M:%S %z",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
)


def _turkish_lower(word: str) -> str:
    return word.replace("I", "ı").replace("İ", "i").lower()


def _translate_turkish_names(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = _turkish_lower(match.group(0))
        return _TURKISH_MONTHS.get(word) or _TURKISH_DAYS.get(word) or match.group(0)

    return _WORD.sub(swap, text)


def _as_utc(value: datetime) -> datetime:
    """Aware datetimes are converted; zone-less ones are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_date_text(text: str) -> datetime | None:
    """Parse a date string feedparser gave up on: RFC 822 with Turkish day and month names,
    ISO 8601, ``dd.mm.yyyy HH:MM:SS``, zone-less forms (taken as UTC). None if unreadable."""
    text = " ".join(text.replace("&#x2B;", "+").split())
    if not text:
        return None
    text = _translate_turkish_names(text)
    text = re.sub(r"\s(Z|UT|UTC)$", " +0000", text)
    try:
        return _as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return _as_utc(datetime.fromisoformat(text.replace(" +", "+")))
    except ValueError:
        pass
    without_day = re.sub(r"^[A-Za-z]{3},?\s+", "", text)
    for candidate in (text, without_day):
        for fmt in _FORMATS:
            try:
                return _as_utc(datetime.strptime(candidate, fmt))
            except ValueError:
                continue
    return None


def struct_to_datetime(value: time.struct_time) -> datetime:
    """feedparser's ``*_parsed`` values are UTC struct_time."""
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def pick_published(
    parsed: Iterable[time.struct_time | None],
    raw: Iterable[str | None],
    fetched_at: datetime,
) -> tuple[datetime, bool]:
    """The entry's publication time in UTC, and whether the fetch time had to stand in.

    Tries feedparser's parsed values first, then the raw strings. A date in the future (beyond
    a small tolerance) or before 1995 is not trusted; the fetch time stands in for it.
    """
    candidates: list[datetime] = []
    for value in parsed:
        if value is not None:
            try:
                candidates.append(struct_to_datetime(value))
            except (OverflowError, ValueError):
                continue
    if not candidates:
        for text in raw:
            if text and (found := parse_date_text(text)) is not None:
                candidates.append(found)
                break
    for candidate in candidates:
        if EARLIEST_PLAUSIBLE <= candidate <= fetched_at + FUTURE_TOLERANCE:
            return candidate, False
    return fetched_at, True
