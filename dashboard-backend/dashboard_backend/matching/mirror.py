"""Mirror listings: a venue that lists another venue's own markets.

Predict.fun lists Polymarket conditions (the same on-chain condition ids), so a Predict.fun event
that repeats a Polymarket event's questions is that event, however many of its markets each side
lists. Predict.fun often titles a market by the part of the question that varies ("December 31",
"↑ $100" for "Will X hit (HIGH) $100 in May?"), so markets are compared by question, by that
varying part, or by threshold.
"""

from __future__ import annotations

from dashboard_backend.matching.cards import THRESHOLD, read_threshold, topic_words
from dashboard_backend.matching.events_model import Event
from dashboard_backend.matching.lexicon import common_affixes
from dashboard_backend.matching.text import phrase, words

MIRROR_VENUES = frozenset({frozenset({"polymarket", "predict"})})
_ARROWS = str.maketrans({"↑": " high ", "↓": " low "})


def _outcome_parts(event: Event) -> list[str]:
    """Each market's question, and the part that varies across the event's markets."""
    texts = [words(m.text.question.translate(_ARROWS)) for m in event.markets]
    prefix, suffix = common_affixes(texts)
    parts = [" ".join(t) for t in texts]
    if len(texts) >= 2:
        parts += [" ".join(t[prefix : len(t) - suffix]) for t in texts]
    return [p for p in parts if p]


def mirrored(a: Event, b: Event) -> bool:
    """Whether one event repeats the other's questions: same title, or the smaller one's listed
    markets are the other's (by question, by the part that varies, or by threshold) — at least one,
    and at least half of them unless the smaller one's markets name no topic of their own."""
    if frozenset({a.venue, b.venue}) not in MIRROR_VENUES:
        return False
    if phrase(a.title) and phrase(a.title) == phrase(b.title):
        return True
    return _repeats(a, b) or _repeats(b, a)


def _repeats(small: Event, large: Event) -> bool:
    """Whether `small`'s listed markets are markets of `large` (see `mirrored`)."""
    if not small.markets:
        return False
    known = set(_outcome_parts(large))
    large_lines = {read_threshold(m.text.question.translate(_ARROWS)) for m in large.markets} - {
        None
    }
    hits = 0
    bare = True
    for m in small.markets:
        question = m.text.question.translate(_ARROWS)
        line = read_threshold(question)
        bare = bare and not topic_words(THRESHOLD.sub(" ", question))
        hits += " ".join(words(question)) in known or (line is not None and line in large_lines)
    return hits >= 1 and (bare or 2 * hits >= len(small.markets))
