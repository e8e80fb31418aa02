"""feeds.article: lead summaries of real article pages, the seed page, decoding, fetching."""

from __future__ import annotations

import gzip
import html
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from feeds.article import (
    decode_html,
    fetch_article_summary,
    needs_article_summary,
    summarise_article,
)
from feeds.errors import HTTPStatusError
from feeds.fetch import Fetcher, FetchLimits
from feeds.ssrf import AddressPolicy
from tests.conftest import SEEDS, SHARED
from tests.support.feed_server import FeedServer

ARTICLES = SHARED / "fixtures" / "articles"
SEED = SEEDS / "000_6e34671e87fd4ac5.txt"
LIMIT = 300
LEAD_WORDS = 8

# --- helpers -------------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
# A wire dateline at the start of a published lead: "BEIRUT/THE HAGUE, March 7 (Reuters) - ",
# "LA CROSSE, Wis. (AP) — ", "Hong Kong (CNN Business) ". A summary may leave it out.
_LEAD_DATELINE = re.compile(r"^[^()]{2,60}?\((?:Reuters|AP|AA|AFP|CNN[^)]*)\)\s*[-–—]?\s*")


def normalise(text: str | None) -> str:
    """Whitespace and quote styles folded, for comparing summaries with the expectations."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return " ".join(text.split())


def opening(text: str, words: int = LEAD_WORDS) -> str:
    return " ".join(normalise(text).split()[:words])


def load_page(name: str) -> str:
    path = ARTICLES / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return raw.decode("utf-8")  # all fixture pages are UTF-8 (SOURCES.md)


@cache
def expected_pages() -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = json.loads((ARTICLES / "expected.json").read_text("utf-8"))
    return pages


def allowed_openings(page: dict[str, Any]) -> list[str]:
    """How a summary of the page may begin: the standfirst's or the lead's first words, the
    lead's also without its wire dateline."""
    lead = page["lead"]
    texts = [page["standfirst"], lead, _LEAD_DATELINE.sub("", lead)]
    return [opening(text) for text in texts if text]


# --- the fixture pages ---------------------------------------------------------------------


@pytest.mark.parametrize("page", expected_pages(), ids=lambda page: page["file"].split(".")[0])
def test_summary_of_a_real_page_is_its_standfirst_or_lead(page: dict[str, Any]) -> None:
    summary = summarise_article(
        load_page(page["file"]), page["title"], page["url"], page["language"]
    )
    got = normalise(summary)

    assert got, "no summary"
    assert len(summary) <= LIMIT
    assert got.startswith(tuple(allowed_openings(page))), summary
    title = normalise(page["title"])
    assert got != title
    assert not got.casefold().startswith(title.casefold())
    leaked = [text for text in page["boilerplate"] if normalise(text) in got]
    assert leaked == []
    # A sentence end, a cut marked "…", or a whole standfirst printed without a full stop.
    assert summary.endswith((".", "!", "?", "…", '"', "”", "’", "'")) or (
        got == normalise(page["standfirst"])
    ), summary


def test_summaries_are_one_or_two_sentences() -> None:
    page = next(p for p in expected_pages() if p["file"].startswith("euronews_"))
    summary = summarise_article(load_page(page["file"]), page["title"], page["url"], "en")
    # The standfirst has three sentences; the summary keeps the first two.
    assert summary == (
        "President Trump has set his sights on Venezuela's vast oil reserves, the largest in "
        "the world. If consolidated under Washington’s influence, about one third of global oil "
        "reserves could end up under US control."
    )


# --- the seed article, in a page built around it -------------------------------------------


def seed_page() -> tuple[str, str]:
    """The seed story as a WordPress-style page: navigation header, byline and read time,
    paragraphs, share buttons, the "Show us some LOVE" line and the publisher's footer.
    No description meta."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    title, body = lines[0], [line for line in lines[1:] if line]
    site, read_time = body[0], body[1]
    byline_at = next(i for i, line in enumerate(body) if line.startswith("By:"))
    paragraphs, byline, source = body[2:byline_at], body[byline_at], body[byline_at + 1]
    love = next(line for line in body if "Show us some LOVE" in line)
    founded = next(line for line in body if line.startswith("Founded by"))
    e = html.escape
    nav = "".join(
        f'<li><a href="/{e(name.lower())}">{e(name)}</a></li>'
        for name in ("Home", "Politics", "Economy", "Human Rights", "World", "Opinion")
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(title)} - {e(site)}</title>
<meta property="og:title" content="{e(title)}">
<meta property="og:site_name" content="{e(site)}">
<meta property="og:type" content="article">
</head><body>
<header class="site-header"><a class="logo" href="/">{e(site)}</a><nav><ul>{nav}</ul></nav>
</header>
<main><article class="post">
<h1 class="entry-title">{e(title)}</h1>
<div class="post-meta"><span class="author">{e(site)}</span>
<span class="reading-time">{e(read_time)}</span></div>
<div class="entry-content">
{"".join(f"<p>{e(p)}</p>" for p in paragraphs)}
<p><strong>{e(byline)}</strong></p><p>{e(source)}</p><p>{e(love)}</p>
</div>
<div class="share-buttons"><span>Share This Article</span>
<a href="https://www.facebook.com/sharer/sharer.php">Facebook</a>
<a href="https://twitter.com/intent/tweet">Twitter</a></div>
</article></main>
<footer class="site-footer"><p>{e(founded)}</p><a href="#respond">Leave a comment</a></footer>
</body></html>"""
    return page, title


