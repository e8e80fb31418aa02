"""The topics file: the bundled one is complete, and bad files name the topic and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.taxonomy import REQUIRED_SLUGS, TaxonomyError, load_taxonomy, parse_taxonomy


def test_bundled_topics_have_every_required_slug_in_both_languages() -> None:
    taxonomy = load_taxonomy()
    assert set(taxonomy.slugs) >= REQUIRED_SLUGS
    for topic in taxonomy.topics:
        assert topic.aliases_en and topic.aliases_tr, topic.slug
    assert taxonomy.get("syria") is not None and taxonomy.get("syria").parent == "middle-east"  # type: ignore[union-attr]


def test_context_phrases_are_read_in_both_languages() -> None:
    taxonomy = parse_taxonomy(
        "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['US']\n"
        "needs_context=['US']\ncontext_en=['talks']\ncontext_tr=['görüşme']\n"
        "context_after_en=['says']",
        "custom.toml",
    )
    (topic,) = taxonomy.topics
    assert topic.needs_context == ("US",)
    assert topic.context == ("talks", "görüşme")
    assert topic.context_after == ("says",)


def test_salience_aliases_are_read() -> None:
    taxonomy = parse_taxonomy(
        "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['EU', 'Brussels']\n"
        "needs_salience=['EU']",
        "custom.toml",
    )
    (topic,) = taxonomy.topics
    assert topic.needs_salience == ("EU",)
    assert topic.needs_context == ()


def test_bundled_topics_give_context_to_every_alias_that_needs_it() -> None:
    for topic in load_taxonomy().topics:
        assert set(topic.needs_context) <= {*topic.aliases_en, *topic.aliases_tr}, topic.slug
        if topic.needs_context:
            assert topic.context, topic.slug
        assert set(topic.needs_salience) <= {*topic.aliases_en, *topic.aliases_tr}, topic.slug


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("topic = 3", "has no [[topic]] tables"),
        (
            "[[topic]]\nslug = 'Bad Slug'\nname_en = 'x'\nname_tr = 'x'\naliases_en = ['x']",
            "topic 'Bad Slug', field `slug`: Value error, must be lower-case",
        ),
        (
            "[[topic]]\nslug = 'a'\nname_tr = 'x'\naliases_en = ['x']",
            "topic 'a', field `name_en`: Field required",
        ),
        (
            "[[topic]]\nslug = 'a'\nname_en = 'x'\nname_tr = 'x'",
            "topic 'a': give at least one alias",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\nparent='zz'",
            "topic 'a', field `parent`: no topic 'zz'",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\ncolour='red'",
            "topic 'a', field `colour`: Extra inputs are not permitted",
        ),
        (
            "[[topic]]\nslug = 'a'\nname_en = 'x'\nname_tr = 'x'\naliases_en = ['x', ' ']",
            "topic 'a', field `aliases_en`: Value error, phrases must not be empty",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\n" * 2,
            "topic 'a': the slug is used more than once",
        ),
        ("[[topic]\n", "is not valid TOML"),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\n"
            "needs_context=['y']\ncontext_en=['z']",
            "topic 'a', field `needs_context`: 'y' is not one of the topic's aliases",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\nneeds_salience=['y']",
            "topic 'a', field `needs_salience`: 'y' is not one of the topic's aliases",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\nneeds_context=['x']",
            "topic 'a', field `needs_context`: give the phrases that provide the context",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\ncontext_tr=[' ']",
            "topic 'a', field `context_tr`: Value error, phrases must not be empty",
        ),
        (
            "[[topic]]\nslug='a'\nname_en='x'\nname_tr='x'\naliases_en=['x']\n"
            "context_against_en=['war']",
            "topic 'a', field `context_against_en`/`context_against_tr`: they cancel aliases "
            "that need context",
        ),
    ],
)
def test_problems_name_topic_and_field(document: str, message: str) -> None:
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(document, "custom.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("custom.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read topics file"):
        load_taxonomy(tmp_path / "nope.toml")
