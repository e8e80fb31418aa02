"""Article pages: a short summary for a feed entry that carries none of its own.

When an entry's summary is missing, very short or only repeats the title
(:func:`needs_article_summary`), the ingest fetches the story's page
(:func:`fetch_article_summary`) and keeps the lead of it (:func:`summarise_article`).

Two sources compete for the lead:

* the page's description (``og:description``, ``<meta name="description">``): many outlets put
  the standfirst there. It is used only where it is printed on the page after the headline
  and before the first body paragraph, which is where a standfirst sits. A description that is
  not printed is often an SEO blurb paraphrasing any part of the story; one printed further
  down is an excerpt of a later paragraph; one printed above the headline is site furniture;
  one that is the first body paragraph is better taken from the body, where it is complete.
* the first prose paragraph of the main text (trafilatura), once headline repeats, bylines,
  datelines, timestamps, section labels, captions, list highlights and promos are skipped.

Everything here except :func:`fetch_article_summary` is pure. trafilatura is imported lazily:
it costs about 28 MB of memory and most polls never need it.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from selectolax.lexbor import LexborHTMLParser

from feeds.clean import (
    SUMMARY_LIMIT,
    _sentence_ends,
    collapse_whitespace,
    remove_boilerplate,
    shorten,
    unescape_entities,
)

if TYPE_CHECKING:
    from feeds.fetch import Fetcher

_Source = Literal["description", "main-text", "none"]

# An entry summary shorter than this is no summary.
MIN_FEED_SUMMARY = 80
# A description shorter than this is no standfirst.
MIN_DESCRIPTION = 60
# Sentences kept from the lead.
LEAD_SENTENCES = 2

_MIN_PROSE_WORDS = 8
# A short sentence ("Zendaya is a fashion superstar.") is prose too when it ends like one.
_MIN_SENTENCE_WORDS = 5
# Words a paragraph needs to count as prose without a final full stop (standfirsts often
# have none; related-story headlines are shorter).
_UNPUNCTUATED_PROSE_WORDS = 12
# Only the top of the main text is searched for the lead.
_LEAD_SEARCH_BLOCKS = 30
# Characters of the lead used to find it in the page's visible text.
_LEAD_PROBE = 60
_SENTENCE_FINAL = (".", "!", "?", "…")
_CLOSERS = "\"'”’»)]"

# --- comparing text ------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """A comparison form: case, punctuation, quote styles and Turkish dotted/dotless i folded."""
    folded = text.replace("İ", "i").replace("I", "i").replace("ı", "i").casefold()
    return _NON_WORD.sub(" ", folded).strip()


def _word_count(text: str) -> int:
    return len(text.split())


def _ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with a full stop, "!", "?" or "…" (closing quotes aside)."""
    return text.rstrip().rstrip(_CLOSERS).endswith(_SENTENCE_FINAL)


# --- feed summaries ------------------------------------------------------------------------


def needs_article_summary(title: str, summary: str) -> bool:
    """Whether an entry's own summary is too poor to show, so its article page should be read.

    ``summary`` is the entry's cleaned plain-text summary. True when it is empty, shorter
    than 80 characters, the same words as the title, part of the title, or the title with
    fewer than 40 characters added (a site name, "Read more"). Case, punctuation and quote
    styles do not count.
    """
    text = collapse_whitespace(summary)
    if len(text) < MIN_FEED_SUMMARY:
        return True
    summary_key, title_key = _key(text), _key(title)
    if not title_key:
        return False
    if summary_key in title_key:
        return True
    return title_key in summary_key and len(summary_key) - len(title_key) < MIN_FEED_SUMMARY // 2