def test_seed_page_summary_is_the_lead_without_boilerplate() -> None:
    page, title = seed_page()
    summary = summarise_article(page, title, "https://newsaboutturkey.com/s-400", "en")

    assert summary.startswith("Amid increased contact between Turkey and the western world")
    assert len(summary) <= LIMIT and summary.endswith(".")
    for furniture in (
        title,
        "News About Turkey",
        "6 Min Read",
        "By: MENEKSE TOKYAY",
        "Source: Arab News",
        "Show us some LOVE",
        "Share This Article",
        "Facebook",
        "Founded by",
        "Leave a comment",
        "Home",
    ):
        assert furniture not in summary


def test_seed_page_as_bytes_is_decoded_by_its_meta_charset() -> None:
    page, title = seed_page()
    assert summarise_article(page.encode("utf-8"), title) == summarise_article(page, title)


# --- rules on small pages ------------------------------------------------------------------

LEAD = (
    "Parliament approved the new budget on Tuesday after a night-long debate, sending the "
    "bill to the president for signature."
)


def small_page(body: str, head: str = "", title: str = "Budget passes") -> str:
    return (
        f"<html><head><title>{title} | Daily Example</title>"
        f'<meta property="og:title" content="{title}">{head}</head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def test_a_page_without_text_has_no_summary() -> None:
    page = "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body>"
    assert summarise_article(page, "Budget passes") == ""


def test_bylines_timestamps_and_datelines_before_the_lead_are_skipped() -> None:
    body = (
        "<p>By Jane Doe and John Roe</p><p>Updated 10:36 AM EST, Tue November 19, 2024</p>"
        f"<p>ANKARA (AA) - {LEAD}</p><p>The vote was 301 to 250.</p>"
    )
    summary = summarise_article(small_page(body), "Budget passes")
    assert summary == f"{LEAD} The vote was 301 to 250."


def test_a_printed_standfirst_in_the_description_is_preferred() -> None:
    standfirst = "Lawmakers back a spending plan that raises pensions and cuts fuel taxes next year"
    head = f'<meta name="description" content="{standfirst} | Daily Example">'
    body = f'<p class="standfirst">{standfirst}</p><p>{LEAD}</p>'
    assert summarise_article(small_page(body, head), "Budget passes") == standfirst


def test_a_description_that_is_not_printed_loses_to_the_lead() -> None:
    blurb = "Everything you need to know about the budget, the votes and what happens next year."
    head = f'<meta name="description" content="{blurb}">'
    assert summarise_article(small_page(f"<p>{LEAD}</p>", head), "Budget passes") == LEAD


def test_a_description_printed_after_the_lead_is_an_excerpt_not_a_standfirst() -> None:
    later = "The opposition said it would challenge several articles of the bill in court soon."
    head = f'<meta name="description" content="{later}">'
    body = f"<p>{LEAD}</p><p>Turnout was high.</p><p>{later}</p>"
    assert summarise_article(small_page(body, head), "Budget passes") == f"{LEAD} Turnout was high."


def test_turkish_ordinals_do_not_end_a_sentence() -> None:
    lead = (
        "Meclis, 2. Dünya Savaşı'ndan kalma mühimmatın imhası için hazırlanan teklifi kabul "
        "etti. Teklif oy birliğiyle geçti. Muhalefet destek verdi."
    )
    summary = summarise_article(small_page(f"<p>{lead}</p>"), "Teklif kabul edildi", None, "tr")
    assert summary == (
        "Meclis, 2. Dünya Savaşı'ndan kalma mühimmatın imhası için hazırlanan teklifi kabul "
        "etti. Teklif oy birliğiyle geçti."
    )


# --- needs_article_summary -----------------------------------------------------------------

TITLE = "Russia is playing S-400 card in Turkey for strategic purposes, say experts"


@pytest.mark.parametrize(
    ("summary", "needed"),
    [
        ("", True),
        ("   ", True),
        ("Experts weigh in on the S-400 deal.", True),  # shorter than 80 characters
        (TITLE, True),
        (f"  {TITLE.upper()}!  ", True),
        (f"{TITLE} - News About Turkey", True),  # the title and a site name
        (
            # the title, then real news
            "Russia is playing S-400 card in Turkey for strategic purposes, say experts, as "
            "Moscow offers a second batch while Ankara courts Washington",
            False,
        ),
        (
            "Amid increased contact between Turkey and the western world over developments in "
            "Afghanistan, Russia has placed the S-400 missile defense system on the table.",
            False,
        ),
    ],
)
def test_needs_article_summary(summary: str, needed: bool) -> None:
    assert needs_article_summary(TITLE, summary) is needed


def test_a_summary_that_is_part_of_a_long_title_is_not_enough() -> None:
    title = (
        "Turkey, Poland and three Caribbean islands added to UK quarantine list as penalties "
        "for those who refuse to self-isolate rise to £10,000"
    )
    part = "Turkey, Poland and three Caribbean islands added to UK quarantine list as penalties"
    assert needs_article_summary(title, part)


# --- decoding ------------------------------------------------------------------------------

TURKISH = "Şırnak'ta ağaçlandırma çalışması: gönüllüler İğdır'dan ve Çorum'dan geldi"
HTTP_EQUIV = f'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-9">{TURKISH}'


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (TURKISH.encode("cp1254"), "text/html; charset=windows-1254", TURKISH),
        (TURKISH.encode("cp1254"), "text/html; charset=ISO-8859-9", TURKISH),  # = windows-1254
        (f'<meta charset="windows-1254">{TURKISH}'.encode("cp1254"), "text/html", None),
        (HTTP_EQUIV.encode("cp1254"), None, None),
        (TURKISH.encode("utf-8"), None, TURKISH),
        (b"\xef\xbb\xbf" + TURKISH.encode("utf-8"), "text/html; charset=windows-1254", TURKISH),
        (TURKISH.encode("utf-8"), "text/html; charset=no-such-charset", TURKISH),
    ],
)
def test_decode_html(body: bytes, content_type: str | None, text: str | None) -> None:
    decoded = decode_html(body, content_type)
    assert decoded.endswith(TURKISH)
    if text is not None:
        assert decoded == text


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    assert decode_html(b"caf\xe9 \xff", "text/html; charset=utf-8") == "caf\ufffd \ufffd"


