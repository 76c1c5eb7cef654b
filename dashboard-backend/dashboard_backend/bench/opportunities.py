"""Benchmark: intra-market opportunity maths on the websocket hot path, against baselines.

Cases: one binary market after a book change (no edge — the common case — and a deep edge),
one 10-market negRisk event, and a 2,000-market catalog. Baselines in the same process: a bare
top-of-book check (the floor any detector pays), a naive share-by-share walk (what the level walk
replaces), and validating one 20-level `OrderBook` (what the ingest already pays per message).

    python -m dashboard_backend.bench opportunities [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version

from dashboard_backend.book_walk import walk_books
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome
from dashboard_backend.opportunities import CatalogIndex, affected_markets, find_opportunities

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FEES = FeeTable({"crypto": 0.07, "sports": 0.03}, default=0.05)


def call_rate(fn: Callable[[], object], seconds: float) -> float:
    """Best calls/s over a few timed rounds of about `seconds` in total (noisy shared machine)."""
    fn()
    n = 1
    while True:  # find a batch size that takes ~1/5 of the budget
        start = time.perf_counter()
        for _ in range(n):
            fn()
        took = time.perf_counter() - start
        if took >= seconds / 20:
            break
        n *= 2
    best = took / n
    for _ in range(4):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return 1.0 / best


def _levels(start: float, step: float, count: int, size: float) -> tuple[BookLevel, ...]:
    return tuple(BookLevel(price=round(start + step * i, 4), size=size) for i in range(count))


def _binary(market_id: str, category: str = "crypto", **extra: object) -> MarketDocument:
    outcomes = tuple(Outcome(name=n, token_id=f"{market_id}-{n}") for n in ("Yes", "No"))
    values: dict[str, object] = {
        "id": market_id,
        "condition_id": f"0x{market_id}",
        "question": f"Market {market_id}?",
        "outcomes": outcomes,
        "category": category,
    }
    values.update(extra)
    return MarketDocument.model_validate(values)


def _book(token: str, bid: float, ask: float, depth: int = 20) -> OrderBook:
    return OrderBook(
        token_id=token,
        bids=_levels(bid, -0.01, depth, 100.0),
        asks=_levels(ask, 0.01, depth, 100.0),
    )


def _naive_walk(asks_a: tuple[BookLevel, ...], asks_b: tuple[BookLevel, ...], rate: float) -> float:
    """Baseline: expand both books share by share and add up each profitable share."""
    a = [lv.price for lv in asks_a for _ in range(int(lv.size))]
    b = [lv.price for lv in asks_b for _ in range(int(lv.size))]
    profit = 0.0
    for pa, pb in zip(a, b, strict=False):
        edge = 1.0 - pa - pb - rate * (pa * (1 - pa) + pb * (1 - pb))
        if edge <= 1e-9:
            break
        profit += edge
    return profit


def _catalog(n: int, seed: int = 3) -> tuple[list[MarketDocument], dict[str, OrderBook]]:
    """n markets: 70 % plain binaries, 30 % in negRisk events of 5; ~2 % carry an edge."""
    rng = random.Random(seed)
    markets: list[MarketDocument] = []
    books: dict[str, OrderBook] = {}
    n_plain = int(n * 0.7)
    for i in range(n_plain):
        doc = _binary(f"b{i}", category=rng.choice(["crypto", "sports", "politics"]))
        mid = rng.randint(5, 95) / 100
        gap = -0.03 if rng.random() < 0.02 else 0.01
        books[f"b{i}-Yes"] = _book(f"b{i}-Yes", round(mid - gap - 0.01, 2), round(mid + gap, 2))
        books[f"b{i}-No"] = _book(
            f"b{i}-No", round(1 - mid - gap - 0.01, 2), round(1 - mid + gap, 2)
        )
        markets.append(doc)
    for g in range((n - n_plain) // 5):
        ids = tuple(f"g{g}m{j}" for j in range(5))
        for market_id in ids:
            markets.append(
                _binary(
                    market_id,
                    category="politics",
                    neg_risk=True,
                    neg_risk_market_id=f"0xg{g}",
                    event_id=f"e{g}",
                    event_market_ids=ids,
                )
            )
            books[f"{market_id}-Yes"] = _book(f"{market_id}-Yes", 0.18, 0.19 + rng.random() / 50)
            books[f"{market_id}-No"] = _book(f"{market_id}-No", 0.80, 0.82)
    return markets, books


def main(argv: list[str]) -> None:
    """Print calls/s per case and ratios to the baselines, with the run's conditions."""
    parser = argparse.ArgumentParser(prog="bench opportunities")
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per case")
    args = parser.parse_args(argv)
    secs: float = args.seconds

    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"load={os.getloadavg()[0]:.2f}; python {platform.python_version()}; "
        f"pydantic {version('pydantic')}; books 20 levels x 100 shares per side"
    )
    quiet = [_binary("m1")]
    quiet_books = {"m1-Yes": _book("m1-Yes", 0.48, 0.50), "m1-No": _book("m1-No", 0.48, 0.52)}
    edgy_books = {"m1-Yes": _book("m1-Yes", 0.40, 0.40), "m1-No": _book("m1-No", 0.40, 0.50)}
    walk = walk_books((edgy_books["m1-Yes"].asks, edgy_books["m1-No"].asks), (0.07, 0.07), "buy")
    assert walk is not None
    raw_book = quiet_books["m1-Yes"].model_dump()

    def floor() -> bool:
        a, b = quiet_books["m1-Yes"].asks, quiet_books["m1-No"].asks
        return a[0].price + b[0].price < 1.0

    rate_floor = call_rate(floor, secs)
    rate_parse = call_rate(lambda: OrderBook.model_validate(raw_book), secs)
    rate_quiet = call_rate(lambda: find_opportunities(quiet, quiet_books, FEES, NOW), secs)
    rate_edgy = call_rate(lambda: find_opportunities(quiet, edgy_books, FEES, NOW), secs)
    asks = (edgy_books["m1-Yes"].asks, edgy_books["m1-No"].asks)
    rate_walk = call_rate(lambda: walk_books(asks, (0.07, 0.07), "buy"), secs)
    rate_naive = call_rate(lambda: _naive_walk(*asks, 0.07), secs)

    print(f"baseline top-of-book check           {rate_floor:>12,.0f} /s")
    print(f"baseline OrderBook validate (20 lvl) {rate_parse:>12,.0f} /s")
    print(
        f"binary, no edge (common case)        {rate_quiet:>12,.0f} /s  "
        f"{rate_floor / rate_quiet:5.1f}x floor, {rate_parse / rate_quiet:4.2f}x a book parse"
    )
    print(
        f"binary, edge over {walk.steps} levels         {rate_edgy:>12,.0f} /s  "
        f"({walk.size:.0f} sets, profit {walk.profit:.2f})"
    )
    print(
        f"walk only, {walk.steps} level steps            {rate_walk:>12,.0f} /s  "
        f"{rate_walk / rate_naive:5.1f}x the share-by-share walk ({rate_naive:,.0f} /s)"
    )

    group = [
        _binary(
            f"n{j}",
            neg_risk=True,
            neg_risk_market_id="0xn",
            event_market_ids=tuple(f"n{k}" for k in range(10)),
        )
        for j in range(10)
    ]
    group_books = {f"n{j}-Yes": _book(f"n{j}-Yes", 0.08, 0.09) for j in range(10)}
    rate_group = call_rate(lambda: find_opportunities(group, group_books, FEES, NOW), secs)
    found = find_opportunities(group, group_books, FEES, NOW)
    print(f"negRisk event of 10, edge={bool(found)!s:5}     {rate_group:>12,.0f} /s")

    markets, books = _catalog(2000)
    start = time.perf_counter()
    all_found = find_opportunities(markets, books, FEES, NOW)
    full_ms = (time.perf_counter() - start) * 1000
    index = CatalogIndex(markets)
    rate_aff = call_rate(lambda: affected_markets(["g3m2"], index), secs)
    print(
        f"catalog of {len(markets)} markets: {full_ms:.1f} ms per full pass, "
        f"{len(all_found)} opportunities; affected_markets(group member) {rate_aff:,.0f} /s"
    )
