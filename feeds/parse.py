"""Feed bodies to stories: feedparser for the XML, :mod:`feeds.clean` for the text."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from feeds.clean import canonical_url, clean_title, collapse_whitespace, summarise
from feeds.dates import pick_published
from feeds.errors import HTMLPageError, NotAFeedError
from feeds.feed_xml import read_feed_xml
from feeds.models import ParsedFeed, Story

_MAX_GUID = 400
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S
)
_CHALLENGE_MARKERS = (
    b"cf-chl",
    b"challenge-platform",
    b"Just a moment...",
    b"cf_chl_opt",
    b"Attention Required! | Cloudflare",
    b"captcha",
    b"ddos-guard",
)
_TITLE_TAG = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def normalise_language(code: str | None) -> str | None:
    """``en-US`` → ``en``, ``tr-TR`` → ``tr``; None for empty values."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


# Languages a Turkey-watcher's feeds are written in. lingua loads models only for these, in
# low-accuracy mode (trigrams): ≈20 MB, against ≈500 MB for its high-accuracy models.
DETECTED_LANGUAGES = (
    "TURKISH",
    "ENGLISH",
    "GERMAN",
    "FRENCH",
    "ARABIC",
    "RUSSIAN",
    "SPANISH",
    "ITALIAN",
    "PERSIAN",
    "GREEK",
    "AZERBAIJANI",
    "ARMENIAN",
    "UKRAINIAN",
    "BULGARIAN",
    "DUTCH",
    "PORTUGUESE",
)


@cache
def _language_detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in DETECTED_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


_LANGUAGE_SAMPLE = 20


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of a text's language (lingua); None when too short or unsure."""
    if len(text) < 20:
        return None
    language = _language_detector().detect_language_of(text)
    return None if language is None else str(language.iso_code_639_1.name).lower()


_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_LATIN1_CODECS = {"iso8859-1", "cp1252", "ascii"}  # as named by codecs.lookup()
_TURKISH_TAG = re.compile(rb"<(?:dc:)?language>\s*(?:<!\[CDATA\[)?\s*tr\b|xml:lang=[\"']tr\b", re.I)


def _codec(name: str | None) -> str | None:
    """Python's canonical name of a charset label, or None if Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_feed_bytes(body: bytes, content_type: str, language_hint: str | None) -> bytes | None:
    """The body as UTF-8 with a UTF-8 declaration, decoded by the best evidence; None when the
    body is plain ASCII or nothing better than feedparser's own detection is known.

    Servers often send a wrong charset (ISO-8859-1 by default) and some feeds declare a wrong
    one or none at all. Evidence in order: bytes that are valid non-ASCII UTF-8 are UTF-8
    (whatever is declared); then the document's own XML declaration; then the HTTP charset;
    and for a Latin-1-family or missing charset on a Turkish feed (by its language tag or the
    feed's known language) windows-1254, the Turkish legacy encoding (Latin-1 cannot even
    spell ş, ğ or ı).
    """
    if body.isascii():
        return None
    declared = _XML_DECLARATION.match(body[:512])
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared_codec = _codec(declared.group(1).decode("ascii")) if declared else None
        header = _CHARSET.search(content_type)
        chosen = declared_codec or (_codec(header.group(1)) if header else None)
        turkish = language_hint == "tr" or bool(_TURKISH_TAG.search(body[:8192]))
        if turkish and (chosen is None or chosen in _LATIN1_CODECS):
            chosen = "cp1254"
        if chosen is None or chosen == "utf-8":
            return None
        text = body.decode(chosen, errors="replace")
    else:
        declares_utf8 = declared is None or _codec(declared.group(1).decode("ascii")) == "utf-8"
        lowered = content_type.lower()
        if declares_utf8 and ("charset" not in lowered or "utf-8" in lowered):
            return None
    match = _XML_DECLARATION.match(text[:512].encode("utf-8", "replace"))
    if match:
        text = text[: match.start(1)] + "utf-8" + text[match.end(1) :]
    return text.encode("utf-8")


def _sample_language(entries: list[Any]) -> str | None:
    """A feed's language detected once from a sample of its headlines (feeds that declare no
    language are nearly always in one language; the result is stored on the feed, so later
    polls skip detection)."""
    sample = ". ".join(str(_get(entry, "title") or "") for entry in entries[:_LANGUAGE_SAMPLE])
    return detect_language(sample)


def _html_page_error(body: bytes, content_type: str) -> HTMLPageError | None:
    head = body[:4096]
    looks_html = "html" in content_type.lower() or bool(_HTML_START.match(head))
    if not looks_html:
        return None
    title_match = _TITLE_TAG.search(body[:65536])
    title = (
        collapse_whitespace(title_match.group(1).decode("utf-8", "replace")) if title_match else ""
    )
    named = f" titled {title!r}" if title else ""
    if any(marker.lower() in body[:65536].lower() for marker in _CHALLENGE_MARKERS):
        return HTMLPageError(
            f"the server sent an HTML page{named} instead of a feed: a bot-protection challenge "
            "(e.g. Cloudflare) blocks automated readers at this address"
        )
    return HTMLPageError(
        f"the server sent an HTML page{named} instead of a feed; "
        "the feed URL is often linked from that page as application/rss+xml or atom+xml"
    )


def _get(entry: dict[str, Any], key: str) -> Any:
    """A stored value of a feedparser dict: plain dict access, without FeedParserDict's key
    aliasing (slow when called per field, and it warns for dates)."""
    return dict.get(entry, key)


def _entry_text(entry: dict[str, Any]) -> str:
    """The richest of the entry's description and content."""
    summary = _get(entry, "summary") or ""
    contents = _get(entry, "content") or []
    content = max((c.get("value") or "" for c in contents), key=len, default="")
    if not summary or (content and len(summary) < 80 and len(content) > len(summary)):
        return content or summary
    return str(summary)


