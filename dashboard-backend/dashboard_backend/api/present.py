"""The API edge: values rounded for people and clients, never the stored terms themselves.

Floats computed upstream carry noise (a similarity of 1.000000012812726, a price of
0.30000000000000004). Responses round them: probabilities and prices to 4 decimals clamped to
[0, 1], price differences to 4 decimals clamped to [-1, 1], edges per share to 6 decimals, dollar
amounts to 4 and share counts to 2. Stored values keep full precision.
"""

from __future__ import annotations

from dashboard_backend.models import MarketDocument, MatchEntry, Opportunity, Outcome

PRICE_DIGITS = 4
EDGE_DIGITS = 6
USD_DIGITS = 4
SHARE_DIGITS = 2


def probability(value: float) -> float:
    """A price or similarity, clamped to [0, 1] and rounded."""
    return round(min(1.0, max(0.0, value)), PRICE_DIGITS)


def maybe_probability(value: float | None) -> float | None:
    """`probability`, passing None through."""
    return None if value is None else probability(value)


def price_difference(value: float | None) -> float | None:
    """A difference of two prices, clamped to [-1, 1] and rounded; None passes through."""
    return None if value is None else round(min(1.0, max(-1.0, value)), PRICE_DIGITS)


def present_outcome(outcome: Outcome) -> Outcome:
    """An outcome with its prices rounded."""
    return outcome.model_copy(
        update={
            "price": maybe_probability(outcome.price),
            "best_bid": maybe_probability(outcome.best_bid),
            "best_ask": maybe_probability(outcome.best_ask),
        }
    )


def present_market(doc: MarketDocument) -> MarketDocument:
    """A catalog document with its outcome prices rounded."""
    return doc.model_copy(update={"outcomes": tuple(present_outcome(o) for o in doc.outcomes)})


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def present_opportunity(op: Opportunity) -> Opportunity:
    """An opportunity with prices, edges, dollars and shares rounded (cross-market fields too)."""
    legs = tuple(
        leg.model_copy(
            update={
                "best_price": probability(leg.best_price),
                "avg_price": probability(leg.avg_price),
                "worst_price": probability(leg.worst_price),
                "limit_price": maybe_probability(leg.limit_price),
                "size": _rounded(leg.size, SHARE_DIGITS),
                "fee": _rounded(leg.fee, USD_DIGITS),
            }
        )
        for leg in op.legs
    )
    return op.model_copy(
        update={
            "legs": legs,
            "edge": round(op.edge, EDGE_DIGITS),
            "avg_edge": round(op.avg_edge, EDGE_DIGITS),
            "size": round(op.size, SHARE_DIGITS),
            "cost": round(op.cost, USD_DIGITS),
            "fees": round(op.fees, USD_DIGITS),
            "expected_profit": round(op.expected_profit, USD_DIGITS),
            "confidence": maybe_probability(op.confidence),
            "guaranteed_payout": _rounded(op.guaranteed_payout, USD_DIGITS),
            "annualized_return": _rounded(op.annualized_return, USD_DIGITS),
            "book_age_sec": _rounded(op.book_age_sec, 3),
        }
    )


def present_match(entry: MatchEntry) -> MatchEntry:
    """A match entry with its similarity, confidence and price differences rounded."""
    return entry.model_copy(
        update={
            "similarity": probability(entry.similarity),
            "confidence": maybe_probability(entry.confidence),
            "yes_ask_diff": price_difference(entry.yes_ask_diff),
            "yes_mid_diff": price_difference(entry.yes_mid_diff),
        }
    )