# --- decoding ------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
# Labels browsers decode as a superset (WHATWG Encoding Standard): a page declared Latin-1
# is windows-1252, one declared Latin-5 is windows-1254.
_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso8859-9": "cp1254",
    "latin5": "cp1254",
    "l5": "cp1254",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 4096


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for an unknown or missing label."""
    if not label:
        return None
    name = label.strip().lower()
    try:
        return codecs.lookup(_SUPERSETS.get(name, name)).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The text of an HTML page. A byte-order mark wins, then the charset of the Content-Type
    header, then a ``<meta charset>`` (or ``http-equiv``) in the first 4 KiB, else UTF-8.
    Unknown charset labels are passed over; undecodable bytes become U+FFFD. Never raises."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(body[:_SNIFF_BYTES])
    labels = (header.group(1) if header else None, meta.group(1).decode() if meta else None)
    for label in labels:
        codec = _codec(label)
        if codec is not None:
            return body.decode(codec, errors="replace")
    return body.decode("utf-8", errors="replace")


# --- the page: metadata and visible text ---------------------------------------------------

_INVISIBLE = "script, style, noscript, template, svg"
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description")
_HEADLINE_KEYS = ("og:title", "twitter:title")
_SITE_KEYS = ("og:site_name", "application-name")
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•)\s+")


@dataclass(frozen=True, slots=True)
class _Page:
    """What a page says about itself, and its visible text."""

    description: str
    headlines: tuple[str, ...]
    site_names: tuple[str, ...]
    visible: str  # all visible body text in comparison form (_key)


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        name = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
        content = collapse_whitespace(unescape_entities(attrs.get("content") or ""))
        if name and content:
            meta.setdefault(name.strip().lower(), content)
    return meta


def _read_page(markup: str) -> _Page:
    """The description, headline forms, site names and visible text of a page."""
    tree = LexborHTMLParser(markup)
    meta = _meta_tags(tree)
    title_node = tree.css_first("title")
    page_title = collapse_whitespace(unescape_entities(title_node.text())) if title_node else ""
    title_parts = _TITLE_SEPARATOR.split(page_title) if page_title else []
    headlines = [meta.get(key, "") for key in _HEADLINE_KEYS]
    headlines += [page_title, *title_parts]
    headlines += [collapse_whitespace(h1.text(deep=True, separator=" ")) for h1 in tree.css("h1")]
    site_names = [meta.get(key, "") for key in _SITE_KEYS]
    if len(title_parts) > 1:
        site_names.append(title_parts[-1])
    description = next((meta[key] for key in _DESCRIPTION_KEYS if meta.get(key)), "")
    visible_text = ""
    if tree.body is not None:
        for node in tree.body.css(_INVISIBLE):
            node.decompose()
        visible_text = collapse_whitespace(tree.body.text(deep=True, separator=" "))
    return _Page(
        description=description,
        headlines=tuple(dict.fromkeys(h for h in headlines if h)),
        site_names=tuple(dict.fromkeys(s for s in site_names if s)),
        visible=_key(visible_text),
    )


class _Headlines:
    """A story's headline forms: the feed title, og:title, ``<title>`` and its parts, h1s."""

    def __init__(self, forms: tuple[str, ...], site_names: tuple[str, ...] = ()) -> None:
        self.keys = tuple(dict.fromkeys(key for key in map(_key, forms) if key))
        sites = {_key(name) for name in site_names}
        self._anchors = tuple(k for k in self.keys if len(k) >= 10 and k not in sites)

    def repeated_by(self, block: str) -> bool:
        """Whether ``block`` is a headline: the same words as one, a part of one (3+ words),
        or one with a few words added and no sentence end of its own."""
        key = _key(block)
        if not key:
            return True
        words = len(key.split())
        for headline in self.keys:
            if key == headline or (words >= 3 and key in headline):
                return True
            extra = words - len(headline.split())
            if key.startswith(headline + " ") and extra <= 8 and not _ends_sentence(block):
                return True
        return False

    def first_position(self, visible: str) -> int:
        """Where a headline (not a site name) first occurs in the visible text; -1: nowhere."""
        found = [at for at in map(visible.find, self._anchors) if at >= 0]
        return min(found, default=-1)


# --- main text -----------------------------------------------------------------------------


def _main_text(markup: str, url: str | None) -> list[str]:
    """trafilatura's main text of the page as blocks (paragraphs, list items, headings)."""
    import trafilatura  # lazy: ~28 MB of memory, needed only for article pages

    text = trafilatura.extract(
        markup,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=False,
        deduplicate=False,
    )
    if not isinstance(text, str):
        return []
    return [block for block in map(collapse_whitespace, text.splitlines()) if block]


# --- furniture: text that is never a story's lead ------------------------------------------

