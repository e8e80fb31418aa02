"""Turkish names read in English, for clustering across languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.cluster import ClusterIndex, story_terms, use_names_file
from feeds.folding import cased_words, stem
from feeds.names import (
    ExonymError,
    background_shares,
    news_word,
    read_exonyms,
    read_news_words,
    turkish_terms,
)
from feeds.word_frequency import story_shares
from tests.feeds.test_cluster import SETTINGS, clusters_of, story


def test_the_bundled_gazetteer_reads() -> None:
    table = read_exonyms()
    assert len(table) > 1000
    assert table["rusya"] == "russia" and table["cenevre"] == "geneva" and table["bm"] == "un"
    assert table["karadeniz"] == "black sea"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('"Batı Şeria" = "West Bank"', "'Batı Şeria' is not one word"),
        ('"Bab" = "Bab el Mandeb Strait"', "one to three English words"),
        ('"Rusya" = "Russia"\n"RUSYA" = "Ukraine"', "'RUSYA' reads as 'rusya', listed twice"),
        ('"Rusya" = 7', "'Rusya' = 7: one to three English words"),
        ('"Rusya" = "Russia', "not valid TOML"),
    ],
)
def test_bad_entries_are_named(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "exonyms.toml"
    path.write_text(f"[tr_to_en]\n{text}\n", encoding="utf-8")
    with pytest.raises(ExonymError, match=error):
        read_exonyms(path)


def test_a_file_without_names_or_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[names]\n"Rusya" = "Russia"\n', encoding="utf-8")
    with pytest.raises(ExonymError, match=r"other\.toml: no \[tr_to_en\] table"):
        read_exonyms(other)
    with pytest.raises(ExonymError, match=r"missing\.toml: cannot read it"):
        read_exonyms(tmp_path / "missing.toml")


def test_a_listed_name_reads_as_its_english_form() -> None:
    assert turkish_terms("Cenevre") == ("geneva",)  # Cenevre'de, after the folding
    assert turkish_terms("Karadeniz") == ("black", "sea")
    assert turkish_terms("Erdogan") == ("erdogan",)  # the Turkish stemmer gives "erdoga"


def test_a_foreign_name_is_stemmed_as_english_and_turkish_words_as_turkish() -> None:
    assert turkish_terms("Guterres") == ("guterr",)  # as in an English report
    assert turkish_terms("Kurulu") == ("kurul",)  # Turkish vocabulary: "Genel Kurulu"
    assert turkish_terms("kurulu") == ("kurul",)
    assert turkish_terms("cenevre") != ("geneva",)  # lower case is never a name


def test_a_name_is_as_common_as_it_is_in_turkish_where_english_has_no_figure() -> None:
    shares, bundled = background_shares(), story_shares()
    assert "erdogan" not in bundled and shares["erdogan"] == bundled["erdoga"]
    assert shares["iran"] == bundled["iran"]  # English has a figure: it stands


def test_the_bundled_news_words_read() -> None:
    table = read_news_words()
    assert len(table) > 800
    assert table["muzakere"] == ("talks", False) and table["ateskes"] == ("ceasefire", False)
    assert table["imzala"] == ("sign", True)  # a verb's stem
    # Words that fold into other frequent words are left out: "katıldı" is not a killer's.
    assert "katil" not in table and "basin" not in table


@pytest.mark.parametrize(
    ("word", "terms"),
    [
        ("müzakerelerin", ("talk",)),  # a noun's plural, possessive and case
        ("müzakereye", ("talk",)),  # a buffer y before the case ending
        ("ateşkesi", ("ceasefir",)),
        ("imzalandı", ("sign",)),  # a verb's passive past
        ("kınadılar", ("condemn",)),
        ("saldıran", ("attack",)),  # a participle
        ("Saldırıları", ("attack",)),  # a headline's first word is Turkish vocabulary too
        ("katıldı", ("katil",)),  # not listed: stays Turkish
        ("kesintisiz", ("kesintis",)),  # -siz (without) is no inflection: not "outage"
        # A noun takes no verb endings: "verildi" is "was given" (ver-il-di), not data's.
        ("verildi", ("veril",)),
        ("verileri", ("data",)),
    ],
)
def test_a_news_word_reads_as_its_english_word_with_its_suffixes(
    word: str, terms: tuple[str, ...]
) -> None:
    (folded,) = cased_words(word)
    assert turkish_terms(folded) == terms


def test_the_longest_listed_news_word_wins() -> None:
    assert news_word("ateskesler") == "ceasefire"  # not a shorter listed word it starts with
    assert news_word("ates") is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('"hava saldırısı" = "airstrike"', "'hava saldırısı' is not one word"),
        ('"göç" = "migration"', "'göç' is not one word of four letters or more"),
        ('"müzakere" = "peace talks"', "one English word"),
        ('"müzakere" = "talks"\n"MÜZAKERE" = "negotiations"', "listed twice"),
        ('"imzala" = "sign"\n[tr_to_en_verbs]\n"imzala" = "sign"', "listed twice"),
        ('[tr_to_en_verbs]\n"kın" = "condemn"', "'kın' is not one word of four letters or more"),
        ('"müzakere" = "talks', "not valid TOML"),
    ],
)
def test_bad_news_words_are_named(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "news_words.toml"
    path.write_text(f"[tr_to_en_words]\n{text}\n", encoding="utf-8")
    with pytest.raises(ExonymError, match=error):
        read_news_words(path)
    other = tmp_path / "other.toml"
    other.write_text('[words]\n"müzakere" = "talks"\n', encoding="utf-8")
    with pytest.raises(ExonymError, match=r"other\.toml: no \[tr_to_en_words\] table"):
        read_news_words(other)


def test_a_news_word_is_as_common_as_it_is_in_turkish_when_that_is_higher() -> None:
    shares, bundled = background_shares(), story_shares()
    turkish, english = bundled[stem("deprem", "tr")], bundled.get("earthquak", 0.0)
    assert shares["earthquak"] == max(turkish, english)


def test_a_turkish_and_an_english_report_join_through_what_happened() -> None:
    """No name in common: the reports share the ceasefire, the talks and the attack."""
    english = story(
        90, 1, 0, "Ceasefire talks collapse after an attack", "The talks ended without a deal."
    )
    turkish = story(
        91,
        2,
        40,
        "Saldırının ardından ateşkes müzakereleri çöktü",
        "Müzakereler anlaşma olmadan sona erdi.",
        "tr",
    )
    assert {"ceasefir", "talk", "attack", "deal"} <= set(
        story_terms(turkish.title, turkish.summary, "tr")
    )
    assert clusters_of(ClusterIndex(SETTINGS).assign([english, turkish]))[91] == 90


def test_a_turkish_and_an_english_report_join_through_their_names() -> None:
    english = story(
        80,
        1,
        0,
        "Russian and Ukrainian delegations meet in Geneva for US-brokered talks",
        "Negotiators from Moscow and Kyiv sat down in Geneva on Tuesday, with US envoy Steve "
        "Witkoff mediating.",
    )
    turkish = story(
        81,
        2,
        60,
        "Rusya ve Ukrayna heyetleri ABD arabuluculuğunda Cenevre'de bir araya geldi",
        "Moskova ve Kiev heyetleri, ABD'nin özel temsilcisi Witkoff'un arabuluculuğunda "
        "Cenevre'de ikinci tur görüşmelere başladı.",
        "tr",
    )
    shared = (
        story_terms(english.title, english.summary, "en").keys()
        & story_terms(turkish.title, turkish.summary, "tr").keys()
    )
    assert {"geneva", "moscow", "kyiv", "us", "witkoff"} <= shared
    placed = clusters_of(ClusterIndex(SETTINGS).assign([english, turkish]))
    assert placed[81] == 80


@pytest.fixture
def bundled_names_after() -> Iterator[None]:
    yield
    use_names_file(None)


def test_a_deployment_adds_and_overrides_names(tmp_path: Path, bundled_names_after: None) -> None:
    assert "konya" not in read_exonyms()
    own = tmp_path / "names.toml"
    own.write_text('[tr_to_en]\n"Konya" = "Iconium"\n"Cenevre" = "Genf"\n', "utf-8")
    use_names_file(own)
    assert story_terms("Konya'da", "", "tr").keys() == {"iconium"}
    assert story_terms("Cenevre'de", "", "tr").keys() == {"genf"}
    assert story_terms("Rusya", "", "tr").keys() == {"russia"}  # the bundled names stay
    use_names_file(None)
    assert story_terms("Cenevre'de", "", "tr").keys() == {"geneva"}


def test_a_deployment_adds_news_words(tmp_path: Path, bundled_names_after: None) -> None:
    assert news_word("hasilatlari") is None
    own = tmp_path / "names.toml"
    own.write_text(
        '[tr_to_en_words]\n"hasılat" = "takings"\n[tr_to_en_verbs]\n"ihale et" = "x"\n', "utf-8"
    )
    with pytest.raises(ExonymError, match="'ihale et' is not one word"):
        use_names_file(own)
    own.write_text(
        '[tr_to_en_words]\n"hasılat" = "takings"\n"müzakere" = "negotiations"\n', "utf-8"
    )
    use_names_file(own)  # news words only: the bundled names stay
    assert story_terms("Hasılatları arttı", "", "tr").keys() >= {"take"}
    assert story_terms("Müzakereler", "", "tr").keys() == {"negoti"}
    assert story_terms("Cenevre'de", "", "tr").keys() == {"geneva"}
    use_names_file(None)
    assert news_word("hasilatlari") is None and news_word("muzakere") == "talks"


def test_a_bad_names_file_changes_nothing(tmp_path: Path, bundled_names_after: None) -> None:
    bad = tmp_path / "names.toml"
    bad.write_text('[tr_to_en]\n"Cenevre" = "Genf"\n"Batı Şeria" = "West Bank"\n', "utf-8")
    with pytest.raises(ExonymError, match="'Batı Şeria' is not one word"):
        use_names_file(bad)
    assert story_terms("Cenevre'de", "", "tr").keys() == {"geneva"}
