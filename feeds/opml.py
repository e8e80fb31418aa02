"""OPML 2.0 import and export of the feed list (import ∘ export round-trips)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from storage.feeds import NewFeed
from storage.records import FeedRecord

HABERCI_NS = "https://haberci.dev/ns/opml"
ET.register_namespace("haberci", HABERCI_NS)


class OPMLError(ValueError):
    """The file is no usable OPML."""


def parse_opml(data: bytes, default_interval: int) -> tuple[list[NewFeed], list[str]]:
    """Feeds found in an OPML document (nested outlines too) and a note per skipped outline."""
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise OPMLError(f"not a readable OPML file: {exc}") from exc
    if root.tag != "opml":
        raise OPMLError(f"not an OPML file: the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OPMLError("not an OPML file: it has no <body>")
    feeds: list[NewFeed] = []
    skipped: list[str] = []
    for outline in body.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue
        name = outline.get("title") or outline.get("text") or None
        if not url.startswith(("http://", "https://")):
            skipped.append(f"{url}: only http and https feeds are accepted")
            continue
        interval_text = outline.get(f"{{{HABERCI_NS}}}interval")
        interval = default_interval
        if interval_text:
            if not interval_text.isdigit() or int(interval_text) < 1:
                skipped.append(f"{url}: haberci:interval must be a positive integer")
                continue
            interval = int(interval_text)
        scope = outline.get(f"{{{HABERCI_NS}}}scope", "turkey")
        feeds.append(
            NewFeed(
                url=url,
                title=name,
                site_url=outline.get("htmlUrl") or None,
                language=outline.get("language") or None,
                turkey_focused=scope != "general",
                poll_interval_min=interval,
            )
        )
    return feeds, skipped


def export_opml(feeds: Sequence[FeedRecord], now: datetime) -> bytes:
    """An OPML 2.0 document listing every feed, with haberci's scope and interval kept."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "haberci feeds"
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {
            "type": "rss",
            "text": feed.title or feed.url,
            "title": feed.title or feed.url,
            "xmlUrl": feed.url,
            f"{{{HABERCI_NS}}}scope": "turkey" if feed.turkey_focused else "general",
            f"{{{HABERCI_NS}}}interval": str(feed.poll_interval_min),
        }
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        if feed.language:
            attributes["language"] = feed.language
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
