"""Builders for API tests: small real market documents, books and the app served on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome


def binary_market(
    market_id: str,
    question: str,
    category: str = "politics",
    yes_ask: float = 0.45,
    no_ask: float = 0.45,
) -> tuple[MarketDocument, list[OrderBook]]:
    """A Yes/No market and its two books (asks given, bids 0.05 below, 100 shares a level)."""
    yes_token, no_token = f"{market_id}-yes", f"{market_id}-no"
    doc = MarketDocument(
        id=market_id,
        condition_id=f"0xcond{market_id}",
        question=question,
        slug=f"m-{market_id}",
        url=f"https://polymarket.com/market/m-{market_id}",
        outcomes=(
            Outcome(name="Yes", token_id=yes_token, best_bid=yes_ask - 0.05, best_ask=yes_ask),
            Outcome(name="No", token_id=no_token, best_bid=no_ask - 0.05, best_ask=no_ask),
        ),
        category=category,
        close_time=datetime(2026, 12, 31, tzinfo=UTC),
        fee_rate=0.0,
        min_order_size=5,
    ).with_signature()
    books = [
        OrderBook(
            token_id=token,
            market=doc.condition_id,
            bids=(BookLevel(price=round(ask - 0.05, 4), size=100),),
            asks=(BookLevel(price=ask, size=100),),
            tick_size=0.01,
            min_order_size=5,
        )
        for token, ask in ((yes_token, yes_ask), (no_token, no_ask))
    ]
    return doc, books
