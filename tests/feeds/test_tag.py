"""The tagger: whole words, Turkish case folding, suffixes, stems, code variants, exclusions."""

from __future__ import annotations

import pytest

from feeds.models import TagMatch
from feeds.tag import Tagger, words
from feeds.taxonomy import load_taxonomy, parse_taxonomy


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


def slugs(tagger: Tagger, text: str, language: str) -> list[str]:
    return [match.slug for match in tagger.tag(text, language)]


def test_turkish_case_folding() -> None:
    assert words("İSTANBUL IRAK ırak Istanbul") == ["istanbul", "irak", "irak", "istanbul"]
    assert words("TÜRKİYE'NİN S-400'leri, F 35 ve S400") == [
        "turkiye",
        "s400",
        "f35",
        "ve",
        "s400",
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("NATO'nun zirvesi Lahey'de", "tr", ["nato"]),
        ("S-400'ler için yeni teslimat", "tr", ["s400"]),
        ("Ankara S 400 sistemini aktive etmedi", "tr", ["s400"]),
        ("Turkey wants back into the F35 programme", "en", ["f35"]),
        ("ABD yeni yaptırımlar açıkladı", "tr", ["sanctions", "usa"]),
        ("Yaptırımları genişletti", "tr", ["sanctions"]),
        ("Göçmenlerin teknesi battı", "tr", ["migration"]),
        ("Avrupa Birliği'ne tam üyelik", "tr", ["eu"]),
        ("Avrupa Birliğine çağrı", "tr", ["eu"]),
        ("Kırım Tatarları sürgün yıldönümü", "tr", ["ukraine"]),
        ("Washington sanctioned two banks", "en", ["sanctions", "usa"]),
        ("Refugees cross the Aegean", "en", ["migration", "east-med"]),
        ("Turkey's economy grew faster", "en", ["economy"]),
        ("Deprem bölgesinde arama kurtarma sürüyor", "tr", ["disasters"]),
    ],
)
def test_tags(tagger: Tagger, text: str, language: str, expected: list[str]) -> None:
    assert sorted(slugs(tagger, text, language)) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanksgiving turkey recipes", "en"),
        ("A think tank report on water tank safety", "en"),
        ("Latin America and South America leaders meet", "en"),
        ("Kuş göçü başladı", "tr"),
        ("Abdullah abla ile konuştu", "tr"),
        ("He sanctioned by the league rules and officially sanctioned events", "en"),
    ],
)
def test_no_false_matches(tagger: Tagger, text: str, language: str) -> None:
    assert slugs(tagger, text, language) == []


def test_short_aliases_match_whole_words_only(tagger: Tagger) -> None:
    assert slugs(tagger, "AB ile ABD arasında gerilim", "tr") == ["usa", "eu"]
    assert slugs(tagger, "ABD'li yetkililer", "tr") == ["usa"]
    assert slugs(tagger, "abdest ve abartı", "tr") == []


def test_the_matching_alias_is_recorded(tagger: Tagger) -> None:
    assert tagger.tag("Sanctions on Iran widen", "en") == [
        TagMatch("sanctions", "sanctions"),
        TagMatch("middle-east", "Iran"),
    ]


def test_a_custom_taxonomy_is_used() -> None:
    taxonomy = parse_taxonomy(
        """
        [[topic]]
        slug = "football"
        name_en = "Football"
        name_tr = "Futbol"
        aliases_en = ["football"]
        aliases_tr = ["futbol", "Süper Lig"]
        exclude = ["American football"]
        """,
        "test",
    )
    custom = Tagger(taxonomy)
    assert [m.slug for m in custom.tag("Süper Lig'de derbi", "tr")] == ["football"]
    assert custom.tag("American football season", "en") == []
