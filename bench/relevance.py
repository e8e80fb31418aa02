"""Relevance benchmark: tagging, the general-feed filter and same-event clustering measured
against the labelled set in ``tests/data``.

Prints per-topic precision, recall and F1 (micro-averaged overall), and every miss: each
false negative and false positive with the item's title and the alias that fired; the
general-feed filter's precision, recall and errors; and clustering's pairwise precision,
recall and F1 with every wrongly joined and wrongly split pair. Clustering sees the items one
at a time in publication order, as a polling bot does. With ``--json`` one JSON object goes to
stdout and the report to stderr.

Usage: ``python bench/relevance.py [--json]`` from the repository root.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from feeds.about import judge_about_turkey  # noqa: E402
from feeds.cluster import ClusterIndex, ClusterSettings  # noqa: E402
from feeds.tag import Tagger  # noqa: E402
from feeds.taxonomy import load_taxonomy  # noqa: E402
from storage.records import ClusterCandidate  # noqa: E402

EVAL_SET = ROOT / "tests" / "data" / "relevance_eval.jsonl"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    title: str
    summary: str
    language: str | None
    topics: frozenset[str]
    scope: str = "general"
    about_turkey: bool = False
    file: str = ""
    published: datetime | None = None
    event: str | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "support": self.tp + self.fn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class TagReport:
    overall: Score = field(default_factory=Score)
    per_topic: dict[str, Score] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)


def load_items(path: Path = EVAL_SET) -> list[Item]:
    """The labelled items."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(
                Item(
                    raw["id"],
                    raw["title"],
                    raw["summary"],
                    raw["language"],
                    frozenset(raw["topics"]),
                    raw["scope"],
                    raw["about_turkey"],
                    raw["file"],
                    datetime.fromisoformat(raw["published"]),
                    raw["event"],
                )
            )
    return items


def score_tagging(items: Sequence[Item], tagger: Tagger) -> TagReport:
    """Compare the tagger's topics with the labels, item by item."""
    report = TagReport(per_topic={slug: Score() for slug in tagger.taxonomy.slugs})
    for item in items:
        matches = {
            m.slug: m.alias for m in tagger.tag(f"{item.title}. {item.summary}", item.language)
        }
        predicted = frozenset(matches)
        for slug in predicted | item.topics:
            score = report.per_topic.setdefault(slug, Score())
            if slug in predicted and slug in item.topics:
                score.tp += 1
                report.overall.tp += 1
            elif slug in predicted:
                score.fp += 1
                report.overall.fp += 1
                report.misses.append(
                    {
                        "id": item.id,
                        "kind": "false positive",
                        "topic": slug,
                        "alias": matches[slug],
                        "title": item.title,
                    }
                )
            else:
                score.fn += 1
                report.overall.fn += 1
                report.misses.append(
                    {"id": item.id, "kind": "false negative", "topic": slug, "title": item.title}
                )
    return report


@dataclass
class FilterReport:
    score: Score = field(default_factory=Score)
    judged: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def error_rate(self) -> float:
        return (self.score.fp + self.score.fn) / self.judged if self.judged else 0.0


def score_filter(items: Sequence[Item]) -> FilterReport:
    """The general-feed filter on items of general feeds: kept (about Turkey) or not."""
    report = FilterReport()
    for item in items:
        if item.scope != "general":
            continue
        report.judged += 1
        verdict = judge_about_turkey(item.title, item.summary, item.language)
        if verdict.about and item.about_turkey:
            report.score.tp += 1
        elif verdict.about:
            report.score.fp += 1
            report.misses.append(
                {
                    "id": item.id,
                    "kind": "kept, not about Turkey",
                    "reason": verdict.reason,
                    "title": item.title,
                }
            )
        elif item.about_turkey:
            report.score.fn += 1
            report.misses.append(
                {"id": item.id, "kind": "dropped, about Turkey", "title": item.title}
            )
    return report


def write_filter_report(report: FilterReport, out: TextIO) -> None:
    s = report.score
    out.write(
        f"general-feed filter over {report.judged} items of general feeds: precision "
        f"{s.precision:.3f}  recall {s.recall:.3f}  errors {report.error_rate:.1%}\n"
    )
    for miss in report.misses:
        out.write(f"  {miss['kind']:<24} {miss['id']}: {miss['title']}\n")


