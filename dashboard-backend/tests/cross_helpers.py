"""Builders for the cross-market tests: markets on a venue, timed books, outcome links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashboard_backend.fees import FeeTable
from dashboard_backend.models import (
    BookLevel,
    MarketDocument,
    MatchEntry,
    OrderBook,
    OutcomeLink,
    Relation,
)
from tests.opportunity_helpers import binary

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
FEES = FeeTable({"politics": 0.04, "crypto": 0.07}, default=0.05)
NO_FEES = FeeTable({}, default=0.0)


def market(
    market_id: str,
    venue: str = "polymarket",
    names: tuple[str, str] = ("Yes", "No"),
    **fields: Any,
) -> MarketDocument:
    """A binary market on `venue` whose outcome tokens are `{market_id}-{name}`."""
    fields.setdefault("url", f"https://{venue}.example/{market_id}")
    return binary(market_id, names, venue=venue, **fields)


def asks(
    token_id: str,
    levels: list[tuple[float, float]],
    age_sec: float = 0.0,
    min_order_size: float | None = None,
    tick_size: float | None = None,
) -> OrderBook:
    """An ask book (levels best-first) stamped `age_sec` before NOW."""
    return OrderBook(
        token_id=token_id,
        asks=tuple(BookLevel(price=p, size=s) for p, s in levels),
        timestamp=NOW_MS - int(age_sec * 1000),
        min_order_size=min_order_size,
        tick_size=tick_size,
    )


def link(a: MarketDocument, a_name: str, b: MarketDocument, b_name: str) -> OutcomeLink:
    """The link tying outcome `a_name` of A to outcome `b_name` of B."""
    oa, ob = a.outcome(a_name), b.outcome(b_name)
    assert oa is not None
    assert ob is not None
    return OutcomeLink(
        a_token=oa.token_id, a_outcome=oa.name, b_token=ob.token_id, b_outcome=ob.name
    )


def token(doc: MarketDocument, name: str) -> str:
    """The token of outcome `name`."""
    outcome = doc.outcome(name)
    assert outcome is not None
    return outcome.token_id


def same_bet_entry(base: MarketDocument, match: MarketDocument, confidence: float) -> MatchEntry:
    """The relation engine's entry saying `match` is the same Yes/No bet as `base` (both links)."""
    return MatchEntry(
        market_id=match.id,
        question=match.question,
        similarity=0.97,
        venue=match.venue,
        relation=Relation.EQUIVALENT,
        confidence=confidence,
        outcome_map=(link(base, "Yes", match, "Yes"), link(base, "No", match, "No")),
    )


def allowed(relation: Relation, ln: OutcomeLink, wa: str, wb: str) -> bool:
    """Whether the world where `wa` (of A) and `wb` (of B) win is possible under `ln`, written out
    independently of the code under test (an inverse link pairs outcomes that win together)."""
    a, b = wa == ln.a_token, wb == ln.b_token
    return {
        Relation.EQUIVALENT: a == b,
        Relation.INVERSE: a == b,
        Relation.SUBSET_A_IN_B: (not a) or b,
        Relation.SUBSET_B_IN_A: (not b) or a,
        Relation.MUTUALLY_EXCLUSIVE: not (a and b),
    }[relation]