_AGENCIES = (
    r"AP|AA|AFP|Reuters|CNN(?:\s+[A-Z]\w+)?|BBC|DHA|İHA|IHA|ANKA|UPI|dpa|DPA|Xinhua|Bloomberg|"
    r"EFE|ANSA|TASS|Sputnik|Kyodo|Yonhap|PA|IRNA|WAFA|KUNA|Bernama|APA|ANA|NNA|ABC|NPR"
)
_PLACE_WORD = r"(?:[A-ZÇĞİÖŞÜ][\w.'’&-]*|\d{1,4})"
# "BEIRUT/THE HAGUE, March 7 (Reuters) - ", "Hong Kong (CNN Business)", "İstanbul (AA) -".
_AGENCY_DATELINE = re.compile(
    rf"^{_PLACE_WORD}(?:[\s/,]+{_PLACE_WORD}){{0,6}}\s*\((?:{_AGENCIES})\)\s*(?:[-–—:|]\s*)?"
)
# "AUBURN, Wash. — ", "ISTANBUL — ", "WASHINGTON - ": a place in capitals, then a dash.
_CAPS_DATELINE = re.compile(
    r"^[A-ZÇĞİÖŞÜ]{3,}(?:[ /.'-]+[A-ZÇĞİÖŞÜ]{2,})*\.?"
    r"(?:,\s*[A-ZÇĞİÖŞÜ][\w.]*(?:\s+[A-ZÇĞİÖŞÜ][\w.]*)?)?"
    r"(?:\s*[—–]\s*|\s+-\s+)"
)
# A kicker before the first sentence: "Exclusive:", "ANALYSIS:", "Son dakika:".
_KICKER = re.compile(
    r"^(?:(?i:editorial|analysis|opinion|comment|exclusive|breaking(?: news)?|update[d]?|"
    r"watch|live|explainer|review|interview|son dakika|özel|flaş|analiz|yorum|güncelleme)"
    r"|[A-ZÇĞİÖŞÜ][A-ZÇĞİÖŞÜ ]{2,30})\s*:\s+(?=[\"“‘'«]?[A-ZÇĞİÖŞÜ0-9])"
)
# A byline: "By Jane Doe and John Roe", "Yazar: Ali Veli", "Reporting by …".
_BYLINE = re.compile(
    r"^(?:by|yazan|yazar|muhabir|editör|editor|reporting by|written by|words by|derleyen|"
    r"hazırlayan)\s*:?\s+(?P<names>.+)$",
    re.IGNORECASE,
)
_BYLINE_WORDS = 12
_NAME_JOINERS = frozenset({"and", "ve", "&", "|", "in", "for", "with", "ile", "-", "–", "—"})
# A timestamp line: "Updated 2:36 AM EST, Tue November 19, 2019", "20 Nisan 2026 • 14:35".
_DATE_OR_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}\b"
    r"|\b\d+\s*(?:min|mins|minutes|hours?|hrs?|days?|dk|dakika|saat|gün)\s+(?:ago|önce)\b",
    re.IGNORECASE,
)
_TIMESTAMP_WORDS = 15
# Kickers and promos: "Read more: …", "More:", "Sign up for …", "Abone olun".
_PROMO = re.compile(
    r"^(?:read more|read also|also read|see also|related|more|watch|listen|recommended|"
    r"ilgili haberler?|bunu da okuyun|ayrıca okuyun|daha fazla)\s*:"
    r"|^(?:sign up|subscribe|register|log in|sign in|download (?:the|our)|follow us|join us|"
    r"click here|abone ol|üye ol|bizi takip|takip edin|haberin devamı|tıklayın)\b"
    r"|\b(?:on|in|via|from) google news\b|\bgoogle haberler|\b(?:whatsapp|telegram) kanal",
    re.IGNORECASE,
)
_PROMO_WORDS = 25
_COOKIES = re.compile(r"\bcookies?\b|çerez", re.IGNORECASE)
_CONSENT = re.compile(
    r"accept|consent|privacy|polic|setting|preference|kabul|onay|gizlilik|politika|kullan|\buse",
    re.IGNORECASE,
)
# Notices about the reader's browser or the site's business, never the story.
_NOTICE = re.compile(
    r"\b(?:you are using an? (?:outdated |old |unsupported )?browser|browser version|"
    r"(?:enable|turn on|disabled?) javascript|javascript (?:is )?(?:disabled|required)|"
    r"update your browser|thank you for visiting|may earn (?:a |an )?(?:small )?"
    r"(?:commission|affiliate)|affiliate (?:links?|commission)|independently (?:selected|chosen)|"
    r"we independently (?:select|review|choose)|tarayıcınız)",
    re.IGNORECASE,
)
# Image captions and credits.
_CREDIT = re.compile(
    r"^pictured\b|\b(?:photo|photograph|image|picture|fotoğraf|foto|görsel)(?:\s+credit)?\s*:"
    r"|\bgetty images\b|\((?:ap|afp|reuters|epa|aa|dha)\s+photo\b|\bvia getty\b"
    r"|\bimage caption\b|\bimage source\b",
    re.IGNORECASE,
)
_AUTHOR_BIO = re.compile(
    r"^(?:[A-ZÇĞİÖŞÜ][\w'’.-]*\s+){1,4}(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+,?\s+){0,5}"
    r"(?:editor|writer|reporter|correspondent|columnist|journalist|contributor|producer|"
    r"author|critic|analyst)s?\b"
)
_LIST_ITEM = ("- ", "* ", "• ", "· ")


