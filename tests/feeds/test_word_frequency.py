"""The background word frequencies that clustering weighs words with (``feeds.word_frequency``)."""

from __future__ import annotations

from feeds.cluster import story_terms
from feeds.word_frequency import (
    FLOOR_PER_MILLION,
    frequency_table,
    load_table,
    read_table,
    story_shares,
)


def test_the_fast_reader_reads_the_table_as_toml_does() -> None:
    table = read_table()
    assert len(table) > 5000
    assert table == load_table()
    assert min(table.values()) >= FLOOR_PER_MILLION


def test_common_words_of_both_languages_are_listed_under_the_clusterings_stems() -> None:
    """The keys are the stems ``story_terms`` gives: if the folding or stemming changes,
    this fails until the table is rebuilt."""
    shares = story_shares()
    for text, language in (("the would them talks", "en"), ("ve bir için olarak", "tr")):
        for term in story_terms(text, "", language):
            assert shares.get(term, 0.0) > 0.001, (term, language)
    # Names and rare words are not common in general text.
    for term in story_terms("Araghchi Kordofan Galushchenko", "", "en"):
        assert term not in shares
    assert shares["the"] > 0.5 > shares["talk"] > shares["iran"]


def test_frequencies_are_summed_by_stem_and_the_largest_language_wins() -> None:
    lists = {
        "en": {"talk": 0.0002, "talks": 0.0001, "rare": 0.000001, "e.g.": 0.01},
        "tr": {"görüşme": 0.00005, "görüşmeler": 0.00005, "talk": 0.00001},
    }
    table = frequency_table(lists)
    assert table["talk"] == 300  # talk + talks, per million; English beats Turkish
    assert table["gorusme"] == 100  # folded like the clustering folds Turkish letters
    assert "rare" not in table  # below the floor
    assert "eg" not in table and "e" not in table  # not one word
    assert list(table) == sorted(table, key=lambda key: -table[key])
