"""Mentions made in passing: background phrases and quoted titles of works."""

from __future__ import annotations

import pytest

from feeds.about import judge_about_turkey
from feeds.asides import Layout, set_aside
from feeds.folding import cased_words
from feeds.tag import Tagger
from feeds.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


def topics(tagger: Tagger, title: str, summary: str, language: str = "en") -> set[str]:
    return {match.slug for match in tagger.tag_story(title, summary, language)}


def test_layout_finds_clause_punctuation_and_quotes() -> None:
    text = "Dana Eden, co-creator of ‘Tehran,’ dies - police say “no foul play”"
    layout = Layout.of(text)
    words = cased_words(text)
    assert words[:6] == ["Dana", "Eden", "co", "creator", "of", "Tehran"]
    assert layout.breaks == {1, 5, 6}  # after "Eden", "Tehran" and "dies"
    assert layout.opened == {5, 9}  # "Tehran", "no"
    assert layout.closed == {5, 11}  # "Tehran", "play"


@pytest.mark.parametrize(
    ("title", "summary", "gone"),
    [
        (
            "Nordic ministers agree on joint air policing",
            "The plan was drawn up amid Russia's full-scale invasion of Ukraine.",
            {"russia", "ukraine"},
        ),
        (
            "Skier barred from wearing tribute helmet",
            "The helmet shows athletes killed during Russia's war on Ukraine.",
            {"russia"},
        ),
        (
            "Island athletes want to keep competing for Denmark",
            "Unlike Donald Trump, they want Greenland to stay Danish.",
            {"usa"},
        ),
        (
            "Olimpiyatlarda kask yasağı",
            "Sporcu, Rusya'nın Ukrayna'yı işgali sırasında ölen sporcuları andı.",
            {"russia", "ukraine"},
        ),
        (
            "Grönlandlı kardeşler Danimarka için yarışıyor",
            "Kardeşler, Trump'ın aksine adanın Danimarka'da kalmasını istiyor.",
            {"usa"},
        ),
        # A word the topic counts only with context, given it in passing.
        (
            "Judge halts the deportation of a student activist",
            "He faced deportation proceedings amid a protest crackdown.",
            {"politics"},
        ),
    ],
)
def test_a_name_in_a_background_phrase_is_set_aside(
    tagger: Tagger, title: str, summary: str, gone: set[str]
) -> None:
    language = "tr" if "ı" in title + summary else "en"
    assert not topics(tagger, title, summary, language) & gone


@pytest.mark.parametrize(
    ("title", "summary", "kept"),
    [
        # In the headline, a background phrase still names what the story is about.
        (
            "Amid Russia's war, Finland closes its border",
            "The fence will be 200 km long.",
            "russia",
        ),
        # A second mention outside the phrase.
        (
            "Baltic states raise defence budgets",
            "The rise comes amid Russia's war. Russia denies any threat to the Baltics.",
            "russia",
        ),
        # An encounter is the story, not its background.
        (
            "Erdogan calls for a ceasefire",
            "He spoke during talks with Putin in Sochi on Friday.",
            "russia",
        ),
        # A role is the story's own.
        (
            "Ex-dictator's bribes beat the embargo",
            "He made $11 billion during his final years as Iraq's leader.",
            "middle-east",
        ),
        # Clause punctuation ends the phrase.
        ("Kyiv wakes to sirens", "During the night, Russia launched 90 drones.", "russia"),
        # A theme word is not set aside: it may be the cause the reader follows.
        (
            "Copper exports hit a record",
            "Shipments rose despite sanctions on the buyer.",
            "sanctions",
        ),
        # A word that needs context, outside a background phrase.
        (
            "Student activist detained",
            "Police arrested him in a protest crackdown on Monday.",
            "politics",
        ),
        # Beyond the phrase's reach.
        (
            "Stocks close higher",
            "Markets rallied during a long and quiet and otherwise uneventful session in Moscow.",
            "russia",
        ),
    ],
)
def test_a_mention_that_is_the_story_is_kept(
    tagger: Tagger, title: str, summary: str, kept: str
) -> None:
    assert kept in topics(tagger, title, summary)


