"""Build ``relevance_eval.jsonl`` from the real feed snapshots.

The script only assembles text: it parses every snapshot with the product's own
``feeds.parse.parse_feed`` (so ``title``/``summary``/``url``/``language`` are exactly what haberci
stores) and attaches the labels below. The labels (``topics``, ``about_turkey``, ``event``) were
assigned by hand, item by item, from each item's title and summary — no keyword rules. See
README.md in this directory for the labelling rules.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python tests/data/build_relevance_eval.py [SNAPSHOT_DIR]

SNAPSHOT_DIR defaults to /work/shared/fixtures/feeds/real.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feeds.parse import parse_feed
from feeds.taxonomy import load_taxonomy

SNAPSHOTS = Path("/work/shared/fixtures/feeds/real")
OUT = Path(__file__).with_name("relevance_eval.jsonl")
NOW = datetime(2026, 11, 25, tzinfo=UTC)

SKIP_FILES = {
    "ntv_gundem_cloudflare_challenge.html",  # not a feed
    "turkiyegazetesi_dunya.windows-1254.xml",  # same feed as the utf-8 file
}

TOPICS = tuple(load_taxonomy().slugs)  # the bundled topics, in their file order

TURKEY_SCOPE_PREFIXES = (
    "aa_",
    "bbc_turkce",
    "cnnturk",
    "dailysabah",
    "diken",
    "dunya",
    "dw_turkce_",
    "euronews_tr",
    "haberler_com",
    "hurriyet",
    "investing_tr",
    "milliyet",
    "ntv",
    "sabah",
    "sozcu",
    "trthaber",
    "turkiyegazetesi",
)
GENERAL_SCOPE_PREFIXES = (
    "abcnews",
    "aljazeera_",
    "almonitor",
    "cbsnews",
    "dawn",
    "dw_english",
    "google_news",
    "npr",
    "nyt",
    "washingtonpost",
)

T, F = True, False

# Event ids shared by items that report the same happening: reports of different outlets, and
# an outlet's repeated report of the happening (an early and an updated one).
US_IRAN = "us-iran-talks-geneva-2026-02-17"
HORMUZ = "iran-hormuz-drills-2026-02-16"
RU_UA = "russia-ukraine-talks-geneva-2026-02-17"
BERLINALE = "berlinale-gaza-open-letter-2026-02-17"
CN_NUKE = "us-claim-chinese-nuclear-test-2026-02-17"
PERU = "peru-president-jeri-removed-2026-02-17"
DERANQUE = "france-deranque-killing-arrests-2026-02-17"
JACKSON = "jesse-jackson-death-2026-02-17"
SWIFT = "austria-taylor-swift-plot-charges-2026-02-16"
AUS_IS = "australia-is-families-syria-camp-2026-02-17"
SUDAN = "sudan-kordofan-market-drone-strike-2026-02-16"
KOSOVO = "kosovo-independence-anniversary-march-2026-02-17"
BANGLADESH = "bangladesh-rahman-sworn-in-2026-02-17"
MACRON_INDIA = "macron-india-visit-rafale-2026-02-17"
WEST_BANK = "israel-west-bank-state-property-2026-02-15"
NAVALNY = "navalny-poison-finding-2026-02-14"
RUBIO_HU = "rubio-hungary-visit-2026-02-16"
GALUSHCHENKO = "ukraine-galushchenko-detained-2026-02-15"
BELGIUM_US = "belgium-us-ambassador-antisemitism-row-2026-02-16"
X_OUTAGE = "x-global-outage-2026-02-16"
DRUG_BOATS = "us-strikes-drug-boats-11-killed-2026-02-16"
SPAIN_TECH = "spain-probe-x-meta-tiktok-2026-02-17"
PELICOT = "pelicot-memoir-release-2026-02-17"
LUNAR = "lunar-new-year-horse-2026-02-17"
MUNICH = "munich-security-conference-2026-02-14"
FR_EPSTEIN = "france-epstein-files-probe-2026-02-14"
IRAN_MEMORIALS = "iran-protester-memorials-2026-02-17"
ALBANESE = "un-rapporteur-albanese-row-2026-02-17"
RAMADAN = "ramadan-start-gulf-2026-02-17"
LIBYA_MIGRANTS = "un-report-libya-migrants-2026-02-17"
ERDOGAN_UNGA = "erdogan-unga-speech-2026-09-22"
ERDOGAN_GUTERRES = "erdogan-guterres-meeting-2026-09-22"
TRUMP_UNGA = "trump-unga-iran-2026-09-22"
FB_CUP = "fenerbahce-basketball-presidential-cup-2026-09-22"
SAYAN_KAYA = "sayan-kaya-tmsf-payment-2026-10-05"
# Same-outlet repeats, found by a blind audit of every file's pairs (clear cases only).
MEYERS_TAYLOR = "meyers-taylor-monobob-gold-2026-02-16"
UK_CONSULATE = "uk-east-jerusalem-consulate-2026-10-08"

# LABELS[file stem][index in parsed.stories] = (topics, about_turkey, event)
LABELS: dict[str, dict[int, tuple[str, bool, str | None]]] = {
    "aa_en_live_rss": {
        0: ("economy", F, None),
        1: ("economy", T, None),
        2: ("economy", T, None),
        3: ("economy", T, None),
        4: ("economy energy", F, None),
        5: ("middle-east", F, UK_CONSULATE),  # the same move, reported again (same-outlet audit)
        6: ("", F, None),
        7: ("economy", F, None),
        8: ("", F, None),
        9: ("middle-east sanctions", F, UK_CONSULATE),
        10: ("middle-east politics", F, None),
        11: ("economy middle-east", F, None),
        12: ("middle-east", F, None),
        13: ("usa politics", F, None),
        14: ("", F, None),
        15: ("", F, None),
        16: ("disasters", F, None),
        17: ("usa middle-east", F, None),
        18: ("usa middle-east", F, None),
        19: ("", F, None),
        20: ("f35 usa defense-industry", F, None),
        21: ("middle-east", F, None),
        22: ("middle-east", F, None),
        23: ("syria middle-east", F, None),
        24: ("usa politics", F, None),
        25: ("middle-east", F, None),
        26: ("", F, None),
        27: ("middle-east", F, None),
        28: ("middle-east", F, None),
        29: ("middle-east", F, None),
    },
    "aa_tr_guncel_rss": {
        0: ("", T, None),
        1: ("economy", T, None),
        2: ("middle-east", F, None),
        3: ("", T, FB_CUP),
    },
    "abcnews_international_2026-02-17_rss": {
        0: ("politics", F, None),
        1: ("politics", F, PERU),
        2: ("", F, KOSOVO),  # topics audit: -politics
        3: ("economy", F, MACRON_INDIA),
        4: ("economy", F, None),
        5: ("", F, PELICOT),
        6: ("politics", F, BANGLADESH),
        7: ("russia ukraine usa", F, RU_UA),
        8: ("", F, None),
        9: ("usa", F, None),
        10: ("", F, None),
        11: ("energy", F, None),  # topics audit: +energy
        12: ("", F, None),
        13: ("usa middle-east", F, HORMUZ),  # leads with the strait closed for the drills
        14: ("syria middle-east politics", F, AUS_IS),
        15: ("politics", F, None),
        16: ("", F, None),
        17: ("", F, LUNAR),
        18: ("", F, SUDAN),
        19: ("", F, SWIFT),
        20: ("syria middle-east press-freedom", F, None),
        21: ("", F, None),
        22: ("", F, None),
        23: ("syria middle-east", F, AUS_IS),
        24: ("russia ukraine usa", F, RU_UA),
    },
    "aljazeera_all_2026-02-18_rss": {
        0: ("usa politics press-freedom", F, None),
        1: ("politics", F, DERANQUE),
        # was JACKSON: a legacy feature, not the death; topics audit: -politics
        2: ("middle-east usa", F, None),
        3: ("russia ukraine", F, None),
        4: ("usa migration", F, None),
        5: ("middle-east usa", F, None),
        6: ("", F, None),
        7: ("", F, None),
        8: ("usa", F, JACKSON),  # topics audit: -politics
        9: ("politics", F, None),
        10: ("economy", F, None),
        11: ("usa middle-east", F, US_IRAN),
        12: ("usa migration", F, None),
        13: ("migration", F, LIBYA_MIGRANTS),
        14: ("politics", F, KOSOVO),
        # label correction: a company deal; topics audit: +middle-east
        15: ("defense-industry economy middle-east usa", F, None),
        16: ("usa", F, None),
        17: ("middle-east", F, None),  # was WEST_BANK: an explainer two days after the decision
        18: ("usa migration", F, None),
        19: ("politics", F, PERU),
        20: ("middle-east", F, None),
        21: ("", F, None),
        22: ("politics", F, BANGLADESH),
        23: ("usa", F, DRUG_BOATS),
        24: ("russia disasters", F, None),
    },
    "aljazeera_all_rss": {
        0: ("", F, None),
        1: ("middle-east", F, None),
        2: ("", F, None),
    },
    # items 3-5, 8-10 and 16-18 repeat the URLs of items 2, 7 and 15 and are skipped
    "almonitor_2026-02-17_rss": {
        0: ("middle-east", F, BERLINALE),
        1: ("usa middle-east russia ukraine", F, None),
        2: ("middle-east energy usa", F, None),
        6: ("middle-east", F, BERLINALE),
        7: ("usa middle-east", F, None),  # was US_IRAN: an analysis: what next for the talks
        11: ("middle-east", T, None),
        12: ("middle-east politics", F, IRAN_MEMORIALS),
        13: ("middle-east", F, None),  # topics audit: -politics
        14: ("middle-east", F, ALBANESE),
        15: ("middle-east", F, None),  # was WEST_BANK: a feature two days after the decision
        19: ("", T, None),
    },
    "bbc_turkce_rss": {
        0: ("politics", T, None),
        1: ("politics", T, SAYAN_KAYA),  # topics audit: -economy
        2: ("politics", F, None),
        3: ("politics", T, None),
    },
    "cbsnews_world_2026-02-17_rss": {
        0: ("usa middle-east", F, US_IRAN),
        1: ("", F, None),
        2: ("usa middle-east", F, US_IRAN),
        3: ("", F, None),
        4: ("usa", F, BELGIUM_US),
        5: ("", F, None),
        6: ("russia ukraine usa", F, None),  # was RU_UA: leads with Russia's strikes
        7: ("", F, None),
        8: ("", F, MEYERS_TAYLOR),  # the same gold, reported again (blind same-outlet audit)
        9: ("", F, None),
        10: ("disasters", F, None),
        11: ("", F, MEYERS_TAYLOR),
        12: ("", F, None),
        13: ("", F, None),
        14: ("", F, SWIFT),
        15: ("", F, None),
        16: ("usa energy", F, RUBIO_HU),
        17: ("", F, None),
        18: ("", F, None),
        19: ("middle-east", F, WEST_BANK),
        20: ("russia politics", F, None),  # was NAVALNY: a reaction two days after the finding
        21: ("usa sanctions energy", F, None),
        22: ("", F, None),
        23: ("disasters", F, None),
        24: ("usa middle-east", F, None),
        25: ("russia politics", F, NAVALNY),  # its one report; two items are related to it
        26: ("usa middle-east", F, None),
        27: ("middle-east economy", F, None),
        28: ("russia ukraine usa", F, None),  # 02-13: the talks announced, four days before
        29: ("", F, None),
    },
    "cnnturk_rss": {
        0: ("", T, None),
        1: ("economy", T, None),
        2: ("", T, None),
        3: ("", T, None),
    },
    "dailysabah_rssfeed_rss": {
        0: ("", F, None),
        1: ("usa defense-industry nato", F, None),
        2: ("", T, None),
    },
    "dawn_world_2026-02-18_rss": {
        0: ("press-freedom", F, None),
        1: ("middle-east", F, RAMADAN),
        2: ("usa middle-east", F, US_IRAN),
        3: ("politics", F, BANGLADESH),
        4: ("middle-east", F, None),  # was WEST_BANK: a condemnation two days after the decision
        5: ("", F, None),
        6: ("defense-industry", F, MACRON_INDIA),
        7: ("usa middle-east", F, US_IRAN),
        # was WEST_BANK: reactions two days after the decision; topics audit: +eu
        8: ("eu middle-east", F, None),
        9: ("eu migration", F, None),
        10: ("middle-east", F, None),
        11: ("usa politics", F, None),
        12: ("defense-industry", F, None),  # topics audit: -politics
        13: ("", F, SUDAN),
        14: ("eu middle-east usa", F, None),  # topics audit: +eu
        15: ("middle-east", T, None),
        16: ("middle-east", F, None),
        17: ("economy middle-east", F, None),
        18: ("", F, None),
        19: ("", F, X_OUTAGE),
        20: ("politics", F, None),
        21: ("", F, X_OUTAGE),
        22: ("usa middle-east", F, US_IRAN),
        23: ("middle-east", F, None),
        24: ("", F, None),
        25: ("", F, None),
        26: ("politics", F, BANGLADESH),
        27: ("", F, None),
        28: ("middle-east", F, WEST_BANK),
        29: ("middle-east", F, ALBANESE),
    },
    "diken_wordpress_rss": {
        0: ("politics", T, None),
        1: ("", T, FB_CUP),
        2: ("", F, None),
    },
    "dunya_rss": {
        0: ("middle-east", F, None),
        1: ("usa middle-east", F, None),  # was TRUMP_UNGA: leads with the US-Iran meeting
        2: ("usa ukraine russia", F, None),
    },
    "dw_english_all_2026-02-18_rdf": {
        0: ("politics", F, DERANQUE),
        1: ("politics", F, PERU),
        2: ("", F, None),
        3: ("middle-east", F, BERLINALE),
        4: ("eu", F, None),
        5: ("press-freedom politics", F, None),
        6: ("middle-east", F, RAMADAN),
        7: ("syria middle-east", F, None),
        8: ("russia", F, None),
        9: ("migration", F, LIBYA_MIGRANTS),
        10: ("politics", F, None),
        11: ("", F, None),
        12: ("", F, None),
        13: ("", F, None),
        14: ("", F, None),
        15: ("", F, PELICOT),
        16: ("usa", F, None),
        17: ("politics", F, None),
        18: ("politics", F, None),
        19: ("middle-east energy", F, None),  # was HORMUZ: an explainer; the drills are its peg
        20: ("press-freedom", F, SPAIN_TECH),  # topics audit: +press-freedom
        # energy (fuel prices) added by a correction, removed by the audit
        21: ("economy", F, None),
        22: ("disasters", F, None),
        23: ("russia ukraine", F, RU_UA),
        24: ("defense-industry", F, MACRON_INDIA),
        25: ("ukraine energy", F, None),
        26: ("eu", F, None),
        27: ("russia politics", F, None),  # was NAVALNY: an explainer two days after the finding
        28: ("", F, None),
        29: ("", F, SWIFT),
        30: ("eu russia", F, None),
        31: ("ukraine politics", F, GALUSHCHENKO),
        32: ("", F, None),
        33: ("usa politics", F, RUBIO_HU),
        34: ("", F, None),
        35: ("politics economy", F, None),
        36: ("", F, None),
        37: ("politics", F, None),
        38: ("defense-industry", F, None),  # topics audit: -russia, -ukraine
        39: ("politics", F, None),  # topics audit: -russia
        40: ("defense-industry nato usa", F, MUNICH),  # topics audit: +defense-industry
        41: ("", F, None),
        42: ("usa energy russia", F, RUBIO_HU),
        43: ("politics", F, None),
        44: ("politics", F, None),
        45: ("", F, FR_EPSTEIN),
        46: ("", F, None),
        47: ("eu russia politics", F, None),
        48: ("", F, None),
        49: ("economy", F, None),
        50: ("", F, None),
        51: ("economy", F, None),
        52: ("", F, None),
        53: ("ukraine", F, None),
        54: ("", F, None),
        55: ("usa", F, None),
        56: ("economy", F, None),
        57: ("middle-east", F, None),
        58: ("eu economy", F, None),
        59: ("economy politics", F, None),  # topics audit: +politics
        60: ("", F, None),
        61: ("middle-east", F, None),
        62: ("usa", F, None),
        63: ("politics", F, None),
        64: ("economy", F, None),
        65: ("", F, None),
        66: ("politics", F, None),
        67: ("", F, None),
        68: ("ukraine", F, None),
        69: ("ukraine", F, None),  # russia added by a correction, removed by the topics audit
        70: ("economy", F, None),
        71: ("", F, None),
        72: ("economy", F, None),
        73: ("", F, None),  # topics audit: -usa
        74: ("afghanistan", F, None),
        75: ("", F, None),
        76: ("", F, None),
        77: ("", F, None),
        78: ("migration syria middle-east", F, None),
        79: ("economy", F, None),
        80: ("press-freedom", F, None),
        81: ("", F, None),
        82: ("", F, None),
        83: ("economy", F, None),  # topics audit: +economy
        84: ("ukraine", F, None),  # russia added by a correction, removed by the topics audit
        85: ("politics", F, None),
        86: ("energy", F, None),
        87: ("economy", F, None),
        88: ("politics", F, None),
        89: ("", F, None),
        90: ("", F, None),
        91: ("", F, None),
        92: ("", F, None),
        93: ("", F, None),
        94: ("", F, None),
        95: ("economy", F, None),
        96: ("", F, None),
        97: ("", F, None),
        98: ("", F, None),
        99: ("usa economy eu", F, None),
        100: ("", F, None),
        101: ("russia", F, None),  # label correction: Russia as a national team (Olympics)
        102: ("", F, None),
        103: ("", F, None),
        104: ("", F, None),  # topics audit: -eu
        105: ("economy energy russia usa", F, None),  # topics audit: +economy
        106: ("", F, None),
        107: ("russia", F, None),
        108: ("economy eu", F, None),
        109: ("economy", F, None),
        110: ("", F, None),
        111: ("usa", F, None),
        112: ("", F, None),
        113: ("economy", F, None),
        114: ("", F, None),
        115: ("", F, None),
        116: ("", F, None),
        117: ("russia press-freedom", F, None),
        118: ("economy", F, None),
        119: ("economy usa eu", F, None),
        120: ("", F, None),
        121: ("", F, None),
        122: ("energy", F, None),
        123: ("economy", F, None),
        124: ("", F, None),
        125: ("economy", F, None),
        126: ("middle-east politics", F, None),
        127: ("migration economy", F, None),
        128: ("", F, None),
        129: ("", F, None),
        130: ("", F, None),
        131: ("energy usa", F, None),
        132: ("", F, None),
        133: ("economy", F, None),
        134: ("economy", F, None),
        135: ("", F, None),
        136: ("", F, None),
        137: ("usa", F, None),
        138: ("", F, None),  # topics audit: -economy
        139: ("kurds middle-east", F, None),
        140: ("", F, None),
    },
    "dw_turkce_atom": {
        0: ("middle-east east-med", T, ERDOGAN_UNGA),
        1: ("politics", F, None),
        2: ("usa middle-east", F, TRUMP_UNGA),
    },
    "dw_turkce_rdf": {
        0: ("politics", T, None),
        1: ("politics", T, SAYAN_KAYA),  # topics audit: -economy
        2: ("middle-east", T, None),
    },
    "euronews_tr_rss": {
        0: ("", F, None),
        1: ("", F, None),
        2: ("usa middle-east", F, TRUMP_UNGA),
    },
    "google_news_top_fr_BE_2020": {
        0: ("", F, None),
    },
    "haberler_com_rss": {
        0: ("", T, None),
        1: ("", T, None),
        2: ("", T, None),
    },
    "hurriyet_gundem_rss": {
        0: ("", T, None),
        1: ("", T, None),
        2: ("middle-east", T, ERDOGAN_GUTERRES),
    },
    "investing_tr_rss": {
        0: ("usa", F, None),  # topics audit: -economy
        1: ("economy", F, None),
        2: ("economy", F, None),
    },
    "milliyet_gundem_rss": {
        0: ("middle-east", F, None),
        1: ("", T, ERDOGAN_GUTERRES),
        2: ("usa middle-east sanctions politics", F, TRUMP_UNGA),
    },
    "npr_world_2026-02-17_rss": {
        0: ("usa", F, CN_NUKE),
        1: ("syria middle-east", F, None),
        2: ("", F, None),
        3: ("middle-east usa", F, JACKSON),  # topics audit: -politics
        4: ("usa middle-east", F, None),  # was US_IRAN: an interview about the talks
        5: ("usa middle-east", F, US_IRAN),
        6: ("usa middle-east russia ukraine", F, None),
        7: ("usa middle-east ukraine", F, None),
        8: ("syria middle-east politics", F, AUS_IS),
        9: ("usa middle-east", F, US_IRAN),
    },
    "ntv_atom": {
        0: ("disasters", T, None),
        1: ("disasters", T, None),
        2: ("disasters", T, None),
    },
    "nyt_world_2026-02-18_rss": {
        0: ("usa ukraine russia", F, None),
        1: ("middle-east politics", F, IRAN_MEMORIALS),
        2: ("usa", F, SPAIN_TECH),
        3: ("", F, None),
        4: ("", F, None),
        5: ("usa middle-east", F, US_IRAN),
        6: ("middle-east usa", F, None),
        7: ("", F, None),
        8: ("", F, None),
        9: ("usa", F, BELGIUM_US),
        10: ("", F, None),
        11: ("russia ukraine usa", F, RU_UA),
        12: ("", F, SWIFT),
        13: ("syria middle-east kurds", F, None),
        14: ("usa middle-east ukraine", F, None),
        15: ("", F, None),
        16: ("", F, None),
        17: ("", F, None),
        18: ("", F, None),
        19: ("", F, None),
        20: ("politics", F, PERU),
        # was JACKSON: a legacy feature, not the death; topics audit: -politics
        21: ("usa", F, None),
        22: ("", F, None),
        23: ("", F, None),
        24: ("", F, None),
        25: ("", F, LUNAR),
        26: ("usa politics", F, None),
        27: ("", F, None),
        28: ("usa politics", F, None),
        29: ("", F, None),
        30: ("middle-east usa energy", F, HORMUZ),
        31: ("migration politics", F, None),
        32: ("usa politics", F, RUBIO_HU),
        33: ("", F, None),
        34: ("", F, X_OUTAGE),
        35: ("", F, None),
        36: ("middle-east politics", F, None),
        37: ("russia ukraine", F, None),
        38: ("economy", F, None),
        39: ("", F, None),
        40: ("politics", F, None),
        41: ("", F, None),
        42: ("defense-industry", F, None),
        43: ("", F, None),  # was PELICOT: an interview feature, the day before the launch
        44: ("usa nato", F, MUNICH),
        45: ("usa", F, MUNICH),
        46: ("usa middle-east politics", F, None),
        47: ("", F, None),
        48: ("politics", F, None),
        49: ("middle-east politics", F, None),
        50: ("", F, None),
        51: ("economy", F, None),
        52: ("", F, None),
        53: ("usa migration", F, None),
        54: ("", F, FR_EPSTEIN),
        55: ("", F, None),
        56: ("usa", F, MUNICH),
    },
    "sabah_gundem_rss": {
        0: ("middle-east", T, ERDOGAN_UNGA),
        1: ("middle-east", T, ERDOGAN_UNGA),
        2: ("", T, None),
        3: ("", T, None),
        4: ("politics", T, None),
    },
    "sozcu_rss": {
        0: ("", T, None),
        1: ("", F, None),
        2: ("", F, None),
    },
    "trthaber_sondakika_rss": {
        0: ("", T, None),
        1: ("economy", T, None),
        2: ("defense-industry economy", T, None),
        3: ("", F, None),
        4: ("", T, None),
        5: ("energy economy", F, None),
    },
    "turkiyegazetesi_dunya.utf-8": {
        0: ("usa nato", F, None),
        1: ("middle-east", T, None),
        2: ("middle-east politics", F, None),
    },
    "washingtonpost_world_2026-02-18_rss": {
        0: ("usa", F, CN_NUKE),
        1: ("usa", F, None),
        2: ("usa", F, DRUG_BOATS),
        3: ("russia ukraine", F, None),  # was RU_UA: an analysis of Russia's position at the talks
        4: ("usa middle-east", F, US_IRAN),
        5: ("middle-east usa politics", F, None),
        6: ("politics", F, None),
        7: ("usa politics", F, RUBIO_HU),
        8: ("ukraine politics", F, GALUSHCHENKO),
    },
}

# RELATED[id] = events an item is about without reporting their happening (see README.md):
# pairs of it and that event's items are neither same-event nor different-event pairs.
RELATED: dict[str, tuple[str, ...]] = {
    "abcnews_international_2026-02-17_rss#13": (US_IRAN,),
    "aljazeera_all_2026-02-18_rss#17": (WEST_BANK,),
    "aljazeera_all_2026-02-18_rss#2": (JACKSON,),
    "almonitor_2026-02-17_rss#1": (RU_UA, US_IRAN),
    "almonitor_2026-02-17_rss#15": (WEST_BANK,),
    "almonitor_2026-02-17_rss#7": (US_IRAN,),
    "cbsnews_world_2026-02-17_rss#2": (HORMUZ,),
    "cbsnews_world_2026-02-17_rss#20": (NAVALNY,),
    "cbsnews_world_2026-02-17_rss#28": (RU_UA,),
    "cbsnews_world_2026-02-17_rss#6": (RU_UA,),
    "dawn_world_2026-02-18_rss#22": (HORMUZ,),
    "dawn_world_2026-02-18_rss#4": (WEST_BANK,),
    "dawn_world_2026-02-18_rss#8": (WEST_BANK,),
    "dunya_rss#1": (TRUMP_UNGA,),
    "dw_english_all_2026-02-18_rdf#19": (HORMUZ,),
    "dw_english_all_2026-02-18_rdf#27": (NAVALNY,),
    "milliyet_gundem_rss#1": (ERDOGAN_UNGA,),
    "npr_world_2026-02-17_rss#3": (US_IRAN,),
    "npr_world_2026-02-17_rss#4": (US_IRAN,),
    "npr_world_2026-02-17_rss#9": (HORMUZ,),
    "nyt_world_2026-02-18_rss#21": (JACKSON,),
    "nyt_world_2026-02-18_rss#26": (MUNICH,),
    "nyt_world_2026-02-18_rss#30": (US_IRAN,),
    "nyt_world_2026-02-18_rss#43": (PELICOT,),
    "washingtonpost_world_2026-02-18_rss#3": (RU_UA,),
    "washingtonpost_world_2026-02-18_rss#5": (US_IRAN,),
}


def scope_of(stem: str) -> str:
    if stem.startswith(GENERAL_SCOPE_PREFIXES):
        return "general"
    if stem.startswith(TURKEY_SCOPE_PREFIXES):
        return "turkey"
    raise ValueError(f"no scope for {stem}")


def build(snapshots: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    seen_urls: set[str] = set()
    used: set[tuple[str, int]] = set()
    for path in sorted(snapshots.glob("*.xml")):
        if path.name in SKIP_FILES:
            continue
        stem = path.stem
        labels = LABELS[stem]
        parsed = parse_feed(path.read_bytes(), {}, "https://example.invalid/feed", NOW)
        for index, story in enumerate(parsed.stories):
            if story.url in seen_urls:
                assert index not in labels, f"{stem}#{index} is a duplicate but labelled"
                continue
            seen_urls.add(story.url)
            topics, about_turkey, event = labels[index]
            used.add((stem, index))
            slugs = sorted(set(topics.split()))
            assert all(s in TOPICS for s in slugs), (stem, index, slugs)
            records.append(
                {
                    "id": f"{stem}#{index}",
                    "file": path.name,
                    "url": story.url,
                    "language": story.language,
                    "title": story.title,
                    "summary": story.summary,
                    "published": story.published_at.isoformat(),
                    "scope": scope_of(stem),
                    "topics": slugs,
                    "about_turkey": about_turkey,
                    "event": event,
                    "related": sorted(RELATED.get(f"{stem}#{index}", ())),
                }
            )
    unused = {(s, i) for s, d in LABELS.items() for i in d} - used
    assert not unused, f"labels for items that do not exist: {sorted(unused)}"
    events = {r["event"] for r in records if r["event"]}
    ids = {r["id"] for r in records}
    for item_id, about in RELATED.items():
        assert item_id in ids, f"related labels for an item that does not exist: {item_id}"
        assert set(about) <= events, (item_id, about)
    for r in records:
        assert r["event"] not in r["related"], r["id"]
    return records


def stats(records: list[dict[str, Any]]) -> str:
    lines = [f"items: {len(records)}"]
    lines.append(f"language: {dict(Counter(r['language'] for r in records).most_common())}")
    lines.append(f"scope: {dict(Counter(r['scope'] for r in records).most_common())}")
    lines.append(
        "language x scope: "
        f"{dict(Counter((r['language'], r['scope']) for r in records).most_common())}"
    )
    topic_counts = Counter(t for r in records for t in r["topics"])
    lines.append("topics: " + ", ".join(f"{t}={topic_counts.get(t, 0)}" for t in TOPICS))
    lines.append(f"no topic: {sum(1 for r in records if not r['topics'])}")
    lines.append(
        f"about_turkey: {dict(Counter(r['about_turkey'] for r in records))}"
        f" by language {dict(Counter((r['language'], r['about_turkey']) for r in records))}"
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["event"]:
            groups.setdefault(r["event"], []).append(r)
    cross = [e for e, rs in groups.items() if len({r["language"] for r in rs}) > 1]
    lines.append(
        f"event groups: {len(groups)}, items in groups: {sum(len(v) for v in groups.values())},"
        f" cross-language groups: {len(cross)}"
    )
    for e, rs in sorted(groups.items()):
        about = sum(1 for r in records if e in r["related"])
        lines.append(
            f"  {e}: {len(rs)} items, {len({r['file'] for r in rs})} files, {about} related"
        )
    return "\n".join(lines)


def main() -> None:
    snapshots = Path(sys.argv[1]) if len(sys.argv) > 1 else SNAPSHOTS
    records = build(snapshots)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(stats(records))


if __name__ == "__main__":
    main()
