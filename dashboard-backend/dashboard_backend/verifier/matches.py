"""The verifier over the matching pipeline's output: base market -> its match entries.

The pipeline lists each related pair twice (A in B's list and B in A's, the verdict flipped), so
each unordered pair is reviewed once, in the orientation of its smaller market id, and the
reviewed verdict goes back into both entries, flipped for the other one. A changed verdict
rebuilds its entry (`build_entry`: price differences follow the new outcome map); a pair the
verifier calls `unrelated` leaves both lists, as the pipeline drops unrelated pairs; lists are
re-sorted strongest relation first. Candidates the pipeline judged unrelated never reach this
step (it drops them before building entries), so here the band is the related pairs' band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dashboard_backend.matching.entries import build_entry, entry_order
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry, Relation
from dashboard_backend.verifier.review import ReviewStats, Verifier, review_market_pairs


def entry_verdict(entry: MatchEntry) -> Verdict | None:
    """The verdict an entry carries (None for entries without a relation)."""
    if entry.relation is None:
        return None
    return Verdict(entry.relation, entry.confidence or 0.0, entry.reasons, entry.outcome_map)


async def review_matches(
    verifier: Verifier,
    docs: Mapping[str, MarketDocument],
    matches: Mapping[str, Sequence[MatchEntry]],
) -> tuple[dict[str, list[MatchEntry]], ReviewStats]:
    """The match lists after review, and what the pass did (lists keep their markets' order)."""
    pairs: dict[tuple[str, str], Verdict] = {}
    for base, entries in matches.items():
        for entry in entries:
            verdict = entry_verdict(entry)
            if verdict is None or base not in docs or entry.market_id not in docs:
                continue
            key = (min(base, entry.market_id), max(base, entry.market_id))
            pairs.setdefault(key, verdict if key[0] == base else verdict.flipped())
    order = sorted(pairs)
    reviewed, stats = await review_market_pairs(
        verifier, [(docs[a], docs[b], pairs[(a, b)]) for a, b in order]
    )
    changed = {
        key: verdict
        for key, verdict in zip(order, reviewed, strict=True)
        if verdict is not pairs[key]
    }
    out: dict[str, list[MatchEntry]] = {}
    for base, entries in matches.items():
        kept: list[MatchEntry] = []
        for entry in entries:
            key = (min(base, entry.market_id), max(base, entry.market_id))
            verdict = changed.get(key)
            if verdict is None:
                kept.append(entry)
                continue
            if key[0] != base:
                verdict = verdict.flipped()
            if verdict.relation == Relation.UNRELATED:
                continue
            rebuilt = build_entry(
                docs[base], docs[entry.market_id], entry.similarity, entry.matched_at, verdict
            )
            kept.append(rebuilt)
        if kept:
            out[base] = sorted(kept, key=entry_order)
    return out, stats
