"""Headlines that ask or explain rather than report."""

from __future__ import annotations

import pytest

from feeds.headlines import is_feature_headline


@pytest.mark.parametrize(
    "title",
    [
        "Why is the Strait of Hormuz off Iran so crucial?",
        "Italy enjoy historic Winter Games: Is home advantage real?",
        "Qatar PM arrives in Venezuela on first trip since Maduro's ouster: What to know",
        "Russia-Ukraine war: List of key events, day 1,455",
        "How Epstein got so rich",
        "'Threat to world peace': How Germans see the US now",
        "Military posturing alongside fragile diplomacy: What’s next for US-Iran talks?",
        "Who’s Pulling the Strings on the World Stage? Ask the Puppets.",
        "Will A.I. Kill Translation Jobs?",
        "Israel-Gaza war live updates",
        "A look at how the Trump administration is approaching Iran, Ukraine and Gaza",
        "Son dakika deprem mi oldu? Az önce deprem nerede oldu?",
        "Kurban Bayramı nedir, ne zaman?",
        "Antisemitizm tartışmaları: Elif Eralp başbakan olabilecek mi?",
        "See the Olympic medal count for the 2026 Winter Games",
        "See where the storm is headed",
        "Election night: Follow live results",
        "Watch live: Artemis II launch",
        # Two sentences: an analysis, a portrait, a digest.
        "Trump Said He’d End the War in Ukraine in a Day. It’s Harder Than He Thought.",
        "Rage. Grief. Anxiety. The New Mood in Iran.",
        "Several German members of the Islamic State are missing. Others face sentencing.",
        'He said "no." Then the war began',
    ],
)
def test_questions_and_explainers_are_features(title: str) -> None:
    assert is_feature_headline(title)


@pytest.mark.parametrize(
    "title",
    [
        "Peru's Congress removes interim President Jerí as he faces corruption allegations",
        "US and Iran reach ‘guiding principles’ in Geneva nuclear talks",
        "WHO warns of a measles surge in Europe",  # the World Health Organization
        "Will Smith apologises to the Academy",  # a name, no question mark
        "Can Dündar'a hapis cezası",  # a name
        "Erdoğan: 'Neden sessizsiniz?'",  # a quoted question is a report of it
        "Dilek Kaya İmamoğlu okul saldırısına 'Daha ne olması bekleniyor?' dedi",
        'Trump asks: "Why are we in NATO?"',
        "Jackson dies at 84. How he changed America",  # the lead is the death
        "Photos of Lunar New Year celebrations for the Year of the Horse",
        "Watch the moment a tornado tears through a Texas town",  # a video of the happening
        "See-saw vote leaves Senate deadlocked",
        "Seeing red: farmers block Brussels over trade deal",
        # Full stops that end no sentence: abbreviations, initials, numbers, ellipses.
        "Rev. Jesse Jackson dies at 84",
        "Gov. Newsom signs the budget as Sen. Padilla looks on",
        "Real Madrid vs. Barcelona ends in a draw",
        "George W. Bush meets U.S. troops in St. Louis",
        "Prof. Dr. Ahmet Yılmaz rektör olarak atandı",
        "Cumhuriyetin 100. Yılı coşkuyla kutlandı",
        "DİYARBAKIR, TÜRKİYE KÜLTÜR YOLU FESTİVALİ’NİN 22. DURAĞI OLACAK",
        "Son dakika... Erdoğan açıkladı: Yeni dönem başlıyor",
    ],
)
def test_reports_are_not_features(title: str) -> None:
    assert not is_feature_headline(title)
