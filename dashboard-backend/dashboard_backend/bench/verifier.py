"""Benchmark: the dev split related with and without the LLM verifier, over a loopback stand-in.

There is no real LLM here. The verifier runs for real (prompt, HTTP, parsing, cache, decision)
against the chat-completions stand-in, which answers deterministically in one of these ways:

- `agree`: the engine's own verdict (the plumbing alone: figures must not move);
- `oracle`: the pair's label from the labelled file (an upper bound: what a perfect model could
  do inside the band — it cannot touch pairs outside it);
- `always-equivalent`: equivalent for every pair (the worst a bad model can do: the damage is
  bounded by the band);
- `failing`: HTTP 500 on every call (fail-closed: figures must equal the engine's alone).

Each mode runs twice over one answer file: the second pass must make no call. Times are wall
clock of the whole `relate` path; the stand-in answers in about a millisecond, a real model in
about a second per call (LLM_CONCURRENCY at a time), so read the calls, not the times.

A second part times a worker-sized pass over an unchanged catalog: `--band-pairs` market pairs
in the band, every answer already in a real Redis (the bundled server), reviewed with no call —
sides, signatures, one MGET per 1,000 keys, TTL renewals, decisions — against the relation
engine deciding the same pairs (which the pass pays anyway).

    python -m dashboard_backend.bench verifier [--data ../shared/data] [--band-pairs 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from dashboard_backend import keys
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.matching.markets import relate_markets
from dashboard_backend.matching.pairs_format import (
    Scores,
    format_class,
    read_labels,
    read_pair,
    score,
)
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, Outcome
from dashboard_backend.relate import relate_file
from dashboard_backend.serve import free_port, serve_in_thread
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.answer import Answer
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.client import ChatClient
from dashboard_backend.verifier.offline import OfflineReview
from dashboard_backend.verifier.review import PairToReview, Verifier, review_market_pairs
from dashboard_backend.verifier.sides import clean, market_side
from dashboard_backend.verifier.standin import (
    STANDIN_KEY,
    Answerer,
    ChatStandIn,
    always,
    confirm_engine,
    content_json,
    user_text,
)
from dashboard_backend.verifier.store import AnswerStore

DEV = Path("xplat_equivalence_eval") / "v1.labelled.dev.jsonl"
_TITLE = re.compile(r"^Event (?P<side>[AB]) \([^)]*\):\n  Title: (?P<title>[^\n]*)$", re.MULTILINE)


def oracle(path: Path) -> Answerer:
    """Answer each pair's label, found by the two event titles the prompt shows."""
    labels: dict[tuple[str, str], str] = {}
    with path.open(encoding="utf-8-sig") as handle:
        lines = handle.readlines()
    truth = read_labels(lines)
    for line in lines:
        pair = read_pair(line)
        if pair.pair_id in truth:
            labels.setdefault((clean(pair.a.title), clean(pair.b.title)), truth[pair.pair_id])

    def answer(body: dict[str, Any]) -> str:
        titles = {m["side"]: m["title"] for m in _TITLE.finditer(user_text(body))}
        label = labels.get((titles.get("A", ""), titles.get("B", "")), "unrelated")
        return content_json(label, [], "the label of the dev split")

    return answer


def _figures(scores: Scores) -> str:
    sub_p = _ratio(
        sum(scores.confusion[c][c] for c in ("subset_a_in_b", "subset_b_in_a")),
        scores.predicted("subset_a_in_b") + scores.predicted("subset_b_in_a"),
    )
    wrong_eq = scores.predicted("equivalent") - scores.confusion["equivalent"]["equivalent"]
    subset_as_eq = sum(
        scores.confusion[c]["equivalent"] for c in ("subset_a_in_b", "subset_b_in_a")
    )
    return (
        f"eq P {scores.precision('equivalent'):.3f} R {scores.recall('equivalent'):.3f} "
        f"({wrong_eq} false eq, {subset_as_eq} subset->eq); subset P {sub_p:.3f}; "
        f"accuracy {scores.accuracy:.3f}"
    )


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def _run(path: Path, truth: dict[str, str], review: OfflineReview | None) -> tuple[str, float]:
    started = time.perf_counter()
    rows, _ = relate_file(path, review)
    took = time.perf_counter() - started
    scores = score(truth, {str(r["pair_id"]): str(r["relation"]) for r in rows})
    return _figures(scores), took


