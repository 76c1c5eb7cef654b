"""Walk N order books at once to size a locked-profit trade (pure, allocation-light).

A "set" is one share of every leg. Buying a set at the asks pays $1 at resolution; selling a set
at the bids costs $1 of collateral (a split). At each step the walk takes the smallest size left
at the legs' current best levels, and keeps going while that step's marginal edge per set, after
taker fees, is positive:

    buy:  1 − Σ p_i − Σ rate_i · p_i · (1 − p_i)
    sell: Σ p_i − Σ rate_i · p_i · (1 − p_i) − 1

For a fee rate ≤ 1 the per-share cost p + r·p·(1 − p) rises with p (and the net sale price
p − r·p·(1 − p) falls as p falls), so along best-first books the marginal edge never increases:
stopping at the first non-positive step is the profit-maximising size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dashboard_backend.models import BookLevel

Side = Literal["buy", "sell"]

# Below this a per-share edge is float noise (0.1 + 0.2 != 0.3), never an opportunity.
EDGE_EPSILON = 1e-9
# A level holding less than this is used up (guards against 1e-15 leftovers after subtraction).
SIZE_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class LegFill:
    """What one leg trades over the walk."""

    best_price: float
    avg_price: float
    worst_price: float
    notional: float  # Σ shares × price (USD paid for a buy, received for a sell)
    fees: float  # USD taker fees of this leg


@dataclass(frozen=True, slots=True)
class WalkResult:
    """The executable trade: `size` sets, with totals over all legs."""

    side: Side
    size: float
    edge: float  # marginal edge per set of the first step (top of book), after fees
    notional: float  # Σ over legs of LegFill.notional
    fees: float
    profit: float  # USD after fees
    legs: tuple[LegFill, ...]
    steps: int  # level steps taken (each with a positive marginal edge)


def marginal_edge(prices: Sequence[float], rates: Sequence[float], side: Side) -> float:
    """Profit per set, after taker fees, of trading one set at these prices."""
    total = 0.0
    fee = 0.0
    for p, r in zip(prices, rates, strict=True):
        total += p
        fee += r * p * (1.0 - p)
    return (1.0 - total - fee) if side == "buy" else (total - fee - 1.0)


def _first_level(levels: Sequence[BookLevel], start: int) -> int:
    """Index of the first level from `start` with a positive size (len when none)."""
    n = len(levels)
    while start < n and levels[start].size <= SIZE_EPSILON:
        start += 1
    return start


def walk_books(
    books: Sequence[Sequence[BookLevel]], rates: Sequence[float], side: Side
) -> WalkResult | None:
    """Size a set trade across best-first `books` (asks to buy, bids to sell); None if no edge.

    Each leg's `rates[i]` is its taker fee rate. Books must already be sorted best-first.
    """
    n = len(books)
    if n == 0 or len(rates) != n:
        return None
    buy = side == "buy"
    idx = [0] * n
    for i in range(n):
        j = _first_level(books[i], 0)
        if j == len(books[i]):
            return None  # an empty side: no set can be traded
        idx[i] = j

    # Fast exit for the common case (no edge at the top) before allocating anything more.
    total = 0.0
    fee = 0.0
    for i in range(n):
        p = books[i][idx[i]].price
        total += p
        fee += rates[i] * p * (1.0 - p)
    top_edge = (1.0 - total - fee) if buy else (total - fee - 1.0)
    if not top_edge > EDGE_EPSILON:
        return None

    # Per leg at its current level: price, size left, fee per share, and the per-share amount
    # that enters the edge (price plus fee for a buy, price minus fee for a sell).
    price = [books[i][idx[i]].price for i in range(n)]
    remaining = [books[i][idx[i]].size for i in range(n)]
    fee_ps = [rates[i] * price[i] * (1.0 - price[i]) for i in range(n)]
    net = [price[i] + fee_ps[i] if buy else price[i] - fee_ps[i] for i in range(n)]
    best = list(price)
    worst = list(price)
    notional = [0.0] * n
    fees = [0.0] * n
    size = 0.0
    steps = 0
    while True:
        q = min(remaining)
        size += q
        steps += 1
        exhausted = False
        for i in range(n):
            p = price[i]
            notional[i] += q * p
            fees[i] += q * fee_ps[i]
            worst[i] = p
            left = remaining[i] - q
            if left > SIZE_EPSILON:
                remaining[i] = left
                continue
            levels = books[i]
            j = _first_level(levels, idx[i] + 1)
            if j == len(levels):
                exhausted = True  # this leg's book is used up
                continue
            idx[i] = j
            level = levels[j]
            p = level.price
            price[i] = p
            remaining[i] = level.size
            f = rates[i] * p * (1.0 - p)
            fee_ps[i] = f
            net[i] = p + f if buy else p - f
        if exhausted:
            break
        edge = (1.0 - sum(net)) if buy else (sum(net) - 1.0)
        if not edge > EDGE_EPSILON:
            break

    all_notional = sum(notional)
    all_fees = sum(fees)
    # Profit from the totals (not Σ q·edge) so profit = size − cost − fees holds exactly.
    profit = (size - all_notional - all_fees) if buy else (all_notional - all_fees - size)
    legs = tuple(
        LegFill(
            best_price=best[i],
            avg_price=notional[i] / size,
            worst_price=worst[i],
            notional=notional[i],
            fees=fees[i],
        )
        for i in range(n)
    )
    return WalkResult(
        side=side,
        size=size,
        edge=top_edge,
        notional=all_notional,
        fees=all_fees,
        profit=profit,
        legs=legs,
        steps=steps,
    )
