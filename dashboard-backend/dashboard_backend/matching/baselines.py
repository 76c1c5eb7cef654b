"""Reference matchers the relation engine is measured against (`bench relations`); pure, no I/O.

None of them is used by the engine. They read raw pair records of the public event-pair format
(`xplat_equivalence_eval`) and answer one of the format's classes:

- fuzzy title: rapidfuzz `token_sort_ratio` of the two event titles ≥ `FUZZY_CUTOFF` (72) →
  `equivalent`, else `unrelated`; as rapidfuzz computes it by default (case and punctuation
  count), or with its `default_process` (lowercased, non-alphanumerics dropped, as fuzzywuzzy did);
- plain cosine: cosine of the two events' `event_text` vectors ≥ a threshold → `equivalent`, else
  `unrelated` (`best_threshold` picks the threshold with the best equivalent F1 on a labelled set);
- source pipeline: the verdict the source project's own pipeline stored in `context.pipeline`
  (`PIPELINE_CLASS`). Only this baseline reads `context`; the engine never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz, utils

FUZZY_CUTOFF = 72.0
# The source pipeline has no subset notion. `merged`: it made the two events one; it found the
# same semantic event but merged no question (`matched_not_merged`): related, not the same bet;
# a candidate its judge rejected, a candidate whose judging failed, or never a candidate: no match.
PIPELINE_CLASS = {
    "merged": "equivalent",
    "matched_not_merged": "related_not_equivalent",
    "candidate_rejected": "unrelated",
    "candidate_failed": "unrelated",
    "never_candidate": "unrelated",
}
CHILD_SEPARATOR = "; "


def _side(record: Mapping[str, Any], side: str) -> Mapping[str, Any]:
    value = record.get(side)
    return value if isinstance(value, Mapping) else {}


def title(record: Mapping[str, Any], side: str) -> str:
    """The event title of one side (`side_a` / `side_b`), '' when missing."""
    return str(_side(record, side).get("title") or "").strip()


def fuzzy_score(title_a: str, title_b: str, processed: bool = False) -> float:
    """rapidfuzz `token_sort_ratio` (0-100) of two titles; `processed`: through `default_process`."""
    processor = utils.default_process if processed else None
    return float(fuzz.token_sort_ratio(title_a, title_b, processor=processor))


def fuzzy_class(
    title_a: str, title_b: str, cutoff: float = FUZZY_CUTOFF, processed: bool = False
) -> str:
    """`equivalent` when the titles' token_sort_ratio reaches the cutoff, else `unrelated`."""
    return "equivalent" if fuzzy_score(title_a, title_b, processed) >= cutoff else "unrelated"


def event_text(record: Mapping[str, Any], side: str) -> str:
    """The text embedded for one side: the event title, then each child market title that differs
    from it (in file order, duplicates dropped), joined by '; '."""
    head = title(record, side)
    parts = [head] if head else []
    seen = {head}
    for child in _side(record, side).get("child_markets") or []:
        text = str(child.get("title") or "").strip() if isinstance(child, Mapping) else ""
        if text and text not in seen:
            seen.add(text)
            parts.append(text)
    return CHILD_SEPARATOR.join(parts)


def threshold_class(similarity: float, threshold: float) -> str:
    """`equivalent` at or above the threshold, else `unrelated`."""
    return "equivalent" if similarity >= threshold else "unrelated"


def equivalent_f1(similarities: Mapping[str, float], truth: Mapping[str, str], t: float) -> float:
    """F1 of the `equivalent` class when every pair at or above `t` is called equivalent."""
    called = {pid for pid, s in similarities.items() if s >= t}
    actual = {pid for pid, label in truth.items() if label == "equivalent"}
    hits = len(called & actual)
    if not hits:
        return 0.0
    precision, recall = hits / len(called), hits / len(actual)
    return 2 * precision * recall / (precision + recall)


def best_threshold(
    similarities: Mapping[str, float], truth: Mapping[str, str]
) -> tuple[float, float]:
    """(threshold, F1): the similarity cut with the best equivalent F1 over the labelled pairs.

    Candidate cuts are the similarities themselves; on a tie the higher cut wins (fewer calls
    for the same F1). Pairs without a similarity are never called equivalent.
    """
    best = (float("inf"), 0.0)
    for t in sorted(set(similarities.values()), reverse=True):
        f1 = equivalent_f1(similarities, truth, t)
        if f1 > best[1]:
            best = (t, f1)
    return best


def pipeline_class(record: Mapping[str, Any]) -> str:
    """The source pipeline's verdict as a format class (`unrelated` when it gave none)."""
    context = record.get("context")
    pipeline = context.get("pipeline") if isinstance(context, Mapping) else None
    verdict = pipeline.get("verdict") if isinstance(pipeline, Mapping) else None
    return PIPELINE_CLASS.get(str(verdict), "unrelated")
