"""Builders for hand-made markets and books used by the opportunity tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashboard_backend.fees import FeeTable
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NO_FEES = FeeTable({}, default=0.0)


def book(
    token_id: str,
    bids: list[tuple[float, float]] | None = None,
    asks: list[tuple[float, float]] | None = None,
    min_order_size: float | None = None,
) -> OrderBook:
    """A book with levels given best-first as (price, size)."""
    return OrderBook(
        token_id=token_id,
        bids=tuple(BookLevel(price=p, size=s) for p, s in bids or []),
        asks=tuple(BookLevel(price=p, size=s) for p, s in asks or []),
        min_order_size=min_order_size,
    )


def binary(
    market_id: str = "m1",
    names: tuple[str, str] = ("Yes", "No"),
    **fields: Any,
) -> MarketDocument:
    """A binary market whose outcome tokens are `{market_id}-{name}`."""
    values: dict[str, object] = {
        "id": market_id,
        "condition_id": f"0x{market_id}",
        "question": f"Question {market_id}?",
        "url": f"https://polymarket.com/event/{market_id}",
        "outcomes": tuple(Outcome(name=n, token_id=f"{market_id}-{n}") for n in names),
    }
    values.update(fields)
    return MarketDocument.model_validate(values)


def negrisk_event(
    ids: list[str],
    group: str = "0xneg",
    event_id: str = "ev1",
    listed: list[str] | None = None,
    **fields: Any,
) -> list[MarketDocument]:
    """The markets of one negRisk event; each lists `listed` (default: `ids`) as the event's set."""
    members = tuple(listed if listed is not None else ids)
    return [
        binary(
            market_id,
            neg_risk=True,
            neg_risk_market_id=group,
            event_id=event_id,
            event_title="Who will win?",
            event_market_ids=members,
            group_item_title=f"Candidate {market_id}",
            **fields,
        )
        for market_id in ids
    ]