def main(argv: list[str]) -> None:
    """Print the dev figures per mode, the band, the calls and the cached second pass."""
    parser = argparse.ArgumentParser(prog="bench verifier")
    parser.add_argument("--data", type=Path, default=Path("..") / "shared" / "data")
    parser.add_argument("--band-pairs", type=int, default=20_000, help="pairs in the cached pass")
    args = parser.parse_args(argv)
    path = args.data / DEV
    with path.open(encoding="utf-8-sig") as handle:
        truth = read_labels(handle)
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}; "
        f"python {platform.python_version()}; {len(truth)} labelled dev pairs; default band "
        f"(confidence <= {Settings().llm_band_max_confidence}, every relation); stand-in on loopback"
    )
    figures, base = _run(path, truth, None)
    print(f"{'engine alone':<20} {figures}; {base:.2f}s (baseline)")
    modes: dict[str, tuple[Answerer, list[str]]] = {
        "agree": (confirm_engine, []),
        "oracle": (oracle(path), []),
        "always-equivalent": (always("equivalent"), []),
        "failing": (confirm_engine, ["500"] * 10_000),
    }
    with tempfile.TemporaryDirectory() as tmp:
        with EmbeddedRedis(Path(tmp) / "redis", free_port()) as server:
            asyncio.run(_cached_pass(args.band_pairs, server.url))
        for name, (answer, script) in modes.items():
            standin = ChatStandIn(answer=answer, script=script)
            with serve_in_thread(standin) as url:
                settings = Settings(
                    llm_base_url=url + "/v1",
                    llm_model="standin",
                    llm_api_key=STANDIN_KEY,
                    llm_max_retries=0,
                    state_dir=Path(tmp),
                )
                cache = Path(tmp) / f"{name}.jsonl"
                first = OfflineReview(settings, cache)
                figures, took = _run(path, truth, first)
                again = OfflineReview(settings, cache)
                _, took_again = _run(path, truth, again)
            s, t = first.stats, again.stats
            print(
                f"{name:<20} {figures}; band {s.band}, calls {s.calls} (errors {s.errors}), "
                f"changed {s.changed} {json.dumps(s.relations_changed, sort_keys=True)}; "
                f"{took:.2f}s ({took / base:.1f}x); second pass {t.calls} calls, "
                f"{t.cached} cached, {took_again:.2f}s ({took_again / base:.1f}x)"
            )


def _market(i: int, venue: str) -> MarketDocument:
    native = f"m{i}" if venue == "polymarket" else f"kalshi:KXT-{i}"
    return MarketDocument(
        venue=venue,
        id=native,
        condition_id=f"0x{venue}{i}",
        question=f"Will candidate {i} win the {2026 + i % 3} race for seat {i % 435}?",
        description="Resolves Yes if the candidate is declared the winner by the deadline. " * 4,
        outcomes=(
            Outcome(name="Yes", token_id=f"{native}-y"),
            Outcome(name="No", token_id=f"{native}-n"),
        ),
        event_title=f"Seat {i % 435} race",
    )


def _pair(a: MarketDocument, b: MarketDocument, verdict: Verdict) -> PairToReview:
    return PairToReview(market_side(a), market_side(b), verdict)


async def _cached_pass(n: int, url: str) -> None:
    """Time a review of `n` band pairs whose answers are all in Redis (no call is possible)."""
    pairs = [(_market(i, "polymarket"), _market(i, "kalshi")) for i in range(n)]
    started = time.perf_counter()
    verdicts = [relate_markets(a, b) for a, b in pairs]
    engine = time.perf_counter() - started
    band = Band(0.0, 1.0)  # every pair in the band: the worst case for the cache
    redis = create_redis(url)
    store = AnswerStore(redis)
    async with httpx.AsyncClient() as http:
        client = ChatClient(
            http, base_url="http://127.0.0.1:9/v1", model="standin", api_key=None, timeout_sec=1
        )
        verifier = Verifier(client, store, band, max_calls=0)
        async with redis.pipeline(transaction=False) as pipe:
            for (a, b), v in zip(pairs, verdicts, strict=True):
                key = verifier.key(_pair(a, b, v))
                pipe.set(keys.llm_answer(key), Answer(format_class(v.relation)).to_json())
            await pipe.execute()
        started = time.perf_counter()
        _, stats = await review_market_pairs(
            verifier, [(a, b, v) for (a, b), v in zip(pairs, verdicts, strict=True)]
        )
        took = time.perf_counter() - started
    await redis.aclose()
    print(
        f"cached pass, {n:,} band pairs: {took:.2f}s ({took / n * 1e6:.0f} us a pair; "
        f"{took / engine:.2f}x the engine deciding the same pairs, {engine:.2f}s); "
        f"{stats.cached} cached, {stats.calls} calls, {client.attempts} HTTP requests"
    )
