"""The general-feed filter: about Turkey or not, with the documented traps."""

from __future__ import annotations

import pytest

from feeds.about import judge_about_turkey


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Turkey's Erdogan meets Putin in Sochi", "en"),
        ("Türkiye to host NATO summit next year", "en"),
        ("Ankara condemns attack on its embassy", "en"),
        ("Explosion in Istanbul kills five", "en"),
        ("Turkish drones spotted over the Aegean", "en"),
        ("Baykar signs deal with Italian firm", "en"),
        ("Cumhurbaşkanı Erdoğan BM'de konuştu", "tr"),
        ("Video shows militants killing an Iraqi from Italy and a Turk", "en"),
        ("Earthquake in Turkey kills dozens", "en"),
    ],
)
def test_about_turkey(title: str, language: str) -> None:
    assert judge_about_turkey(title, "", language).about


@pytest.mark.parametrize(
    "title",
    [
        "Thanksgiving turkey recipes for the whole family",
        "How to roast turkey without drying it out",
        "Make Turkish delight at home",
        "Russia and Ukraine hold talks in Istanbul",
        "Champions League final at Istanbul sells out",
        "Turkish-born actor wins award in Berlin",
        "Syrians who fled to Turkey return home",
        "Turks and Caicos hit by hurricane",
        "Iran and US talks resume in Geneva",
        "MIT researchers find a new battery",  # not MİT, Turkey's intelligence service
        # The country as a venue, like a city.
        "Van Nistelrooy misses United's last group game in Turkey",
        "Iran and the EU hold talks in Turkey",
        # Turks of another country, and other senses of "Turk".
        "US troops lay siege to an ethnic Turkish city in northern Iraq",
        "Amazon's Mechanical Turk pays workers by the task",
        "The Young Turks host announces a run for Congress",
    ],
)
def test_not_about_turkey(title: str) -> None:
    assert not judge_about_turkey(title, "", "en").about


def test_the_deciding_alias_is_given() -> None:
    verdict = judge_about_turkey("Bomb in Istanbul", "Police said five were hurt.", "en")
    assert verdict == verdict.__class__(True, "Istanbul")
