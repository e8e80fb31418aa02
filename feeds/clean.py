"""Text cleaning: HTML to plain text, entity repair, boilerplate removal, short summaries, URLs.

Everything here is pure and fast; it sees strings, never the network or the database.
"""

from __future__ import annotations

import contextlib
import html
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

SUMMARY_LIMIT = 300

# Elements whose text is never part of a story's prose.
_DROPPED_TAGS = (
    "script, style, noscript, template, img, picture, source, figure, figcaption, iframe, "
    "video, audio, svg, canvas, form, button, input, select, textarea, nav, aside, footer, "
    "header, object, embed, map, table"
)
# Elements that end a block of text (a paragraph break when turned into text).
_BLOCK_TAGS = (
    "p, div, br, li, ul, ol, h1, h2, h3, h4, h5, h6, blockquote, section, article, pre, hr, dd, "
    "dt, tr"
)
_BLOCK_BREAK = "\u2029"  # paragraph separator: never found in feed text itself

_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_entities(text: str) -> str:
    """Decode HTML entities, also double- and triple-escaped ones such as a literal ``&#039;``.

    A bare ``&`` or ``<`` that is not part of an entity stays as it is.
    """
    for _ in range(3):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace (any Unicode whitespace, the no-break space too) as one space, none
    at either end. ``str.split()`` and the regular expression ``\\s`` agree on what is
    whitespace, and the split is quicker."""
    return " ".join(text.split())


def html_to_blocks(markup: str) -> list[str]:
    """Turn an HTML fragment into its blocks of visible text (paragraphs, list items …).

    Images, figures, scripts, forms, navigation and similar elements are dropped.
    Entities are decoded (double-escaped ones too) and whitespace collapsed.
    """
    if "<" not in markup:
        text = collapse_whitespace(unescape_entities(markup))
        return [text] if text else []
    tree = LexborHTMLParser(f"<body>{markup}</body>")
    body = tree.body
    if body is None:
        return []
    for node in body.css(_DROPPED_TAGS):
        node.decompose()
    for node in body.css(_BLOCK_TAGS):
        node.insert_before(_BLOCK_BREAK)
        node.insert_after(_BLOCK_BREAK)
    text = body.text(deep=True, separator="")
    blocks = (collapse_whitespace(unescape_entities(part)) for part in text.split(_BLOCK_BREAK))
    return [block for block in blocks if block]


def html_to_text(markup: str) -> str:
    """All visible text of an HTML fragment as one line."""
    return " ".join(html_to_blocks(markup))


def clean_title(raw: str, *, is_markup: bool = False) -> str:
    """A feed title as plain text: entities decoded, whitespace collapsed.

    ``is_markup`` is for titles a feed explicitly declares as HTML (Atom ``type="html"``);
    other titles keep a literal ``<`` or ``&`` as text.
    """
    if is_markup and _TAG.search(raw):
        return html_to_text(raw)
    return collapse_whitespace(unescape_entities(raw))


# --- boilerplate ---------------------------------------------------------------------------

# A whole block that is site furniture, not story text.
_BOILERPLATE_BLOCKS = [
    r"share (this|the) (article|story|post)",
    r"\**\s*show us some love by sharing it!?\s*\**",
    r"leave a (comment|reply)",
    r"\d+\s*(min|mins|minute|minutes)\.? read",
    r"(okuma süresi:?\s*)?\d+\s*(dk|dakika)(lık)? (okuma|okuma süresi)",
    r"(read|listen|watch) (more|the full (story|article))\.?",
    r"devamı için tıklayınız\.?",
    r"haberin devamı( için tıklayın(ız)?)?\.?",
    r"devamını oku\.?",
    r"continue reading\.*",
    r"(view|see) full coverage on google news",
    r"voir la couverture complète sur google actualités",
    r"(follow|subscribe to) us on .{1,40}",
    r"advertisement|reklam",
    r"(related|ilgili) (articles?|stories|haberler?)",
    r"(by|yazar|source|kaynak):?\s*[^.!?]{1,60}",
    r"(photo|foto(ğraf)?|image|kapak görseli)\s*:\s*[^.!?]{1,80}",
    r"founded by .{20,}",
    r"copyright .{0,120}|©.{0,120}|all rights reserved\.?",
]
_BOILERPLATE_BLOCK = re.compile(
    r"^\s*(?:" + "|".join(_BOILERPLATE_BLOCKS) + r")\s*$", re.IGNORECASE | re.DOTALL
)
# Boilerplate that trails or sits inside a block.
_BOILERPLATE_INLINE = re.compile(
    r"|".join(
        [
            r"\bthe post\b.{1,400}?\bappeared first on\b[^.]*(?:\.\s*\S*\s*\.?|$)",
            r"\bcontinue reading\b.*$",
            r"\bread more\b\s*(?:»|›|→|\.\.\.|…)?\s*$",
            r"\bdevamı için tıklayınız\b.*$",
            r"\bhaberin devamı için tıklayın(?:ız)?\b.*$",
            r"\[\s*(?:…|\.\.\.|&hellip;)\s*\]\s*$",
            r"\*{3}\s*show us some love by sharing it!?\s*\*{3}",
            r"\bshare this article\b",
        ]
    ),
    re.IGNORECASE | re.DOTALL,
)
# Leading labels inside a block: "Son Dakika Haberleri...",
# wire datelines such as "BERLIN, Feb 17 (Reuters) -".
_LEADING_LABEL = re.compile(
    r"^(?:(?i:son dakika(?: haberleri?)?)\s*(?:\.\.\.|…|:|-|–|\||!)\s*"
    r"|[A-ZÇĞİÖŞÜ][A-ZÇĞİÖŞÜ/ .'-]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"\((?:Reuters|AP|AFP|AA|DHA|İHA|IHA|dpa|Xinhua|Bloomberg|ANKA|UPI)\)\s*[-–—]\s*)"
)
_DATE_LABEL = re.compile(
    r"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)
_LABEL_MAX_WORDS = 6
_SENTENCE_END = ".!?…\"”’'»)"


_NON_WORD = re.compile(r"[\W_]+")
_WORD_CHAR = re.compile(r"\w")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_DOTTED_ABBREVIATION = re.compile(r"(?:[a-zçğıöşü]\.)+[a-zçğıöşü]")


@lru_cache(maxsize=1024)
def _normalised_names(names: tuple[str, ...]) -> tuple[frozenset[str], int]:
    """The names as compared with blocks, and the length of the longest."""
    keys = frozenset(_normalise_for_compare(name) for name in names if name)
    return keys, max(map(len, keys), default=0)


def _normalise_for_compare(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def _is_site_name(block: str, names: tuple[frozenset[str], int]) -> bool:
    """Whether a block is one of the (normalised) site names. The normalised form of a block's
    opening is the opening of the block's normalised form, so a block whose first characters
    already normalise to more than the longest name is settled without normalising it all."""
    keys, longest = names
    if not keys:
        return False
    opening = block[: longest + 2]
    key = _normalise_for_compare(opening)
    if len(opening) < len(block):
        if len(key) > longest:
            return False
        key = _normalise_for_compare(block)
    return key in keys


def _strip_title(block: str, title_key: str) -> str:
    """Remove the title when a block repeats it (whole, or as its first words)."""
    if not title_key:
        return block
    # Only the block's opening can repeat the title; compare no more than that.
    opening = len(title_key) * 2 + 20
    key = _normalise_for_compare(block[:opening])
    whole = len(block) <= opening
    if whole and key == title_key:
        return ""
    if key.startswith(title_key + " ") or key == title_key:
        # Drop the same number of words the title has from the front of the block.
        words = block.split()
        count = len(title_key.split())
        taken = 0
        for index, word in enumerate(words):
            if _normalise_for_compare(word):
                taken += len(_normalise_for_compare(word).split())
            if taken >= count:
                return " ".join(words[index + 1 :]).lstrip(" -–—:|,.")
    return block


def _is_label(block: str) -> bool:
    """A short line with no sentence ending: a byline, a section name, a dateline, a site name."""
    words = block.split()
    return len(words) <= _LABEL_MAX_WORDS and not block.rstrip().endswith(tuple(_SENTENCE_END))


_INLINE_TRIGGERS = (
    "appeared first on",
    "continue reading",
    "read more",
    "devamı için",
    "haberin devamı",
    "show us some love",
    "share this article",
    "[",
)
_LONG_FURNITURE = ("founded by", "copyright", "©", "all rights reserved")
_SHORT_BLOCK = 200


def _clean_block(block: str, title_key: str, near_start: bool) -> str:
    lowered = block.lower()
    if any(map(lowered.__contains__, _INLINE_TRIGGERS)):
        block = collapse_whitespace(_BOILERPLATE_INLINE.sub(" ", block))
    if near_start:
        block = _strip_title(block, title_key)
        block = _LEADING_LABEL.sub("", _DATE_LABEL.sub("", block).strip()).strip()
    if not block:
        return ""
    if (len(block) < _SHORT_BLOCK or lowered.startswith(_LONG_FURNITURE)) and (
        _BOILERPLATE_BLOCK.match(block)
    ):
        return ""
    return block


def remove_boilerplate(
    blocks: list[str],
    title: str = "",
    site_names: tuple[str, ...] = (),
    enough: int | None = None,
) -> list[str]:
    """Drop site furniture: share prompts, read-time lines, "The post … appeared first on …",
    "Devamı için tıklayınız", title repeats, and leading bylines, datelines and site names.

    With ``enough``, stop once that many characters of text are kept (a summary needs only
    the lead, and some feeds carry whole articles).
    """
    title_key = _normalise_for_compare(title)
    site_keys = _normalised_names(site_names)
    kept: list[str] = []
    kept_chars = 0
    for block in blocks:
        # Title repeats, datelines and labels sit before the story's text starts.
        near_start = kept_chars < _SHORT_BLOCK
        block = _clean_block(block, title_key, near_start)
        if not block or (near_start and _is_site_name(block, site_keys)):
            continue
        kept.append(block)
        kept_chars += len(block)
        if enough is not None and kept_chars >= enough and not _is_label(block):
            break
    # Leading short labels (bylines, "News About Turkey - NAT", "22.09.2026 Diken") come before
    # the first real sentence; they are dropped when real text follows them.
    first_text = next((i for i, block in enumerate(kept) if not _is_label(block)), None)
    if first_text:
        kept = kept[first_text:]
    return kept


# --- summary -------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "no",
        "gen",
        "col",
        "lt",
        "sgt",
        "rep",
        "sen",
        "gov",
        "inc",
        "ltd",
        "co",
        "corp",
        "av",
        "doç",
        "yrd",
        "dr.",
        "alb",
        "org",
        "tuğg",
        "korg",
        "müh",
        "yy",
        "vb",
        "vd",
        "bkz",
        "sn",
    ]
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+(?=[\"'“‘«(]?[A-ZÇĞİÖŞÜ0-9])")


def _sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end, skipping abbreviations like "Prof." or "U.S."."""
    ends: list[int] = []
    for match in _SENTENCE_BREAK.finditer(text):
        before = text[: match.start()].rstrip("\"'”’») ")
        word = before.rsplit(" ", 1)[-1].rstrip(".").casefold()
        if (
            word in _ABBREVIATIONS
            or (len(word) == 1 and word.isalpha())
            or _DOTTED_ABBREVIATION.fullmatch(word)
        ):
            continue
        ends.append(match.start())
    return ends