def _is_byline(block: str) -> bool:
    match = _BYLINE.match(block)
    if not match or _word_count(block) > _BYLINE_WORDS:
        return False
    names = [w for w in match.group("names").split() if w.lower() not in _NAME_JOINERS]
    capitalised = [w for w in names if not w[:1].isalpha() or w[:1].isupper()]
    return bool(names) and len(capitalised) >= 0.6 * len(names)


def _is_timestamp(block: str) -> bool:
    if _word_count(block) > _TIMESTAMP_WORDS or not _DATE_OR_TIME.search(block):
        return False
    ordinary = [w for w in block.split() if w.isalpha() and w.islower() and len(w) >= 4]
    return len(ordinary) <= 2


def _is_author_bio(block: str, site_names: tuple[str, ...]) -> bool:
    """ "Jane Doe is a senior writer for The Times.": an author's note naming the site."""
    if not _AUTHOR_BIO.match(block):
        return False
    text = _key(block)
    return any(f" {_key(name)} " in f" {text} " for name in site_names if _key(name))


def _is_furniture(block: str, site_names: tuple[str, ...] = ()) -> bool:
    """Site text that is never a story's lead: a byline, an author's note, a timestamp, a
    promo or kicker, a notice about cookies, the browser or affiliate links, a caption."""
    if _is_author_bio(block, site_names):
        return True
    if _is_byline(block) or _is_timestamp(block) or _CREDIT.search(block):
        return True
    if _NOTICE.search(block):
        return True
    if _PROMO.search(block) and _word_count(block) <= _PROMO_WORDS:
        return True
    return bool(_COOKIES.search(block) and _CONSENT.search(block))


