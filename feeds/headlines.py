"""What a headline says about its story: whether it asks or explains rather than reports. Pure.

A report's headline states what happened ("Peru's Congress removes interim President Jerí").
A feature's headline asks a question or promises an explanation: "Why is the Strait of Hormuz
off Iran so crucial?", "Italy enjoy historic Winter Games: Is home advantage real?", "Qatar PM
arrives in Venezuela: What to know", "Russia-Ukraine war: List of key events, day 1,455",
"Son dakika deprem mi oldu?". A service page's headline bids the reader look something up: "See
the Olympic medal count for the 2026 Winter Games". Such a piece is about a subject more than
about one happening, so the clusterer asks more of it before it joins other reports
(``feeds.cluster``).

A quotation is someone else's question, not the headline's: "Erdoğan: 'Neden sessizsiniz?'"
and "… 'Daha ne olması bekleniyor?' dedi" are reports.

A report's headline is one sentence, however long (its parts joined by commas, colons or "as").
A headline of two sentences or more is an analysis, a digest or a portrait: "Trump Said He'd End
the War in Ukraine in a Day. It's Harder Than He Thought.", "Rage. Grief. Anxiety. The New Mood
in Iran.". A full stop after an abbreviation ("Rev. Jesse Jackson", "Prof. Dr. …"), an initial
("U.S.", "A.I.") or a number ends no sentence: Turkish writes ordinals with one ("Cumhuriyetin
100. Yılı"), so "Jackson dies at 84. How he changed America" reads as the report it leads with.
"""

from __future__ import annotations

import re

# A headline's clauses: after a question mark, a colon, or a dash or bar between spaces.
_CLAUSE_BREAK = re.compile(r"(?<=\?)\s+|:\s+|\s+[-—–|]\s+")
# English question words opening a clause, capitalised or not ("How Epstein got so rich");
# in capitals "WHO" is the World Health Organization. A question opened by a verb ("Will …",
# "Can …", which are also names) counts by its question mark.
_QUESTION_WORD = re.compile(
    r"(?:[Ww]hy|[Hh]ow|[Ww]hat|[Ww]hich|[Ww]ho|[Ww]hom|[Ww]hose|[Ww]hen|[Ww]here)\b"
)
# Phrases of explainers, digests and live pages, anywhere in the headline.
_EXPLAINER = re.compile(
    r"\b(?:what to know|what we know|what you need to know|explained|explainer|key events|"
    r"live updates|live blog|a look at)\b"
    r"|\b(?:nedir|kimdir|nelerdir)\b",
    re.IGNORECASE,
)
# A service page's headline bids the reader look something up: "See the Olympic medal count",
# "See where the storm is headed", "Follow live: …". (A gallery of a happening, "Photos of …",
# is one of its reports.)
_SERVICE = re.compile(r"(?:See (?:the|where|how|which|what|who|when)|(?:Follow|Watch) live)\b")
# A sentence's end within a headline: a word ending in a small letter, a full stop (and a
# closing quote), then the next sentence's capital. Abbreviations of titles, ranks, companies
# and streets, English and Turkish, are not sentence ends.
_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Mx|Dr|Prof|Rev|Fr|Sr|Jr|St|Mt|Ft|Gen|Lt|Col|Maj|Capt|Cmdr|Adm|Sgt|Cpl|Pvt|"
    "Gov|Sen|Rep|Pres|Supt|Insp|Det|Amb|Hon|Rt|Inc|Co|Corp|Ltd|Bros|vs|Ave|Blvd|Dept|"
    "Univ|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|Doç|Yrd|Doc|Av|Org|"
    "Korg|Tümg|Tuğg|Alb|Yzb|Cad|Sok|Mah|Apt|vb|Sn|Op|Uzm|Ecz|Öğr|Gör|Arş|Müh|Mim|Hz"
)
_SENTENCE_BREAK = re.compile(
    r"(?<![^\W\d_])(?!(?:" + _ABBREVIATIONS + r")\.)"
    r"[^\W\d_]*[^\W\d_A-ZÇĞİÖŞÜ]\.[\"'’”]?\s+[\"'‘“]?[A-ZÇĞİÖŞÜ]"
)
_OPENING_QUOTES = "'\"‘“«„"
_CLOSING_QUOTES = "'\"’”»"


def is_feature_headline(title: str) -> bool:
    """Whether a headline asks a question, announces an explainer, a digest or a live page, or
    runs to two sentences, rather than reporting a happening."""
    if _EXPLAINER.search(title) or _SENTENCE_BREAK.search(title):
        return True
    for raw in _CLAUSE_BREAK.split(title.strip()):
        clause = raw.strip()
        if not clause or (clause[0] in _OPENING_QUOTES and clause[-1] in _CLOSING_QUOTES):
            continue  # a quotation: someone's words, not the headline's question
        if clause.rstrip(_CLOSING_QUOTES).endswith("?"):
            return True
        opening = clause.lstrip(_OPENING_QUOTES)
        if _QUESTION_WORD.match(opening) or _SERVICE.match(opening):
            return True
    return False