def shorten(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut ``text`` to at most ``limit`` characters at a sentence end, else at a word boundary."""
    text = text.strip()
    if len(text) <= limit:
        return text
    ends = [end for end in _sentence_ends(text) if end <= limit]
    if ends and ends[-1] >= limit * 0.4:
        return text[: ends[-1]].rstrip()
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.5:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—(\"'“‘") + "…"


def summarise(
    markup: str, title: str, site_names: tuple[str, ...] = (), limit: int = SUMMARY_LIMIT
) -> str:
    """A short plain-text summary of an entry's HTML: no boilerplate, never the title again."""
    blocks = remove_boilerplate(html_to_blocks(markup), title, site_names, enough=2 * limit)
    text = " ".join(blocks)
    # "Title…" teasers and leftovers that are only punctuation are no summary.
    if not _WORD_CHAR.search(text):
        return ""
    if len(text) <= len(title) + 20 and _normalise_for_compare(text) == _normalise_for_compare(
        title
    ):
        return ""
    return shorten(text, limit)


# --- URLs ----------------------------------------------------------------------------------

_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "cmpid",
        "maca",
        "traffic_source",
        "ref_src",
        "ref_url",
        "xtor",
        "ito",
        "spm",
        "__twitter_impression",
        "sr_share",
        "s_cid",
        "ns_source",
        "ns_mchannel",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "guccounter",
        "smid",
        "smtyp",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hmb_", "oly_", "vero_", "__hs")
_URL_SAFE = "/%:@!$&'()*+,;=-._~"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


# An absolute http(s) URL already in canonical form: lower-case scheme and host, no port,
# user, query or fragment, and only characters that percent-encoding the path keeps as they are.
_CANONICAL_ALREADY = re.compile(r"https?://[a-z0-9.-]+(/[A-Za-z0-9_.~/%:@!$&'()*+,;=-]*)?")


def canonical_url(url: str, base: str | None = None) -> str:
    """A stable form of a story URL: relative links resolved against ``base``, scheme and host
    lower-cased, default ports, fragments and tracking parameters (``utm_*``, ``fbclid``,
    ``gclid``, ``at_medium``, ``maca`` …) removed, non-ASCII characters percent-encoded."""
    url = unescape_entities(url.strip())
    plain = _CANONICAL_ALREADY.fullmatch(url)
    if plain is not None:  # most story links: nothing to change but an empty path
        return url if plain.group(1) else url + "/"
    return _canonical_url(url, base)


def _canonical_url(url: str, base: str | None) -> str:
    """``canonical_url`` of an entity-decoded URL, taken apart and put together again."""
    if base and not url.startswith(("http://", "https://")):
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host.isascii():
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}.get(scheme)
    port = parts.port if parts.port and parts.port != default_port else None
    netloc = f"{host}:{port}" if port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = [(key, value) for key, value in pairs if not _is_tracking(key)]
    path = quote(parts.path or "/", safe=_URL_SAFE)
    return urlunsplit((scheme, netloc, path, urlencode(query, safe=_URL_SAFE, quote_via=quote), ""))
