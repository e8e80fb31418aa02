"""The topic taxonomy: a human-editable TOML file, validated at load.

Each ``[[topic]]`` has a ``slug``, ``name_en`` and ``name_tr``, ``aliases_en`` and ``aliases_tr``
(words and phrases that mean the topic, matched whole-word with inflections), optional
``exclude`` (phrases whose context must not trigger the topic) and an optional ``parent`` slug.

Optional ``needs_context`` names aliases that are too ambiguous alone (``US`` is a state actor
in "US envoys hold talks" but only a place in "a US citizen was robbed"): such an alias tags the
topic only when one of the topic's ``context_en`` or ``context_tr`` phrases occurs near it (see
``feeds.tag.CONTEXT_WINDOW``), or one of its ``context_after_en`` or ``context_after_tr`` phrases
comes right after it (the alias as the subject of a verb: "US warns", "US-backed"), and none of
its ``context_against_en`` or ``context_against_tr`` phrases is near it (an explosion with
"suicide bomber" near it is an attack, not a disaster). Every ``needs_context`` entry must be
one of the topic's aliases.

Optional ``needs_salience`` names aliases that are the topic only when the text is about it,
not when they are a passing word ("3% of economic output", "one of the European Union's
poorest countries"): such an alias tags the topic when it is in the headline (the text's first
sentence), or the topic is named at a second place in the text, or one of the topic's context
phrases is near it. Every ``needs_salience`` entry must be one of the topic's aliases too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REQUIRED_SLUGS = frozenset(
    [
        "s400",
        "f35",
        "sanctions",
        "nato",
        "russia",
        "usa",
        "eu",
        "ukraine",
        "afghanistan",
        "migration",
        "economy",
        "politics",
        "kurds",
        "syria",
        "east-med",
        "energy",
        "defense-industry",
        "press-freedom",
        "disasters",
        "middle-east",
    ]
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TaxonomyError(ValueError):
    """The topics file is unreadable or a topic is invalid; the message names topic and field."""


class _TopicModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str
    name_en: str = Field(min_length=1)
    name_tr: str = Field(min_length=1)
    aliases_en: list[str] = Field(default_factory=list)
    aliases_tr: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    needs_context: list[str] = Field(default_factory=list)
    needs_salience: list[str] = Field(default_factory=list)
    context_en: list[str] = Field(default_factory=list)
    context_tr: list[str] = Field(default_factory=list)
    context_after_en: list[str] = Field(default_factory=list)
    context_after_tr: list[str] = Field(default_factory=list)
    context_against_en: list[str] = Field(default_factory=list)
    context_against_tr: list[str] = Field(default_factory=list)
    parent: str | None = None

    @field_validator("slug")
    @classmethod
    def _slug_form(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "must be lower-case letters, digits and single hyphens (e.g. east-med)"
            )
        return value

    @field_validator(
        "aliases_en",
        "aliases_tr",
        "exclude",
        "needs_context",
        "needs_salience",
        "context_en",
        "context_tr",
        "context_after_en",
        "context_after_tr",
        "context_against_en",
        "context_against_tr",
    )
    @classmethod
    def _non_empty_phrases(cls, value: list[str]) -> list[str]:
        for phrase in value:
            if not phrase.strip():
                raise ValueError("phrases must not be empty")
        return value


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name_en: str
    name_tr: str
    aliases_en: tuple[str, ...]
    aliases_tr: tuple[str, ...]
    exclude: tuple[str, ...]
    parent: str | None
    # Aliases that tag the topic only near one of the context phrases (see the module doc).
    needs_context: tuple[str, ...] = ()
    # Aliases that tag the topic only where they are salient (see the module doc).
    needs_salience: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    context_after: tuple[str, ...] = ()  # context only right after the alias
    # The context phrases of context_en and context_after_en: the others are Turkish only.
    english_context: tuple[str, ...] = ()
    # Phrases that, near an alias that needs context, cancel it (context_against_en/_tr).
    context_against: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return self.name_tr if language == "tr" else self.name_en


@dataclass(frozen=True, slots=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    source: str

    def get(self, slug: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.slug == slug), None)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(topic.slug for topic in self.topics)


def _describe(error: Any, topic: dict[str, Any], index: int) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "?"
    slug = topic.get("slug") if isinstance(topic.get("slug"), str) else None
    where = f"topic {slug!r}" if slug else f"topic #{index}"
    return f"{where}, field `{field}`: {error['msg']}"


def _context_problems(model: _TopicModel) -> list[str]:
    aliases = set(model.aliases_en) | set(model.aliases_tr)
    problems = [
        f"topic {model.slug!r}, field `needs_context`: {alias!r} is not one of the topic's "
        "aliases (aliases_en, aliases_tr)"
        for alias in model.needs_context
        if alias not in aliases
    ]
    problems.extend(
        f"topic {model.slug!r}, field `needs_salience`: {alias!r} is not one of the topic's "
        "aliases (aliases_en, aliases_tr)"
        for alias in model.needs_salience
        if alias not in aliases
    )
    contexts = (model.context_en, model.context_tr, model.context_after_en, model.context_after_tr)
    if model.needs_context and not any(contexts):
        problems.append(
            f"topic {model.slug!r}, field `needs_context`: give the phrases that provide the "
            "context in context_en or context_tr"
        )
    if (model.context_against_en or model.context_against_tr) and not model.needs_context:
        problems.append(
            f"topic {model.slug!r}, field `context_against_en`/`context_against_tr`: they "
            "cancel aliases that need context, and the topic lists none in needs_context"
        )
    return problems


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    """Validate a topics TOML document. Raises TaxonomyError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source} is not valid TOML: {exc}") from exc
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise TaxonomyError(f"{source} has no [[topic]] tables")
    problems: list[str] = []
    topics: list[Topic] = []
    for index, raw in enumerate(raw_topics, start=1):
        try:
            model = _TopicModel.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_describe(err, raw, index) for err in exc.errors())
            continue
        if not model.aliases_en and not model.aliases_tr:
            problems.append(
                f"topic {model.slug!r}: give at least one alias in aliases_en or aliases_tr"
            )
        problems.extend(_context_problems(model))
        topics.append(
            Topic(
                slug=model.slug,
                name_en=model.name_en,
                name_tr=model.name_tr,
                aliases_en=tuple(model.aliases_en),
                aliases_tr=tuple(model.aliases_tr),
                exclude=tuple(model.exclude),
                parent=model.parent,
                needs_context=tuple(model.needs_context),
                needs_salience=tuple(model.needs_salience),
                context=tuple(model.context_en + model.context_tr),
                context_after=tuple(model.context_after_en + model.context_after_tr),
                english_context=tuple(
                    model.context_en + model.context_after_en + model.context_against_en
                ),
                context_against=tuple(model.context_against_en + model.context_against_tr),
            )
        )
    slugs = [topic.slug for topic in topics]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(f"topic {slug!r}: the slug is used more than once")
    for topic in topics:
        if topic.parent is not None and topic.parent not in slugs:
            problems.append(f"topic {topic.slug!r}, field `parent`: no topic {topic.parent!r}")
        if topic.parent == topic.slug:
            problems.append(
                f"topic {topic.slug!r}, field `parent`: a topic cannot be its own parent"
            )
    if problems:
        raise TaxonomyError(f"{source}:\n  " + "\n  ".join(problems))
    return Taxonomy(tuple(topics), source)


def bundled_taxonomy_text() -> str:
    return files("feeds").joinpath("topics.toml").read_text(encoding="utf-8")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The topics file at ``path``, or the bundled one."""
    if path is None:
        return parse_taxonomy(bundled_taxonomy_text(), "topics.toml (bundled)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read topics file {str(path)!r}: {exc.strerror}") from exc
    return parse_taxonomy(text, str(path))
