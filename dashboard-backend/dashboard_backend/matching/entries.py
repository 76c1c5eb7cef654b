"""Match entries: the search result turned into `MatchEntry` lists with price differences.

The YES price of a market is read from its outcome named "Yes" (never from index 0). A market
without a Yes outcome (e.g. "Team A" / "Team B") uses its first outcome in the document's order;
the same rule applies to both sides of a pair. Best ask is the outcome's best ask; mid is
(best bid + best ask) / 2 when both exist, else the outcome's indicative price. A difference is
`match - base`, None when either side lacks the price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dashboard_backend.matching.entities import question_entities
from dashboard_backend.matching.filters import MarketFeatures
from dashboard_backend.matching.numbers import question_numbers
from dashboard_backend.matching.similarity import Neighbours
from dashboard_backend.models import MarketDocument, MatchEntry, Outcome


def features_of(
    docs: Sequence[MarketDocument], sides: Sequence[int] | None = None
) -> MarketFeatures:
    """The filter features of these documents, in order."""
    return MarketFeatures.build(
        ids=[d.id for d in docs],
        outcome_counts=[len(d.outcomes) for d in docs],
        categories=[d.category for d in docs],
        close_times=[d.close_time.timestamp() if d.close_time else None for d in docs],
        conditions=[d.condition_id for d in docs],
        sides=sides,
        events=[d.event_id for d in docs],
        numbers=[market_numbers(d) for d in docs],
        entities=[market_entities(d) for d in docs],
    )


def market_numbers(doc: MarketDocument) -> frozenset[str]:
    """The numbers of the question and of the group item title (Polymarket's strike or bucket)."""
    found = question_numbers(doc.question)
    return (found | question_numbers(doc.group_item_title)) if doc.group_item_title else found


def market_entities(doc: MarketDocument) -> frozenset[str]:
    """The entities of the question and of the group item title (a candidate, a team)."""
    found = question_entities(doc.question)
    return (found | question_entities(doc.group_item_title)) if doc.group_item_title else found


def yes_reference(doc: MarketDocument) -> Outcome | None:
    """The outcome priced as YES: the one named Yes, else the first listed."""
    yes = doc.yes_outcome()
    if yes is not None:
        return yes
    return doc.outcomes[0] if doc.outcomes else None


def yes_best_ask(doc: MarketDocument) -> float | None:
    """Best ask of the YES reference outcome."""
    outcome = yes_reference(doc)
    return outcome.best_ask if outcome else None


def yes_mid(doc: MarketDocument) -> float | None:
    """Mid of the YES reference outcome's book, else its indicative price."""
    outcome = yes_reference(doc)
    if outcome is None:
        return None
    if outcome.best_bid is not None and outcome.best_ask is not None:
        return round((outcome.best_bid + outcome.best_ask) / 2, 6)  # 0.42, not 0.42000000000000004
    return outcome.price


def _diff(match: float | None, base: float | None) -> float | None:
    # Rounded to 1e-6 so float noise (0.1 + 0.2) does not show up as a re-price.
    return None if match is None or base is None else round(match - base, 6)


def build_entry(
    base: MarketDocument, match: MarketDocument, similarity: float, now: datetime
) -> MatchEntry:
    """The entry for `match` in `base`'s list."""
    return MatchEntry(
        market_id=match.id,
        question=match.question,
        similarity=similarity,
        category=match.category,
        close_time=match.close_time,
        base_close_time=base.close_time,
        url=match.url,
        base_url=base.url,
        venue=match.venue,
        yes_ask_diff=_diff(yes_best_ask(match), yes_best_ask(base)),
        yes_mid_diff=_diff(yes_mid(match), yes_mid(base)),
        liquidity=match.liquidity,
        base_liquidity=base.liquidity,
        matched_at=now,
    )


def refresh_entry(entry: MatchEntry, base: MarketDocument, match: MarketDocument) -> MatchEntry:
    """The entry with prices, liquidity, URLs and dates taken from the current documents.

    Similarity, the relation verdict and `matched_at` are kept: they belong to the matching run.
    """
    fresh = build_entry(base, match, entry.similarity, entry.matched_at)
    return fresh.model_copy(
        update={
            "relation": entry.relation,
            "confidence": entry.confidence,
            "outcome_map": entry.outcome_map,
            "reasons": entry.reasons,
        }
    )


def build_matches(
    docs: Sequence[MarketDocument],
    neighbours: Neighbours,
    now: datetime,
    bases: Sequence[int] | None = None,
) -> dict[str, list[MatchEntry]]:
    """Base market id -> its entries, best first; markets without matches are absent.

    `bases` restricts the result to these row indices (all rows when None).
    """
    out: dict[str, list[MatchEntry]] = {}
    for i in range(len(docs)) if bases is None else bases:
        row = neighbours.row(i)
        if row:
            base = docs[i]
            out[base.id] = [build_entry(base, docs[j], score, now) for j, score in row]
    return out