# --- fetching ------------------------------------------------------------------------------


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    limits = FetchLimits(timeout=5.0, deadline=5.0)
    async with Fetcher(limits, AddressPolicy(allow_private=True)) as fetcher:
        yield fetcher


async def test_fetch_article_summary_of_a_real_page(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    page = next(p for p in expected_pages() if p["file"].startswith("aljazeera_"))
    markup = load_page(page["file"])
    feed_server.add(
        "/news/crash.html", markup.encode("utf-8"), content_type="text/html; charset=utf-8"
    )

    summary = await fetch_article_summary(
        fetcher, feed_server.url("/news/crash.html"), page["title"], "en"
    )

    assert summary == summarise_article(markup, page["title"], page["url"], "en")
    assert normalise(summary).startswith(tuple(allowed_openings(page)))


async def test_fetch_article_summary_decodes_windows_1254(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    lead = (
        "İstanbul'da sağanak nedeniyle Boğaziçi'nde gemi geçişleri durduruldu; şoförler "
        "ıslak yollarda dikkatli olmaları için uyarıldı."
    )
    page = (
        "<html><head><title>Boğaz'da gemi trafiği durdu</title></head><body><article>"
        f"<h1>Boğaz'da gemi trafiği durdu</h1><p>Yazar: Ayşe Yılmaz</p><p>{lead}</p>"
        "</article></body></html>"
    )
    feed_server.add(
        "/haber/1", page.encode("cp1254"), content_type="text/html; charset=windows-1254"
    )

    summary = await fetch_article_summary(
        fetcher, feed_server.url("/haber/1"), "Boğaz'da gemi trafiği durdu", "tr"
    )

    assert summary == lead


async def test_fetch_article_summary_leaves_fetch_errors_to_the_caller(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add_status("/gone", 404)
    with pytest.raises(HTTPStatusError):
        await fetch_article_summary(fetcher, feed_server.url("/gone"), "Budget passes")


async def test_fetch_article_summary_of_something_not_html_is_empty(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/file.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    assert await fetch_article_summary(fetcher, feed_server.url("/file.pdf"), "Budget") == ""


# --- cost ----------------------------------------------------------------------------------


def test_importing_the_module_does_not_import_trafilatura() -> None:
    code = "import sys, feeds.article; sys.exit('trafilatura' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
