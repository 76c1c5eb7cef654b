"""Match entries: related pairs turned into `MatchEntry` lists with price differences.

The base's reference outcome is its outcome named "Yes" (never index 0), else its first listed
outcome. The match's price is read from the outcome the relation engine links to that reference
outcome (`outcome_map`): for an inverse pair the base's YES is compared with the match's NO, for a
"Spurs / Timberwolves" market against a Kalshi "San Antonio wins" market the Spurs outcome with
the Kalshi YES. Without a link (an entry written before relations, or a related pair) the match's
own reference outcome is used for equivalent entries and no difference is given otherwise. Best
ask is the outcome's best ask; mid is (best bid + best ask) / 2 when both exist, else the
outcome's indicative price. A difference is `match - base`, None when either side lacks the price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from dashboard_backend.matching.cards import Card
from dashboard_backend.matching.dates import month_end
from dashboard_backend.matching.entities import question_entities
from dashboard_backend.matching.filters import MarketFeatures
from dashboard_backend.matching.numbers import question_numbers
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry, Outcome, OutcomeLink, Relation

_DAY_SEC = 86_400


def about_day(card: Card) -> date | None:
    """The day a card is about: its day, else the last day that counts ("by June 30", "in May":
    May 31), None for questions that name no day. Venues date one bet differently — a Kalshi
    ticker carries `26MAY31` where Polymarket says "in May 2026" or "by May 31" — so deadlines and
    months count as the day they end, where the two listings meet."""
    if card.day is not None:
        return card.day
    dates = card.dates
    if dates.deadline is not None:
        return dates.deadline
    if dates.last_day is not None:
        return dates.last_day
    if dates.month is not None:
        return month_end(*dates.month)
    return None


def about_time(card: Card) -> float | None:
    """`about_day` as unix seconds (midnight UTC), None for undated questions."""
    day = about_day(card)
    if day is None:
        return None
    return float(day.toordinal() - 719_163) * _DAY_SEC  # days since 1970-01-01


def features_of(
    docs: Sequence[MarketDocument],
    sides: Sequence[int] | None = None,
    cards: Sequence[Card] | None = None,
    numbers: bool = True,
    entities: bool = True,
) -> MarketFeatures:
    """The candidate filter features of these documents, in order.

    With `cards`, the time window compares the day each market is *about* (its game, its candle)
    rather than close times, which venues set unrelated to the bet; without, the close times.
    `numbers` / `entities` False leave those features out (their filters are off: reading every
    question's numbers and entities would only cost time).
    """
    if cards is not None:
        times = [about_time(c) for c in cards]
    else:
        times = [d.close_time.timestamp() if d.close_time else None for d in docs]
    return MarketFeatures.build(
        ids=[d.id for d in docs],
        outcome_counts=[len(d.outcomes) for d in docs],
        categories=[d.category for d in docs],
        close_times=times,
        conditions=[d.condition_id for d in docs],
        sides=sides,
        events=[d.event_id for d in docs],
        numbers=[market_numbers(d) for d in docs] if numbers else None,
        entities=[market_entities(d) for d in docs] if entities else None,
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
    return _mid(yes_reference(doc))


def _diff(match: float | None, base: float | None) -> float | None:
    # Rounded to 1e-6 so float noise (0.1 + 0.2) does not show up as a re-price.
    return None if match is None or base is None else round(match - base, 6)


def _mid(outcome: Outcome | None) -> float | None:
    if outcome is None:
        return None
    if outcome.best_bid is not None and outcome.best_ask is not None:
        return round((outcome.best_bid + outcome.best_ask) / 2, 6)  # 0.42, not 0.42000000000000004
    return outcome.price


def linked_outcome(
    base: MarketDocument,
    match: MarketDocument,
    links: Sequence[OutcomeLink],
    relation: Relation | None,
    reference: Outcome | None = None,
) -> Outcome | None:
    """The match outcome compared with the base's reference outcome (see the module docstring;
    `reference`: the base's, when the caller has it)."""
    reference = reference or yes_reference(base)
    if reference is None:
        return None
    for link in links:
        if link.a_token == reference.token_id:
            return next((o for o in match.outcomes if o.token_id == link.b_token), None)
    if relation is None or relation == Relation.EQUIVALENT:
        return yes_reference(match)
    return None


def build_entry(
    base: MarketDocument,
    match: MarketDocument,
    similarity: float,
    now: datetime,
    verdict: Verdict | None = None,
) -> MatchEntry:
    """The entry for `match` in `base`'s list (A = base, B = match in the verdict)."""
    links = verdict.links if verdict is not None else ()
    relation = verdict.relation if verdict is not None else None
    reference = yes_reference(base)
    counterpart = linked_outcome(base, match, links, relation, reference)
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
        yes_ask_diff=_diff(
            counterpart.best_ask if counterpart else None, reference.best_ask if reference else None
        ),
        yes_mid_diff=_diff(_mid(counterpart), _mid(reference)),
        liquidity=match.liquidity,
        base_liquidity=base.liquidity,
        relation=relation,
        confidence=round(verdict.confidence, 3) if verdict is not None else None,
        outcome_map=links,
        reasons=verdict.reasons if verdict is not None else (),
        matched_at=now,
    )


def refresh_entry(entry: MatchEntry, base: MarketDocument, match: MarketDocument) -> MatchEntry:
    """The entry with prices, liquidity, URLs and dates taken from the current documents.

    Similarity, the relation verdict and `matched_at` belong to the matching run and are kept.
    """
    verdict = (
        Verdict(entry.relation, entry.confidence or 0.0, entry.reasons, entry.outcome_map)
        if entry.relation is not None
        else None
    )
    fresh = build_entry(base, match, entry.similarity, entry.matched_at, verdict)
    return fresh.model_copy(update={"confidence": entry.confidence})


# How entries of one base are ordered: the strongest relation first, then confidence, similarity.
RELATION_RANK = {
    Relation.EQUIVALENT: 0,
    Relation.INVERSE: 1,
    Relation.SUBSET_A_IN_B: 2,
    Relation.SUBSET_B_IN_A: 2,
    Relation.MUTUALLY_EXCLUSIVE: 3,
    Relation.RELATED: 4,
    Relation.UNRELATED: 5,
}


def entry_order(entry: MatchEntry) -> tuple[int, float, float, str]:
    """Sort key of an entry in its base's list."""
    rank = RELATION_RANK[entry.relation] if entry.relation is not None else 4
    return (rank, -(entry.confidence or 0.0), -entry.similarity, entry.market_id)


def entry_rank(verdict: Verdict, similarity: float, match_id: str) -> tuple[int, float, float, str]:
    """`entry_order` of the entry `build_entry` would make, without building it."""
    return (RELATION_RANK[verdict.relation], -round(verdict.confidence, 3), -similarity, match_id)
