"""The public event-pair format (`xplat_equivalence_eval`): reading pairs and scoring predictions.

A pair line holds `pair_id`, `side_a` and `side_b` (platform, event id, title, deadline,
condition date, league, child markets). Only those fields are read: `label`, `failure_modes`,
`notes`, `annotator*` and `context` never reach the engine (`read_sides` drops them), so a
held-out file without them gives the same predictions. `--evaluate` reads `label` separately.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard_backend.matching.cards import MarketText
from dashboard_backend.matching.events_model import Event, EventMarket
from dashboard_backend.models import Relation

# The five classes of the format; inverse and mutually exclusive pairs are related, not the same.
CLASSES = ("equivalent", "subset_a_in_b", "subset_b_in_a", "related_not_equivalent", "unrelated")
_FORMAT_CLASS = {
    Relation.EQUIVALENT: "equivalent",
    Relation.SUBSET_A_IN_B: "subset_a_in_b",
    Relation.SUBSET_B_IN_A: "subset_b_in_a",
    Relation.RELATED: "related_not_equivalent",
    Relation.INVERSE: "related_not_equivalent",
    Relation.MUTUALLY_EXCLUSIVE: "related_not_equivalent",
    Relation.UNRELATED: "unrelated",
}
_SIDE_FIELDS = (
    "platform",
    "platform_event_id",
    "title",
    "league",
    "condition_date",
    "condition_date_precision",
    "child_count",
    "child_markets",
)


def format_class(relation: Relation) -> str:
    """The class of a relation in the pair format."""
    return _FORMAT_CLASS[relation]


class PairFormatError(ValueError):
    """A line that is not a pair of the format."""


@dataclass(frozen=True)
class Pair:
    """One pair as the engine sees it."""

    pair_id: str
    a: Event
    b: Event


def _when(side: Mapping[str, Any]) -> datetime | None:
    raw = side.get("condition_date")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def event_of(side: Mapping[str, Any]) -> Event:
    """An `Event` from one side of a pair (only the side fields are read)."""
    if not isinstance(side, Mapping) or not isinstance(side.get("platform"), str):
        raise PairFormatError("side without a platform")
    kept = {k: side.get(k) for k in _SIDE_FIELDS}
    venue = str(kept["platform"])
    event_id = str(kept["platform_event_id"] or "")
    title = str(kept["title"] or "")
    about = _when(kept)
    precision = str(kept["condition_date_precision"] or "")
    league = str(kept["league"] or "")
    event_ticker = event_id.rsplit(":", 1)[-1] if venue == "kalshi" else ""
    markets: list[EventMarket] = []
    for child in kept["child_markets"] or []:
        if not isinstance(child, Mapping) or not child.get("platform_id"):
            continue
        market_id = str(child["platform_id"])
        text = MarketText(
            question=str(child.get("title") or title),
            event_title=title,
            venue=venue,
            event_ticker=event_ticker,
            market_ticker=market_id if venue == "kalshi" else "",
            about=about,
            about_precision=precision,
            league=league,
        )
        markets.append(EventMarket(market_id, text))
    count = kept["child_count"]
    return Event(
        venue=venue,
        id=event_id,
        title=title,
        markets=tuple(markets),
        market_count=int(count) if isinstance(count, int) else len(markets),
        about=about,
        about_precision=precision,
        league=league,
    )


def read_pair(line: str) -> Pair:
    """One pair from a JSON line; raises PairFormatError when it is not one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PairFormatError(f"not JSON: {exc.msg}") from exc
    if not isinstance(record, dict) or not isinstance(record.get("pair_id"), str):
        raise PairFormatError("no pair_id")
    side_a, side_b = record.get("side_a"), record.get("side_b")
    if not isinstance(side_a, dict) or not isinstance(side_b, dict):
        raise PairFormatError("side_a and side_b must be objects")
    return Pair(record["pair_id"], event_of(side_a), event_of(side_b))


def read_labels(lines: Iterable[str]) -> dict[str, str]:
    """pair_id -> label, for evaluation only (lines without a known label are skipped)."""
    labels: dict[str, str] = {}
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("label") in CLASSES:
            labels[str(record["pair_id"])] = str(record["label"])
    return labels


@dataclass(frozen=True)
class Scores:
    """Per-class precision / recall / F1 and the confusion matrix (truth -> predicted -> n)."""

    confusion: dict[str, Counter[str]]

    def support(self, cls: str) -> int:
        """Pairs labelled `cls`."""
        return sum(self.confusion.get(cls, Counter()).values())

    def predicted(self, cls: str) -> int:
        """Pairs predicted `cls`."""
        return sum(row[cls] for row in self.confusion.values())

    def precision(self, cls: str) -> float:
        """Correct / predicted (1.0 when nothing was predicted)."""
        p = self.predicted(cls)
        return self.confusion.get(cls, Counter())[cls] / p if p else 1.0

    def recall(self, cls: str) -> float:
        """Correct / labelled (1.0 when nothing was labelled)."""
        s = self.support(cls)
        return self.confusion.get(cls, Counter())[cls] / s if s else 1.0

    def f1(self, cls: str) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision(cls), self.recall(cls)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        """Share of pairs predicted right."""
        total = sum(sum(row.values()) for row in self.confusion.values())
        right = sum(row[cls] for cls, row in self.confusion.items())
        return right / total if total else 0.0


def score(truth: Mapping[str, str], predicted: Mapping[str, str]) -> Scores:
    """Scores of predictions against labels (pairs missing a prediction count as `unrelated`)."""
    confusion: dict[str, Counter[str]] = {cls: Counter() for cls in CLASSES}
    for pair_id, label in truth.items():
        confusion[label][predicted.get(pair_id, "unrelated")] += 1
    return Scores(confusion)


def report(scores: Scores) -> str:
    """The per-class table and the confusion matrix as text."""
    lines = [f"{'class':<24}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}{'predicted':>10}"]
    for cls in CLASSES:
        lines.append(
            f"{cls:<24}{scores.precision(cls):>10.3f}{scores.recall(cls):>8.3f}"
            f"{scores.f1(cls):>7.3f}{scores.support(cls):>9}{scores.predicted(cls):>10}"
        )
    short = {
        "equivalent": "eq",
        "subset_a_in_b": "a<b",
        "subset_b_in_a": "b<a",
        "related_not_equivalent": "rel",
        "unrelated": "unr",
    }
    lines.append("")
    lines.append("confusion (rows: label, columns: predicted)")
    lines.append(f"{'':<8}" + "".join(f"{short[c]:>6}" for c in CLASSES))
    for truth in CLASSES:
        lines.append(
            f"{short[truth]:<8}" + "".join(f"{scores.confusion[truth][c]:>6}" for c in CLASSES)
        )
    lines.append(f"accuracy {scores.accuracy:.3f}")
    return "\n".join(lines)