_EMAIL = re.compile(r"\S+@\S+")


def _author(entry: dict[str, Any]) -> str | None:
    detail = _get(entry, "author_detail") or {}
    name = _get(detail, "name") or _get(entry, "author") or ""
    name = _EMAIL.sub("", str(name)).strip(" ()")
    name = collapse_whitespace(name)
    return name[:256] or None


def guid_key(guid: str | None, url: str, title: str) -> str:
    """A stable per-feed identity: the guid, else the canonical link, else the title."""
    if guid and guid.strip():
        guid = guid.strip()
        if len(guid) > _MAX_GUID:
            guid = "sha1:" + hashlib.sha1(guid.encode()).hexdigest()
        return "guid:" + guid
    if url:
        return "link:" + (url if len(url) <= _MAX_GUID else hashlib.sha1(url.encode()).hexdigest())
    return "title:" + hashlib.sha1(title.encode()).hexdigest()


def content_hash(title: str, summary: str) -> str:
    return hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:32]


def parse_feed(
    body: bytes,
    headers: Mapping[str, str],
    feed_url: str,
    fetched_at: datetime,
    feed_language: str | None = None,
) -> ParsedFeed:
    """Parse a feed body into cleaned stories.

    Raises :class:`HTMLPageError` for a web page and :class:`NotAFeedError` for anything else
    that is no feed. A malformed feed that still yields entries is returned with ``warning``.
    """
    content_type = headers.get("content-type", "")
    if not body.strip():
        raise NotAFeedError("the server sent an empty body, not a feed")
    utf8_body = decode_feed_bytes(body, content_type, feed_language)
    response_headers = {"content-location": feed_url}
    if utf8_body is not None:
        media_type = content_type.split(";", 1)[0].strip() or "application/xml"
        response_headers["content-type"] = f"{media_type}; charset=utf-8"
    elif content_type:
        response_headers["content-type"] = content_type
    # Summaries become plain text here, and links are resolved by canonical_url(), so
    # feedparser's HTML sanitising and URI rewriting inside content would be wasted work:
    # read_feed_xml is feedparser without them.
    parsed = read_feed_xml(utf8_body if utf8_body is not None else body, response_headers)
    entries = parsed.get("entries") or []
    channel = parsed.get("feed") or {}
    if not parsed.get("version") and not entries:
        html_error = _html_page_error(body, content_type)
        if html_error is not None:
            raise html_error
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        raise NotAFeedError(f"the body is not an RSS, Atom or RDF feed{detail}")

    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        name = type(problem).__name__ if problem else "error"
        if name not in {"CharacterEncodingOverride", "NonXMLContentType"}:
            warning = f"feed is malformed ({name}: {problem}); read {len(entries)} entries anyway"

    site_url = channel.get("link") or None
    channel_language = (
        normalise_language(channel.get("language")) or feed_language or _sample_language(entries)
    )
    channel_title = clean_title(channel.get("title") or "") or None
    is_atom = str(parsed.get("version", "")).startswith("atom")
    site_names = tuple(name for name in (channel_title,) if name)
    base = str(parsed.get("href") or feed_url)

    stories: list[Story] = []
    skipped = 0
    for entry in entries:
        story = _entry_to_story(entry, base, fetched_at, channel_language, site_names, is_atom)
        if story is None:
            skipped += 1
        else:
            stories.append(story)
    if skipped:
        note = f"{skipped} entries had neither a link nor a title and were skipped"
        warning = f"{warning}; {note}" if warning else note
    return ParsedFeed(
        title=channel_title,
        site_url=canonical_url(site_url, feed_url) if site_url else None,
        language=channel_language,
        stories=stories,
        warning=warning,
    )


def _entry_to_story(
    entry: dict[str, Any],
    base: str,
    fetched_at: datetime,
    channel_language: str | None,
    site_names: tuple[str, ...],
    is_atom: bool,
) -> Story | None:
    title_detail = _get(entry, "title_detail") or {}
    declared_html = is_atom and "html" in title_detail.get("type", "")
    title = clean_title(_get(entry, "title") or "", is_markup=declared_html)
    link = _get(entry, "link") or ""
    if not link:
        alternates = (x for x in _get(entry, "links") or () if x.get("rel") == "alternate")
        link = next((x.get("href", "") for x in alternates), "")
    url = canonical_url(link, base) if link else ""
    if not url.startswith(("http://", "https://")):
        url = ""
    if not title and not url:
        return None
    summary = summarise(_entry_text(entry), title, site_names)
    guid = _get(entry, "id")
    published, fell_back = pick_published(
        (_get(entry, key) for key in ("published_parsed", "updated_parsed", "created_parsed")),
        (_get(entry, key) for key in ("published", "updated", "created")),
        fetched_at,
    )
    language = normalise_language(_get(entry, "language")) or channel_language
    key = guid_key(guid, url, title)
    return Story(
        guid_key=key,
        # An entry without a link still needs a unique URL key: derive it from feed and guid.
        url=url or "urn:haberci:" + hashlib.sha1(f"{base}\n{key}".encode()).hexdigest(),
        title=title or summary[:120] or url,
        summary=summary,
        content_hash=content_hash(title, summary),
        published_at=published,
        language=language,
        author=_author(entry),
        date_fallback=fell_back,
    )
