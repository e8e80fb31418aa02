"""Local clock times and time zones as people type them: "08:00,20:00", "Europe/Istanbul"."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
MAX_TIMES = 6


def parse_clock_times(text: str) -> list[str]:
    """``"8:00, 20.30"`` → ``["08:00", "20:30"]``, sorted, without repeats. Raises ValueError
    naming the first time that is not HH:MM."""
    times: set[str] = set()
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        match = _TIME.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not a time of day such as 08:00 or 20:30")
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    if len(times) > MAX_TIMES:
        raise ValueError(f"at most {MAX_TIMES} digest times a day")
    return sorted(times)


def check_timezone(name: str) -> str:
    """The IANA zone name as written, or ValueError suggesting close names."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        import difflib

        close = difflib.get_close_matches(name, sorted(available_timezones()), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else " (e.g. Europe/Istanbul)"
        raise ValueError(f"unknown time zone {name!r}{hint}") from None
    return name
