"""When a chat's next digest is due: its local clock times in its time zone, DST included."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_digest_at(times: Sequence[str], timezone: str, after: datetime) -> datetime | None:
    """The first of ``times`` ("08:00" …) in ``timezone`` strictly after ``after``, in UTC.
    A local time that a DST change skips is taken at the same wall time after the change
    (zoneinfo's fold rules); one that occurs twice is taken the first time."""
    if not times:
        return None
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    candidates = []
    for day in range(0, 3):
        date = (local + timedelta(days=day)).date()
        for text in times:
            hour, minute = (int(part) for part in text.split(":"))
            at = datetime.combine(date, time(hour, minute), tzinfo=zone).astimezone(UTC)
            if at > after:
                candidates.append(at)
    return min(candidates)
