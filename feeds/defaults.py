"""The bundled list of real outlets covering Turkey (``default_feeds.toml``)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from storage.feeds import NewFeed

SCOPES = {"turkey": True, "general": False}


class FeedListError(ValueError):
    """A feed list entry is missing or has a bad field; the message names the entry."""


def parse_feed_list(text: str, default_interval: int, source: str = "feed list") -> list[NewFeed]:
    """Parse a TOML feed list (``[[feed]]`` tables with url, name, language, scope, interval)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedListError(f"{source} is not valid TOML: {exc}") from exc
    feeds: list[NewFeed] = []
    for index, item in enumerate(data.get("feed", []), start=1):
        feeds.append(_entry(item, index, default_interval, source))
    return feeds


def _entry(item: dict[str, Any], index: int, default_interval: int, source: str) -> NewFeed:
    where = f"{source}, feed #{index}"
    url = item.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise FeedListError(f"{where}: `url` must be an http(s) URL, got {url!r}")
    scope = item.get("scope", "turkey")
    if scope not in SCOPES:
        raise FeedListError(
            f"{where} ({url}): `scope` must be 'turkey' or 'general', got {scope!r}"
        )
    interval = item.get("interval", default_interval)
    if not isinstance(interval, int) or interval < 1:
        raise FeedListError(f"{where} ({url}): `interval` must be a positive number of minutes")
    return NewFeed(
        url=url,
        title=item.get("name"),
        language=item.get("language"),
        turkey_focused=SCOPES[scope],
        poll_interval_min=interval,
    )


def default_feeds(default_interval: int) -> list[NewFeed]:
    text = files("feeds").joinpath("default_feeds.toml").read_text(encoding="utf-8")
    return parse_feed_list(text, default_interval, "default_feeds.toml")
