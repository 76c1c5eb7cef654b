"""`bench ws`, Kalshi stage: `orderbook_delta` frames decoded and applied on one core.

The stream is the stand-in's script (`replay/kalshi_script.py`: increments to YES and NO bids,
arbitrage windows on two-market game events) over synthetic games with 50 bid levels per side,
framed exactly as the stand-in sends them (one subscription, `seq` 1, 2, ...). Stages:

    parse            frame -> sequenced book events (KalshiSession.decode)
    parse+apply      decode and apply to the live books (WsPipeline.ingest)
    naive baseline   json.loads + float conversion + both books' sides updated and re-sorted
    + opportunities  WsPipeline.ingest, then recompute the markets (and their event) it changed
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from dashboard_backend.bench.ws_stages import apply_and_recompute, apply_each, cpu
from dashboard_backend.fees import FeeTable
from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.models import MarketDocument, Outcome
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.kalshi_data import KalshiBook
from dashboard_backend.replay.kalshi_script import Delta, KalshiScenario, KalshiScriptConfig
from dashboard_backend.replay.kalshi_ws import delta_message, snapshot_message
from dashboard_backend.venues.kalshi import KalshiFees
from dashboard_backend.venues.kalshi.feed import KalshiSession
from dashboard_backend.venues.kalshi.parse import market_id, round_price, token_id
from dashboard_backend.workers.ws_pipeline import WsPipeline

LEVELS = 50  # bid levels per side
CENT = Decimal("0.01")
FEES = FeeTable({}, default=0.05, venues={"kalshi": KalshiFees()})

Raw = dict[str, object]


def build_world(games: int) -> tuple[dict[str, MarketDocument], dict[str, KalshiBook], list[Raw]]:
    """Two-market game events (exclusive, exhaustive) with 50 bid levels a side, no arbitrage."""
    docs: dict[str, MarketDocument] = {}
    books: dict[str, KalshiBook] = {}
    events: list[Raw] = []
    for i in range(games):
        event = f"KXNBAGAME-26JAN{i:04d}AAABBB"
        tickers = (f"{event}-AAA", f"{event}-BBB")
        ids = tuple(market_id(t) for t in tickers)
        away = Decimal(30 + (i * 7) % 40) * CENT  # YES bid of the away team: 0.30 .. 0.69
        for ticker, yes_bid in zip(tickers, (away, 1 - away - 3 * CENT), strict=True):
            no_bid = 1 - yes_bid - 2 * CENT  # YES ask = yes_bid + 2¢: Σ asks of the event > 1
            books[ticker] = KalshiBook(
                yes={
                    yes_bid - k * CENT: Decimal(100 + k)
                    for k in range(LEVELS)
                    if yes_bid - k * CENT > 0
                },
                no={
                    no_bid - k * CENT: Decimal(100 + k)
                    for k in range(LEVELS)
                    if no_bid - k * CENT > 0
                },
            )
            docs[market_id(ticker)] = MarketDocument(
                venue="kalshi",
                id=market_id(ticker),
                condition_id=ticker,
                question=f"Bench game {i}: {ticker[-3:]} wins?",
                category="sports",
                outcomes=(
                    Outcome(name="Yes", token_id=token_id(ticker, "yes")),
                    Outcome(name="No", token_id=token_id(ticker, "no")),
                ),
                min_order_size=1.0,
                neg_risk=True,
                neg_risk_market_id=market_id(event),
                event_market_ids=ids,
                event_id=event,
                series_ticker="KXNBAGAME",
            )
        events.append(
            {
                "event_ticker": event,
                "series_ticker": "KXNBAGAME",
                "mutually_exclusive": True,
                "markets": [{"ticker": t} for t in tickers],
            }
        )
    return docs, books, events


def build_stream(
    books: dict[str, KalshiBook], events: list[Raw], messages: int, windows: int
) -> tuple[list[str], list[str]]:
    """(snapshot frames, delta frames) of one subscription, numbered as the stand-in numbers."""
    snapshots = [snapshot_message(t, books[t], 1, i + 1) for i, t in enumerate(sorted(books))]
    config = KalshiScriptConfig(seed=1, messages=messages, arb_windows=windows)
    frames: list[str] = []
    seq = len(snapshots)
    for step in KalshiScenario(books, events, config).steps():
        if isinstance(step, Delta):
            seq += 1
            frames.append(delta_message(step, 1, seq))
    return snapshots, frames


Sides = dict[tuple[str, str], list[tuple[float, float]]]


def naive_books(snapshots: list[str]) -> Sides:
    """The baseline's starting bids per (ticker, side), best first."""
    sides: Sides = {}
    for frame in snapshots:
        msg = json.loads(frame)["msg"]
        for side in ("yes", "no"):
            sides[(msg["market_ticker"], side)] = sorted(
                ((float(p), float(s)) for p, s in msg[f"{side}_dollars_fp"]), reverse=True
            )
    return sides


def naive_apply(frames: list[str], sides: Sides) -> int:
    """Baseline: json.loads, floats, the bids updated and re-sorted per delta, and the other
    token's asks (those bids mirrored) rebuilt."""
    asks: Sides = {}
    for frame in frames:
        msg = json.loads(frame)["msg"]
        price, delta = float(msg["price_dollars"]), float(msg["delta_fp"])
        key = (msg["market_ticker"], msg["side"])
        levels = dict(sides[key])
        size = levels.get(price, 0.0) + delta
        if size > 0:
            levels[price] = size
        else:
            levels.pop(price, None)
        sides[key] = sorted(levels.items(), reverse=True)
        asks[key] = sorted((round_price(1.0 - p), s) for p, s in sides[key])
    return len(asks)


def run(games: int, messages: int, windows: int) -> None:
    """Print the Kalshi stage's rates (messages per CPU-second) and its baseline ratio."""
    docs, books, events = build_world(games)
    snapshots, frames = build_stream(books, events, messages, windows)
    print(
        f"kalshi stream: {len(frames)} orderbook_delta messages, {len(docs)} markets "
        f"({games} two-market game events) x {LEVELS} bid levels per side, {windows} windows"
    )

    def pipeline() -> WsPipeline:
        session = KalshiSession(connection=1)
        built = WsPipeline(
            OpsStore(None), FEES, decode=session.decode, clock=lambda: datetime.now(UTC)
        )
        built.set_catalog(docs)
        built.ingest(snapshots, ApplyOutcome())
        return built

    session = KalshiSession(connection=1)
    t_parse = min(cpu(lambda: [session.decode(f) for f in frames]) for _ in range(3))
    p = pipeline()
    t_apply = cpu(partial(apply_each, p, frames))
    assert not p.books.pending, "the bench stream must apply cleanly"
    t_check = cpu(partial(apply_and_recompute, pipeline(), frames))
    start = naive_books(snapshots)
    copies = [{k: list(v) for k, v in start.items()} for _ in range(2)]
    t_naive = min(cpu(partial(naive_apply, frames, sides)) for sides in copies)
    n = len(frames)
    print(f"  parse                      {n / t_parse:>10,.0f}")
    print(
        f"  parse+apply                {n / t_apply:>10,.0f}   "
        f"({t_naive / t_apply:.2f}x naive: json.loads + re-sort both sides per delta)"
    )
    print(f"  naive parse+apply          {n / t_naive:>10,.0f}")
    print(f"  parse+apply+opportunities  {n / t_check:>10,.0f}")
