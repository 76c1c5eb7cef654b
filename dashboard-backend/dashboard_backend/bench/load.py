"""Benchmark: the API under a thousand live streams plus ordinary traffic (loopback only).

The real API runs as its own process (`python -m dashboard_backend.api`) on a real Redis. Phases:

    baseline   --api-clients clients loop on GET /v1/opportunities, no stream open
    load       --streams /v1/stream clients stay connected while the same API clients loop;
               once a second an opportunity appears or disappears (OpsStore: history + stream)
               and a poll summary is published, for --seconds
    after      streams closed: memory and Redis connections once the load is gone

Reported: request errors, events each stream client received against events published, the API
process's memory (RSS) and Redis' connected clients before / during / after, and /v1/opportunities
latency under load as a ratio of the baseline measured in this same run.

    python -m dashboard_backend.bench load [--streams 1000] [--api-clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dashboard_backend import keys
from dashboard_backend.bench._sse import SseClient
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook, Outcome
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.serve import free_port

HOST = "127.0.0.1"
FEES = FeeTable({}, 0.0)


def _market(i: int) -> tuple[MarketDocument, dict[str, OrderBook]]:
    """A binary market whose asks sum to 0.90: an opportunity while it is listed."""
    tokens = (f"{i}-yes", f"{i}-no")
    doc = MarketDocument(
        id=str(i),
        condition_id=f"0xbench{i}",
        question=f"Will bench event {i} happen?",
        slug=f"bench-{i}",
        outcomes=tuple(
            Outcome(name=n, token_id=t) for n, t in zip(("Yes", "No"), tokens, strict=True)
        ),
        category="politics",
        fee_rate=0.0,
        min_order_size=5,
    )
    books = {
        t: OrderBook(
            token_id=t,
            market=doc.condition_id,
            bids=(BookLevel(price=0.40, size=100),),
            asks=(BookLevel(price=0.45, size=100),),
            tick_size=0.01,
            min_order_size=5,
        )
        for t in tokens
    }
    return doc, books


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Requests:
    """Ordinary API traffic: latencies (s) and failures."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.latencies:
            return "no requests"
        q = statistics.quantiles(self.latencies, n=100)
        rate = len(self.latencies) / self.seconds if self.seconds else float("nan")
        return (
            f"{len(self.latencies)} requests ({rate:.0f}/s), {self.errors} errors, "
            f"p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms"
        )


async def _api_client(port: int, until: float, out: Requests) -> None:
    """Keep-alive HTTP/1.1 GET /v1/opportunities in a loop until `until`."""
    reader, writer = await asyncio.open_connection(HOST, port)
    request = f"GET /v1/opportunities HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            out.latencies.append(time.perf_counter() - started)
            if status != 200:
                out.errors += 1
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
        out.errors += 1
    finally:
        writer.close()


async def _traffic(port: int, clients: int, seconds: float) -> Requests:
    out = Requests(seconds=seconds)
    until = time.monotonic() + seconds
    await asyncio.gather(*(_api_client(port, until, out) for _ in range(clients)))
    return out


async def _redis_clients(redis: object) -> int:
    info = await redis.info("clients")  # type: ignore[attr-defined]
    return int(info["connected_clients"])


async def _wait_http(port: int, wait_sec: float = 60.0) -> None:
    deadline = time.monotonic() + wait_sec
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the API did not start")


async def run(streams: int, api_clients: int, seconds: float, baseline_seconds: float) -> None:
    """The whole benchmark (prints its report)."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp), free_port()) as server:
        redis = create_redis(server.url)
        ops = OpsStore(redis)
        docs = [_market(i) for i in range(20)]
        books = {t: b for _, bs in docs for t, b in bs.items()}
        now = datetime.now(UTC)
        await ops.replace_all(find_opportunities([d for d, _ in docs], books, FEES, now), now)
        port = free_port()
        env = {
            **os.environ,
            "REDIS_URL": server.url,
            "API_PORT": str(port),
            "STREAM_MAX_CLIENTS": str(streams + 100),
            "LOG_LEVEL": "WARNING",
        }
        api = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dashboard_backend.api", env=env, stderr=subprocess.DEVNULL
        )
        try:
            await _wait_http(port)
            await asyncio.sleep(1.0)
            rss_before, conns_before = _rss_mb(api.pid), await _redis_clients(redis)
            baseline = await _traffic(port, api_clients, baseline_seconds)

            clients = [SseClient(HOST, port) for _ in range(streams)]
            opened = await asyncio.gather(*(c.connect() for c in clients), return_exceptions=True)
            stream_errors = sum(1 for s in opened if s != 200)
            readers = [asyncio.create_task(c.read_events()) for c in clients if c.status == 200]
            await asyncio.sleep(1.0)

            async def publish() -> int:
                sent = 0
                (doc, book), t = docs[0], datetime.now(UTC)
                for i in range(int(seconds)):
                    when = t + timedelta(seconds=i)
                    found = find_opportunities([doc], book, FEES, when) if i % 2 else {}
                    sent += len(await ops.apply_scoped([f"binary_buy_both:{doc.id}"], found, when))
                    await redis.publish(keys.POLL_UPDATES, json.dumps({"type": "poll", "n": i}))
                    sent += 1
                    await asyncio.sleep(1.0)
                return sent

            publisher = asyncio.create_task(publish())
            loaded = asyncio.create_task(_traffic(port, api_clients, seconds))
            await asyncio.sleep(seconds / 2)
            rss_during, conns_during = _rss_mb(api.pid), await _redis_clients(redis)
            under_load = await loaded
            published = await publisher
            await asyncio.sleep(2.0)  # last events in flight
            received = [
                sum(e.event in ("opportunity", "poll") for e in c.events)
                for c in clients
                if c.status == 200
            ]
            await asyncio.gather(*(c.close() for c in clients))
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            await asyncio.sleep(3.0)
            rss_after, conns_after = _rss_mb(api.pid), await _redis_clients(redis)
        finally:
            api.terminate()
            await asyncio.wait_for(api.wait(), 15)
            await redis.aclose()

    complete = sum(1 for n in received if n == published)
    ratio = (
        statistics.median(under_load.latencies) / statistics.median(baseline.latencies)
        if under_load.latencies and baseline.latencies
        else float("nan")
    )
    print(
        f"conditions: {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; API in its own process on loopback, "
        f"embedded Redis; {streams} streams, {api_clients} API clients, {seconds:.0f} s"
    )
    print(f"baseline (no streams)   /v1/opportunities: {baseline.summary()}")
    print(f"under load              /v1/opportunities: {under_load.summary()}")
    print(f"  latency ratio (median, load / baseline): {ratio:.2f}")
    print(
        f"streams: {len(received)} connected, {stream_errors} refused or failed; "
        f"{published} events published, {complete}/{len(received)} clients received every one "
        f"(min {min(received, default=0)}, max {max(received, default=0)})"
    )
    print(
        f"API RSS MB      before {rss_before:.0f} / during {rss_during:.0f} / after {rss_after:.0f}"
    )
    print(f"Redis clients   before {conns_before} / during {conns_during} / after {conns_after}")
    total_errors = baseline.errors + under_load.errors + stream_errors
    print(f"errors: {total_errors}")


def main(argv: list[str]) -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.bench load")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--api-clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    from dashboard_backend.api.__main__ import raise_open_files_limit

    raise_open_files_limit()  # this process holds every client socket
    asyncio.run(run(args.streams, args.api_clients, args.seconds, args.baseline_seconds))
