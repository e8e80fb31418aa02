"""Text cleaning: entities, titles, boilerplate, summaries and canonical URLs."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feeds.clean import (
    _canonical_url,
    _is_site_name,
    _normalise_for_compare,
    _normalised_names,
    canonical_url,
    clean_title,
    collapse_whitespace,
    html_to_blocks,
    remove_boilerplate,
    shorten,
    summarise,
    unescape_entities,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("İsrail&amp;#039;in", "İsrail'in"),
        ("Turgutlu&apos;daki", "Turgutlu'daki"),
        ("Monday&#039;s", "Monday's"),
        ("AT&T 5 < 6", "AT&T 5 < 6"),
        ("&amp;amp;", "&"),
        ("Jos&eacute; Jer&iacute;", "José Jerí"),
    ],
)
def test_unescape_entities_including_double_escaped(raw: str, expected: str) -> None:
    assert unescape_entities(raw) == expected


def test_titles_keep_literal_markup_characters_as_text() -> None:
    assert clean_title("  AT&amp;T <b>deal</b>\n 5 &lt; 6 ") == "AT&T <b>deal</b> 5 < 6"
    assert clean_title("<b>Bold</b> news", is_markup=True) == "Bold news"


def test_html_blocks_drop_images_scripts_and_keep_paragraphs() -> None:
    markup = (
        '<img src="x.jpg"/><p>First <a href="#">paragraph</a>.</p><script>alert(1)</script>'
        "<figure><figcaption>Caption</figcaption></figure><ul><li>Item one</li></ul>Tail<br/>end"
    )
    assert html_to_blocks(markup) == ["First paragraph.", "Item one", "Tail", "end"]


@pytest.mark.parametrize(
    "furniture",
    [
        "Share This Article",
        "***Show us some LOVE by sharing it!***",
        "6 Min Read",
        "Leave a comment",
        "Devamı için tıklayınız",
        "Continue reading...",
        "Voir la couverture complète sur Google Actualités",
    ],
)
def test_boilerplate_blocks_are_removed(furniture: str) -> None:
    assert remove_boilerplate([furniture, "The minister spoke on Monday."]) == [
        "The minister spoke on Monday."
    ]


def test_inline_boilerplate_is_removed() -> None:
    text = summarise(
        "<p>Basketbolda kupayı Fenerbahçe kazandı.</p>\n"
        'The post <a href="https://x/">Kupa</a> appeared first on #site_linkat 22.09.2026 .',
        "Kupa",
    )
    assert text == "Basketbolda kupayı Fenerbahçe kazandı."
    teaser = summarise(
        'Erdoğan BM kürsüsünde konuştu...<a href="x">Devamı için tıklayınız</a>', "T"
    )
    assert teaser == "Erdoğan BM kürsüsünde konuştu..."


def test_summary_never_repeats_the_title() -> None:
    assert summarise("Dilek Kaya İmamoğlu dedi", "Dilek Kaya İmamoğlu dedi") == ""
    assert (
        summarise("<p>Big news: Markets fell. Stocks dropped sharply today.</p>", "Big news")
        == "Markets fell. Stocks dropped sharply today."
    )


def test_leading_bylines_and_wire_datelines_go() -> None:
    assert summarise("<p>By Jane Doe</p><p>Talks resumed in Geneva.</p>", "x") == (
        "Talks resumed in Geneva."
    )
    assert summarise("<p>BERLIN, Feb 17 (Reuters) - More than 80 artists signed.</p>", "x") == (
        "More than 80 artists signed."
    )


def test_shorten_prefers_a_sentence_end_and_skips_abbreviations() -> None:
    sentence = "Prof. Dr. Aziz Sancar met U.S. officials in Washington on Monday. "
    text = sentence * 8
    short = shorten(text, 300)
    assert len(short) <= 300 and short.endswith("Monday.")
    assert not short.endswith("Prof.")
    long_word_run = "kelime " * 100
    cut = shorten(long_word_run, 300)
    assert cut.endswith("…") and len(cut) <= 300 and not cut.endswith(" …")


@given(st.text(max_size=2000))
def test_summary_is_bounded_and_tag_free_for_any_input(markup: str) -> None:
    summary = summarise(markup, "title")
    assert len(summary) <= 300
    assert "<script" not in summary.lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://www.bbc.com/turkce/articles/abc?at_medium=RSS&at_campaign=rss#0",
            "https://www.bbc.com/turkce/articles/abc",
        ),
        (
            "https://www.diken.com.tr/x/?utm_source=rss&#038;utm_medium=rss&amp;utm_campaign=x",
            "https://www.diken.com.tr/x/",
        ),
        ("https://e.com/a?id=5&fbclid=abc&gclid=z", "https://e.com/a?id=5"),
        ("HTTPS://WWW.Example.COM:443/a", "https://www.example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://www.dw.com/tr/uyarısı/a-1?maca=tur-rss",
            "https://www.dw.com/tr/uyar%C4%B1s%C4%B1/a-1",
        ),
        ("https://e.com/a?traffic_source=rss", "https://e.com/a"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_relative_links_resolve_against_the_base() -> None:
    assert canonical_url("../news/1", "https://e.com/feeds/rss.xml") == "https://e.com/news/1"
    assert canonical_url("/x", "https://e.com/feeds/rss.xml") == "https://e.com/x"


def test_percent_encoded_and_raw_forms_agree() -> None:
    assert canonical_url("https://e.com/uyarısı") == canonical_url(
        "https://e.com/uyar%C4%B1s%C4%B1"
    )


# URL-like strings: the fast path's characters and those it leaves to the full path.
URL_PARTS = st.sampled_from(
    [
        "https://",
        "http://",
        "HTTP://",
        "//",
        "news.example",
        "E.com",
        ":8080",
        ":443",
        "user@",
        "/",
        "a",
        "Z9",
        "-._~",
        "%20",
        "%zz",
        ":@!$'()*+,;=",
        "&amp;",
        "&",
        "?utm_source=x",
        "?id=1&fbclid=2",
        "#top",
        "ş",
        " ",
        "[::1]",
    ]
)


@given(st.lists(URL_PARTS, max_size=8).map("".join), st.sampled_from([None, "https://e.com/f"]))
@example("https://news.example/a/b-1", None)
@example("https://news.example", None)
@example("https://News.example/a", None)
@example("https://news.example:443/a", None)
@example("https://news.example:8080/a", None)
@example("https://user@news.example/a", None)
@example("https://news.example/a b", None)
@example("https://news.example/ş", None)
@example("https://news.example/a?utm_source=rss", None)
@example("https://news.example/a#top", None)
@example("https://news.example/a&amp;b", None)
def test_a_canonical_url_is_what_taking_it_apart_gives(url: str, base: str | None) -> None:
    """URLs already canonical (most story links) are returned without being taken apart and put
    together again; the result is the same either way."""
    try:
        full = _canonical_url(unescape_entities(url.strip()), base)
    except ValueError:  # an invalid URL (an unclosed IPv6 bracket) is refused either way
        with pytest.raises(ValueError):
            canonical_url(url, base)
        return
    assert canonical_url(url, base) == full


@given(st.text(alphabet=" \t\n\u00a0\u2029\u3000\x1cab", max_size=20))
def test_collapsing_whitespace_is_one_space_for_each_run(text: str) -> None:
    assert collapse_whitespace(text) == re.sub(r"\s+", " ", text).strip()


@given(
    st.text(alphabet="aB -_.ßİ—1", max_size=30),
    st.lists(st.text(alphabet="aB -_.ßİ—1", max_size=8), max_size=3),
)
def test_a_site_name_block_is_found_from_its_opening(block: str, names: list[str]) -> None:
    """Whether a block is a site name is settled from the block's opening when that already
    normalises to more than the longest name; the answer is that of the whole block."""
    keys, _ = _normalised_names(tuple(names))
    assert _is_site_name(block, _normalised_names(tuple(names))) == (
        _normalise_for_compare(block) in keys
    )