def write_report(report: TagReport, items: int, out: TextIO) -> None:
    o = report.overall
    out.write(f"topic tagging over {items} labelled items\n")
    out.write(f"  overall: precision {o.precision:.3f}  recall {o.recall:.3f}  F1 {o.f1:.3f}\n")
    out.write(f"  {'topic':<18}{'support':>8}{'P':>8}{'R':>8}{'F1':>8}\n")
    for slug, score in report.per_topic.items():
        support = score.tp + score.fn
        out.write(
            f"  {slug:<18}{support:>8}{score.precision:>8.3f}{score.recall:>8.3f}{score.f1:>8.3f}\n"
        )
    out.write(f"misses ({len(report.misses)}):\n")
    for miss in report.misses:
        alias = f" [alias {miss['alias']!r}]" if "alias" in miss else ""
        out.write(
            f"  {miss['kind']:<15} {miss['topic']:<17} {miss['id']}: {miss['title']}{alias}\n"
        )


@dataclass
class ClusterReport:
    score: Score = field(default_factory=Score)
    clusters: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)


def cluster_items(items: Sequence[Item], settings: ClusterSettings) -> dict[str, int]:
    """Each item's cluster id, with items fed one at a time in publication order (each file
    is one feed)."""
    files = sorted({item.file for item in items})
    order = sorted(range(len(items)), key=lambda i: (items[i].published or datetime.min, i))
    index = ClusterIndex(settings)
    found: dict[str, int] = {}
    for position in order:
        item = items[position]
        assert item.published is not None
        candidate = ClusterCandidate(
            position + 1,
            files.index(item.file),
            item.published,
            item.title,
            item.summary,
            item.language,
            None,
        )
        (placement,) = index.assign([candidate])
        found[item.id] = placement.cluster_id
    return found


def score_clustering(
    items: Sequence[Item], settings: ClusterSettings | None = None
) -> ClusterReport:
    """Pairwise precision and recall: a pair is positive when both items carry one event label
    (labelled same-event), predicted when clustering put them in one cluster."""
    clusters = cluster_items(items, settings or ClusterSettings())
    report = ClusterReport(clusters=len(set(clusters.values())))
    for a, b in itertools.combinations(items, 2):
        labelled = a.event is not None and a.event == b.event
        joined = clusters[a.id] == clusters[b.id]
        if labelled and joined:
            report.score.tp += 1
        elif joined or labelled:
            if joined:
                report.score.fp += 1
            else:
                report.score.fn += 1
            report.misses.append(
                {
                    "kind": "joined, different events" if joined else "split, same event",
                    "ids": [a.id, b.id],
                    "titles": [a.title, b.title],
                }
            )
    return report


def write_cluster_report(report: ClusterReport, items: int, out: TextIO) -> None:
    s = report.score
    out.write(
        f"clustering of {items} items into {report.clusters} clusters, pairwise: precision "
        f"{s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f} "
        f"({s.tp + s.fn} labelled same-event pairs)\n"
    )
    for miss in report.misses:
        first, second = miss["titles"]
        out.write(f"  {miss['kind']:<26} {first[:70]}  <>  {second[:70]}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args(argv)
    items = load_items()
    report = score_tagging(items, Tagger(load_taxonomy()))
    human = sys.stderr if args.json else sys.stdout
    write_report(report, len(items), human)
    filtered = score_filter(items)
    write_filter_report(filtered, human)
    clustered = score_clustering(items)
    write_cluster_report(clustered, len(items), human)
    if args.json:
        result = {
            "items": len(items),
            "tagging": {
                "overall": report.overall.as_dict(),
                "per_topic": {slug: s.as_dict() for slug, s in report.per_topic.items()},
                "misses": report.misses,
            },
            "filter": {
                "judged": filtered.judged,
                **filtered.score.as_dict(),
                "error_rate": round(filtered.error_rate, 4),
                "misses": filtered.misses,
            },
            "clustering": {
                "clusters": clustered.clusters,
                **clustered.score.as_dict(),
                "misses": clustered.misses,
            },
        }
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