def test_a_turkish_encounter_is_kept(tagger: Tagger) -> None:
    summary = "Erdoğan, Putin ile görüşmesi sırasında ateşkes çağrısı yaptı."
    assert "russia" in topics(tagger, "Erdoğan'dan ateşkes çağrısı", summary, "tr")


def test_a_currency_is_set_aside(tagger: Tagger) -> None:
    jamaica = "Jamaica's government announces a US $5 million plan for internet access"
    assert "usa" not in topics(tagger, jamaica, "")
    assert "usa" not in topics(tagger, "Oracle strikes a deal at US$26.50 a share", "")
    assert "usa" in topics(tagger, "US government announces a $5 million plan", "")


def test_an_origin_is_set_aside(tagger: Tagger) -> None:
    assert topics(tagger, "Syrian-born engineer wins a design prize in Berlin", "") == set()
    deported = "He was deported to Syria, where he says he was tortured."
    assert "syria" in topics(tagger, "Syrian-born Canadian sues Ottawa", deported)


@pytest.mark.parametrize(
    ("title", "summary", "language", "migration"),
    [
        (
            "Israeli tanks surge into the Jabalia refugee camp",
            "Troops fought militants.",
            "en",
            False,
        ),
        ("İsrail ordusu Cenin mülteci kampına baskın düzenledi", "", "tr", False),
        # A camp of refugees, named for them: refugees are named again.
        (
            "Fire sweeps a Rohingya refugee camp",
            "Thousands of refugees lost their shelters.",
            "en",
            True,
        ),
        ("Mülteci kampında yangın: 3 ölü", "", "tr", True),
        ("Refugee camps in Lebanon brace for winter", "", "en", True),
    ],
)
def test_a_named_camp_is_a_place(
    tagger: Tagger, title: str, summary: str, language: str, migration: bool
) -> None:
    assert ("migration" in topics(tagger, title, summary, language)) is migration


def test_a_quoted_title_of_a_work_is_set_aside(tagger: Tagger) -> None:
    title = "Producer of ‘Tehran’ dies on set"
    summary = "She died during filming of the spy series' fourth season in Athens."
    assert "middle-east" not in topics(tagger, title, summary)
    turkish = "‘Tahran’ dizisinin yaratıcısı çekimler sırasında öldü"
    assert "middle-east" not in topics(tagger, turkish, "", "tr")


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        # A quoted word, with no work spoken of.
        ("Museum removes the word 'Palestine' from its displays", "Historians object."),
        # A work is spoken of, but the name is not the whole quotation.
        ("Film 'Voices of Gaza' wins the Golden Bear", "The jury praised its director."),
        # A work is spoken of, and the name is named unquoted too.
        ("Series 'Tehran' returns", "The show is filmed in Greece, not in Tehran."),
    ],
)
def test_a_quoted_name_that_is_not_only_a_title_is_kept(
    tagger: Tagger, title: str, summary: str
) -> None:
    assert "middle-east" in topics(tagger, title, summary)


def test_set_aside_reads_the_mention_it_is_given() -> None:
    text = "Leaders meet. Talks were held amid Russia's war on Ukraine."
    words = [word.lower() for word in cased_words(text)]
    layout = Layout.of(text)
    russia = words.index("russia")
    aside = {"tokens": words, "layout": layout, "language": "en", "cased": cased_words(text)}
    assert set_aside(russia, russia + 1, **aside, headline=2, name=True)
    assert not set_aside(russia, russia + 1, **aside, headline=2, name=False)
    assert not set_aside(russia, russia + 1, **aside, headline=len(words), name=True)


def test_the_general_feed_filter_sets_a_passing_mention_aside() -> None:
    summary = "Bookings rose despite Turkey's new visa rules for islanders."
    assert not judge_about_turkey("Greek islands expect record season", summary, "en").about
    assert judge_about_turkey("Turkey's new visa rules", summary, "en").about