def _is_prose(block: str, unpunctuated_words: int = _UNPUNCTUATED_PROSE_WORDS) -> bool:
    """A paragraph of running text, not a heading, label, question heading or teaser.

    A paragraph without a final full stop needs ``unpunctuated_words`` words to count.
    """
    words = _word_count(block)
    if words < (_MIN_SENTENCE_WORDS if _ends_sentence(block) else _MIN_PROSE_WORDS):
        return False
    letters = [c for c in block if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > len(letters) / 2:
        return False  # in capitals: a heading or a kicker
    if block.rstrip().endswith("?") and words < _UNPUNCTUATED_PROSE_WORDS:
        return False  # "What is Nato and which countries are in it?": a sub-heading
    return _ends_sentence(block) or words >= unpunctuated_words


def _strip_label(text: str) -> str:
    """``text`` without a leading wire dateline ("ANKARA (AA) -", "Hong Kong (CNN Business)",
    "LA CROSSE, Wis. (AP) —", "ISTANBUL —") or kicker ("Exclusive:", "ANALYSIS:")."""
    for pattern in (_AGENCY_DATELINE, _CAPS_DATELINE, _KICKER):
        match = pattern.match(text)
        if match and _word_count(text[match.end() :]) >= _MIN_PROSE_WORDS:
            text = text[match.end() :]
    return text


def _repair_drop_cap(paragraph: str, visible: str) -> str:
    """Put back a drop cap: a first letter styled as an element of its own ("T" + "urkey,
    Poland …") is missing from the main text, whose paragraph then starts in lower case."""
    if not paragraph[:1].islower():
        return paragraph
    probe = _key(paragraph)[:_LEAD_PROBE]
    match = re.search(r"(?:^|\s)([^\W\d_]) " + re.escape(probe), visible)
    return match.group(1).upper() + paragraph if match else paragraph


# --- the two sources -----------------------------------------------------------------------


def _clean_block(block: str, title: str, site_names: tuple[str, ...]) -> str:
    """A main-text block without a leading title repeat, date or wire label; "" when it is
    share, read-time, byline, "Read more" or similar furniture (see feeds.clean)."""
    kept = remove_boilerplate([block], title, site_names)
    return kept[0] if kept else ""


def _runs_on(block: str) -> bool:
    """Whether a long block stops mid-sentence (its text goes on in the next block)."""
    last = block.split()[-1] if block.split() else ""
    return (
        _word_count(block) >= _MIN_PROSE_WORDS
        and not _ends_sentence(block)
        and last.isalpha()
        and last.islower()
    )


def _starts_mid_sentence(block: str) -> bool:
    """Whether a block begins in lower case ("the best experience, …"): the rest of a
    sentence broken over two blocks. "eBay", "iPhone" start sentences."""
    first = block.split()[0] if block.split() else ""
    return first[:1].islower() and first.isalpha() and first.islower()


def _lead(blocks: list[str], title: str, page: _Page, headlines: _Headlines) -> str:
    """The first prose paragraph of the main text ("" when there is none), followed by the
    next one when it is a single finished sentence.

    Headline repeats, labels, bylines, timestamps, captions, promos, notices and list
    highlights are skipped, notices broken over several blocks whole. A paragraph right
    after the headline is the standfirst when it has 8 words or more, even without a final
    full stop; such a standfirst is never run on into the paragraph after it.
    """
    lead = ""
    after_headline = skipping = False
    for raw in blocks[:_LEAD_SEARCH_BLOCKS]:
        if skipping:  # the rest of a notice broken over several blocks
            skipping = not _ends_sentence(raw)
            continue
        if headlines.repeated_by(raw):
            after_headline = not lead
            continue
        block = _clean_block(raw, title, page.site_names)
        standfirst = (
            after_headline
            and len(block) >= MIN_DESCRIPTION
            and _is_prose(block, unpunctuated_words=_MIN_PROSE_WORDS)
        )
        after_headline = False
        if not block or block.startswith(_LIST_ITEM) or headlines.repeated_by(block):
            continue
        if _is_furniture(block, page.site_names):
            skipping = _runs_on(block)
            continue
        if lead and not _ends_sentence(lead):
            if not (_runs_on(lead) and _starts_mid_sentence(block)):
                break  # a standfirst with no full stop ends here
            lead = f"{lead} {block}"  # one paragraph broken over two blocks
        elif lead:
            if _is_prose(block) or (_ends_sentence(block) and not block.endswith("?")):
                return f"{lead} {block}"  # the next sentence, however short
            if _ends_sentence(block):
                break  # a sub-heading
            continue  # a label between the standfirst and the lead: "Ankara", a byline
        else:
            block = _repair_drop_cap(block, page.visible)
            if _starts_mid_sentence(block) or not (standfirst or _is_prose(block)):
                continue
            lead = _strip_label(block)
        if _sentence_ends(lead):
            break  # two sentences are enough
    return lead


# "… açıkladı. | Anadolu Ajansı", "… inceleme başlattı - Son Dakika Haberleri": a site name
# after the text (any short tail after a full stop; a few capitalised words otherwise).
_SITE_SUFFIX = re.compile(
    r"^(?P<text>.*?[.!?…\"”’»)])\s+(?:\||-|–|—|::)\s+(?P<suffix>[^.!?|]{2,60})$"
    r"|^(?P<bare>.*\S)\s+(?:\||-|–|—|::)\s+(?:(?:[A-ZÇĞİÖŞÜ0-9][\w.'’&-]*\s?){1,4})$"
)
_SUFFIX_WORDS = 6
_TRUNCATION = re.compile(r"\s*(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\])$")
# Words per comma at or below which a description is a keyword list.
_KEYWORD_LIST_COMMAS = 3
# Words the first sentence of a description needs ("AirPods Pro. Sonos Move." has too few).
_MIN_DESCRIPTION_SENTENCE_WORDS = 4


def _clean_description(description: str, title: str, page: _Page, headlines: _Headlines) -> str:
    """The page description without a site-name suffix, title repeat, dateline or kicker;
    "" unless it reads like a standfirst: prose of 60 characters or more, not a headline,
    not furniture, not a keyword list, not in capitals."""
    text = collapse_whitespace(description)
    match = _SITE_SUFFIX.match(text)
    if match and match["bare"]:
        text = match["bare"]
    elif match and _word_count(match["suffix"]) <= _SUFFIX_WORDS:
        text = match["text"]
    text = _strip_label(_clean_block(text, title, page.site_names))
    words = _word_count(text)
    if (
        len(text) < MIN_DESCRIPTION
        or words < _MIN_PROSE_WORDS
        or text.count(",") * _KEYWORD_LIST_COMMAS >= words
        or headlines.repeated_by(text)
        or _is_furniture(text, page.site_names)
    ):
        return ""
    letters = [c for c in text if c.isalpha()]
    if sum(c.isupper() for c in letters) > len(letters) / 2:
        return ""
    ends = _sentence_ends(text)
    if ends and _word_count(text[: ends[0]]) < _MIN_DESCRIPTION_SENTENCE_WORDS:
        return ""  # "AirPods Pro. Sonos Move. …": a list of names, not a sentence
    return text


def _stems(text: str) -> set[str]:
    return {word[:5] for word in _key(text).split() if len(word) >= 4}


def _choose(description: str, lead: str, page: _Page, headlines: _Headlines) -> _Source:
    """Which source gives the summary (see the module docstring)."""
    if not description:
        return "main-text" if lead else "none"
    description_key = _key(_TRUNCATION.sub("", description))
    at = page.visible.find(description_key)
    if at < 0:
        if lead:
            return "main-text"  # an unprinted blurb: the printed lead is safer
        # Nothing else to go on: a description about the story (not a site slogan) will do.
        related = any(_stems(description) & _stems(h) for h in headlines.keys)
        return "description" if related else "none"
    headline_at = headlines.first_position(page.visible)
    if 0 <= at < headline_at:
        return "main-text" if lead else "none"  # printed above the headline: site furniture
    if not lead:
        return "description"
    lead_at = page.visible.find(_key(lead)[:_LEAD_PROBE])
    if lead_at < 0 or at + len(description_key) <= lead_at:
        return "description"  # between the headline and the body: the standfirst
    return "main-text"  # the lead itself (complete in the body), or a later paragraph


# --- summaries -----------------------------------------------------------------------------

_TURKISH_LETTERS = re.compile(r"[ğışĞİŞ]")
_ORDINAL = re.compile(r"(?:^|\s)\d{1,3}\.$")


def _lead_sentences(text: str, language: str | None) -> str:
    """The first two sentences of ``text``, cut to the summary limit at a sentence end where
    possible. In Turkish, "2. Dünya Savaşı" is an ordinal, not a sentence end."""
    turkish = (language or "").lower().startswith("tr") or (
        language is None and bool(_TURKISH_LETTERS.search(text))
    )
    ends = [e for e in _sentence_ends(text) if not (turkish and _ORDINAL.search(text[:e]))]
    if len(ends) >= LEAD_SENTENCES:
        text = text[: ends[LEAD_SENTENCES - 1]]
    return shorten(text, SUMMARY_LIMIT)


def _summarise(
    html: bytes | str, title: str, url: str | None, language: str | None
) -> tuple[_Source, str]:
    markup = html if isinstance(html, str) else decode_html(html)
    page = _read_page(markup)
    headlines = _Headlines((title, *page.headlines), page.site_names)
    lead = _lead(_main_text(markup, url), title, page, headlines)
    description = _clean_description(page.description, title, page, headlines)
    source = _choose(description, lead, page, headlines)
    if source == "none":
        return source, ""
    text = description if source == "description" else lead
    return source, _lead_sentences(text, language)


def summarise_article(
    html: bytes | str, title: str, url: str | None = None, language: str | None = None
) -> str:
    """The lead of an article page in one or two sentences of plain text, at most 300
    characters: the standfirst when the page prints one, else the first paragraph of the
    story. Never the title, a byline, a dateline, a section label, a timestamp, a caption, a
    share, cookie or "Read more" prompt, or a related story's headline. "" when the page has
    no usable text.

    ``html`` as bytes is decoded by its ``<meta charset>`` (else UTF-8); ``url`` helps the
    main-text extraction; ``language`` (ISO 639-1, e.g. "tr") guides sentence splitting.
    """
    return _summarise(html, title, url, language)[1]


_HTML_TYPES = ("text/html", "application/xhtml+xml", "")  # "": no Content-Type at all


async def fetch_article_summary(
    fetcher: Fetcher, url: str, title: str, language: str | None = None
) -> str:
    """Fetch an article page through ``fetcher`` (SSRF guard, size cap, timeouts) and return
    :func:`summarise_article` of it; "" for an empty body or a type that is not HTML.

    The body is decoded by the Content-Type charset, else ``<meta charset>``, else UTF-8.
    The summarising runs in a worker thread so the event loop keeps serving other fetches.
    :class:`~feeds.errors.FeedError` from the fetch propagates.
    """
    result = await fetcher.fetch(url)
    content_type = result.headers.get("content-type", "")
    if not result.body or content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        return ""
    markup = decode_html(result.body, content_type)
    return await asyncio.to_thread(summarise_article, markup, title, result.final_url, language)
