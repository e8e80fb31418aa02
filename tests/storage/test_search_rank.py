"""Ranking a window of search matches (SQLite): folding, prefixes, fields, length and ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.search_rank import Match, fold, rank_matches, tokens

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def match(story_id: int, title: str, summary: str = "", hours_ago: int = 1) -> Match:
    return Match(story_id, NOW - timedelta(hours=hours_ago), title, summary)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İSTANBUL", "istanbul"),
        ("Işık ışık", "isik isik"),
        ("Türkiye’nin ÇĞÖŞÜ", "turkiye’nin cgosu"),
        ("naïve café", "naive cafe"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_is_the_index_folding(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokens_split_like_the_index() -> None:
    assert tokens("NATO'nun S-400 kararı_2026 (AB)") == [
        "nato",
        "nun",
        "s",
        "400",
        "karari",
        "2026",
        "ab",
    ]


def test_a_word_counts_where_a_token_begins_with_it() -> None:
    ranked = rank_matches(
        [
            match(1, "Sanctions on Iran", "Talks resume."),
            match(2, "Iran: sanctions and more sanctions", "Sanctions bite."),
            match(3, "Persian carpets", "Non-sanctionable trade with iran."),  # not at a start
        ],
        ["sanction"],
    )
    assert ranked == [2, 1, 3]


def test_a_title_match_outweighs_a_summary_match() -> None:
    ranked = rank_matches(
        [match(1, "Ekipler sahada", "Deprem bölgesine yardım"), match(2, "Deprem bölgesi", "Ekip")],
        ["deprem"],
    )
    assert ranked == [2, 1]


def test_every_word_adds_and_frequency_saturates() -> None:
    ranked = rank_matches(
        [
            match(1, "inflation inflation inflation inflation report"),
            match(2, "inflation report rates"),
        ],
        ["inflation", "rates"],
    )
    assert ranked == [2, 1]  # both words beat one word four times


def test_a_shorter_field_with_the_same_matches_ranks_higher() -> None:
    ranked = rank_matches(
        [
            match(1, "Earthquake in the east of the country damages many old buildings"),
            match(2, "Earthquake in the east"),
        ],
        ["earthquake"],
    )
    assert ranked == [2, 1]


def test_ties_go_to_the_newer_then_the_later_stored() -> None:
    ranked = rank_matches(
        [
            match(1, "Ankara talks", hours_ago=5),
            match(2, "Ankara talks", hours_ago=1),
            match(3, "Ankara talks", hours_ago=5),
        ],
        ["ankara"],
    )
    assert ranked == [2, 3, 1]


def test_turkish_letters_and_case_fold_on_both_sides() -> None:
    ranked = rank_matches(
        [match(1, "Kentte festival"), match(2, "IŞIK festivali", "Işıklar söndü")], ["ışık"]
    )
    assert ranked == [2, 1]
    assert rank_matches([], ["word"]) == []
