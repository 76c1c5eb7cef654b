"""The chat messages that ask the model for a relation and an outcome map (pure).

Outcomes are shown with short labels (A1, A2, … for side A; B1, … for side B) rather than token
ids, which are long and easy to garble; `answer.py` maps the labels back. Bump PROMPT_VERSION
whenever the wording or the answer format changes: it is part of every cache key, so answers to
an older prompt are never reused.
"""

from __future__ import annotations

from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.verifier.sides import Side, clean

PROMPT_VERSION = "1"

SYSTEM = (
    "You compare two prediction-market listings and decide how their outcomes relate. "
    "Read the resolution conditions carefully: dates, deadlines, thresholds, periods, scope. "
    "Answer with one JSON object and nothing else."
)

_CLASSES = """\
Classes:
- equivalent: the same bet with the same resolution; every outcome of A wins exactly when its \
mapped outcome of B wins. If YES of one is NO of the other, it is still equivalent, with A's Yes \
mapped to B's No.
- subset_a_in_b: A's mapped outcome winning implies B's mapped outcome wins, not the reverse \
(a stricter threshold, an earlier deadline, an exact score implying the result).
- subset_b_in_a: the same with A and B swapped.
- related_not_equivalent: the same subject but a different bet (another line, date, period, \
scope or market type, or outcomes that exclude each other).
- unrelated: different subjects."""

_FORMAT = """\
Answer exactly in this form:
{"relation": "<one class>", "outcome_map": [{"a": "A1", "b": "B1"}], "reason": "<one sentence>"}
For equivalent, map every outcome of A to the outcome of B that wins in the same worlds. For a \
subset, map each implying outcome to the outcome it implies (A's to B's labels, always "a" then \
"b"). For related_not_equivalent and unrelated, give an empty outcome_map."""


def label(side: str, index: int) -> str:
    """The label of outcome `index` (0-based) of side "A" or "B"."""
    return f"{side}{index + 1}"


def describe(side: Side, letter: str) -> str:
    """One side as the prompt shows it."""
    noun = "Market" if side.kind == "market" else "Event"
    lines = [f"{noun} {letter} ({side.venue}):"]
    lines += [f"  {name}: {value}" for name, value in side.fields]
    lines.append("  Outcomes:" if side.kind == "market" else "  Markets (its outcomes):")
    lines += [f"    {label(letter, i)}: {o.name}" for i, o in enumerate(side.outcomes)]
    if side.hidden:
        lines.append(f"    ({side.hidden} more not listed)")
    return "\n".join(lines)


def _engine_map(verdict: Verdict, a: Side, b: Side) -> str:
    index_a = {o.id: label("A", i) for i, o in enumerate(a.outcomes)}
    index_b = {o.id: label("B", i) for i, o in enumerate(b.outcomes)}
    pairs = [
        f"{index_a[link.a_token]}={index_b[link.b_token]}"
        for link in verdict.links
        if link.a_token in index_a and link.b_token in index_b
    ]
    return ", ".join(pairs) or "none"


def build_messages(a: Side, b: Side, verdict: Verdict) -> list[dict[str, str]]:
    """System and user messages for one pair, with the engine's verdict and reasons."""
    reasons = "; ".join(clean(r, 200) for r in verdict.reasons) or "none given"
    user = "\n\n".join(
        [
            describe(a, "A"),
            describe(b, "B"),
            f"A rule-based engine says: {verdict.relation.value} (confidence "
            f"{verdict.confidence:.2f}), outcome map {_engine_map(verdict, a, b)}, because: "
            f"{reasons}. It may be wrong; decide for yourself.",
            _CLASSES,
            _FORMAT,
        ]
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
