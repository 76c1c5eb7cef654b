"""`/metrics`: the workers' counters (recorded in Redis) and the API's own, parsed as Prometheus does."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from dashboard_backend import keys
from dashboard_backend.errors import UpstreamError
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.metrics.exposition import Scrape, state_families
from dashboard_backend.metrics.names import POLL_DURATION, PREFIX, RECORDED
from dashboard_backend.metrics.store import MetricsRecorder, parse_field, series_field
from dashboard_backend.models import MatchEntry, Relation
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.matching import match_once
from dashboard_backend.workers.poller import CatalogPoller
from tests.matching_fixtures import direction, doc, embedding, seed
from tests.support_http import replay_settings, run_app

ACTIVE_200 = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(http: httpx.AsyncClient) -> Samples:
    """Every sample of /metrics, parsed by prometheus_client's own text parser."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def replay_url(shared_data: Path) -> Iterator[str]:
    with run_app(create_app(ReplayState.from_directory(shared_data / ACTIVE_200))) as url:
        yield url


async def poll(settings: Settings, redis: aioredis.Redis) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        await CatalogPoller(settings, redis, create_polymarket(settings, client)).poll_once()


async def test_poll_counters_move_and_state_gauges_follow(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str, replay_url: str
) -> None:
    before = await scrape(http)
    assert value(before, "pmarb_polls_total", venue="polymarket", outcome="ok") is None
    settings = replay_settings(replay_url, redis_url, pm_gamma_limit=200, enable_ws_ingest=False)
    await poll(settings, redis_client)
    first = await scrape(http)
    assert value(first, "pmarb_polls_total", venue="polymarket", outcome="ok") == 1
    await poll(settings, redis_client)
    second = await scrape(http)
    assert value(second, "pmarb_polls_total", venue="polymarket", outcome="ok") == 2
    assert value(second, "pmarb_poll_duration_seconds_count", venue="polymarket") == 2
    assert value(second, "pmarb_poll_duration_seconds_bucket", venue="polymarket", le="+Inf") == 2
    assert value(second, "pmarb_markets", venue="polymarket") == 200
    assert value(second, "pmarb_catalog_markets") == 200
    assert value(second, "pmarb_last_poll_timestamp_seconds", venue="polymarket") is not None
    snapshot = await OpsStore(redis_client).read_snapshot()
    counted = sum(v for (name, _), v in second.items() if name == "pmarb_opportunities")
    assert counted == len(snapshot) > 0
    kind = next(iter(snapshot.values())).kind
    assert (value(second, "pmarb_opportunities", venue="polymarket", kind=kind) or 0) >= 1


async def test_a_failed_poll_is_counted_as_failed(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = replay_settings(nowhere, redis_url, pm_max_retries=0)
    with pytest.raises(UpstreamError):
        await poll(settings, redis_client)
    samples = await scrape(http)
    assert value(samples, "pmarb_polls_total", venue="polymarket", outcome="failed") == 1


async def test_matching_pass_and_pairs_by_relation(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, redis_url: str
) -> None:
    docs = [
        doc("1", "Will Spain win on 2026-06-15?", event_title="Spain vs. Cape Verde"),
        doc(
            "2",
            "Spain vs Cape Verde Winner?",
            event_id="KXWCGAME-26JUN15ESPCPV",
            group_item="Spain",
        ),
        doc("3", "Will the Fed cut rates in June 2026?"),
    ]
    vectors = [direction(0), direction(5), direction(120)]
    await seed(redis_client, docs, [embedding(d, v) for d, v in zip(docs, vectors, strict=True)])
    await match_once(redis_client, Settings(redis_url=redis_url, similarity_threshold=0.9))
    samples = await scrape(http)
    assert value(samples, "pmarb_matching_pass_duration_seconds_count") == 1
    assert value(samples, "pmarb_pairs", relation="equivalent") == 1  # 1~2, stored both ways
    judged = MatchEntry(
        market_id="3", question="Other?", similarity=0.95, relation=Relation.INVERSE
    )
    await redis_client.hset(keys.CROSS_MATCHES, "3", dump_entries([]))
    await redis_client.hset(keys.CROSS_MATCHES, "1", dump_entries([judged]))
    unchanged = await scrape(http)  # counted once per matching run, not on every scrape
    assert value(unchanged, "pmarb_pairs", relation="equivalent") == 1
    assert value(unchanged, "pmarb_pairs", relation="inverse") is None
    await redis_client.hset(keys.STATUS_MATCHING, "lastRun", "2026-11-30T00:00:00+00:00")
    samples = await scrape(http)
    assert value(samples, "pmarb_pairs", relation="inverse") == 1
    assert value(samples, "pmarb_pairs", relation="equivalent") is None


async def test_http_latency_by_route_template_and_stream_clients(
    api_url: str, http: httpx.AsyncClient
) -> None:
    await http.get("/v1/opportunities")
    await http.get("/v1/market/nope")
    await http.get("/no/such/page")
    samples = await scrape(http)
    ok = value(
        samples,
        "pmarb_http_request_duration_seconds_count",
        method="GET",
        route="/v1/opportunities",
        status="200",
    )
    assert ok == 1
    missing = value(
        samples,
        "pmarb_http_request_duration_seconds_count",
        method="GET",
        route="/v1/market/{market_id}",
        status="404",
    )
    assert missing == 1
    assert (
        value(
            samples,
            "pmarb_http_request_duration_seconds_count",
            method="GET",
            route="unmatched",
            status="404",
        )
        == 1
    )
    assert value(samples, "pmarb_stream_clients") == 0
    async with (
        httpx.AsyncClient(base_url=api_url, timeout=10) as streamer,
        streamer.stream("GET", "/v1/stream") as response,
    ):
        lines = response.aiter_lines()  # kept: a dropped iterator closes the stream
        first = await anext(lines)
        if first.startswith("id: "):  # the hello carries the history position
            first = await anext(lines)
        assert first == "event: hello"
        assert value(await scrape(http), "pmarb_stream_clients") == 1
    for _ in range(50):  # the server notices the disconnect within its poll interval
        if value(await scrape(http), "pmarb_stream_clients") == 0:
            break
        await asyncio.sleep(0.1)
    assert value(await scrape(http), "pmarb_stream_clients") == 0


async def test_recorder_keeps_cumulative_histogram_buckets(redis_client: aioredis.Redis) -> None:
    recorder = MetricsRecorder(redis_client)
    for seconds in (0.3, 3.0, 400.0):
        await recorder.observe(POLL_DURATION, seconds, venue="polymarket")
    stored = await recorder.read()
    labels = {"venue": "polymarket"}
    assert stored[series_field(POLL_DURATION.name, {**labels, "le": "0.5"})] == 1
    assert stored[series_field(POLL_DURATION.name, {**labels, "le": "5.0"})] == 2
    assert stored[series_field(POLL_DURATION.name, {**labels, "le": "+Inf"})] == 3
    assert stored[series_field(POLL_DURATION.name, {**labels, "le": "300.0"})] == 2  # 400 > 300
    assert stored[series_field(POLL_DURATION.name + ":sum", labels)] == pytest.approx(403.3)
    name, labels = parse_field(series_field("x", {"venue": "a,b=c|d"}))
    assert (name, labels) == ("x", {"venue": "a_b_c_d"})


def test_every_metric_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    documented = set(re.findall(r"`(pmarb_\w+)`", readme))
    exposed = {
        PREFIX + spec.name + ("_total" if spec.kind == "counter" else "") for spec in RECORDED
    }
    families = list(state_families(Scrape()))
    exposed |= {f.name + ("_total" if f.type == "counter" else "") for f in families}
    exposed |= {"pmarb_http_request_duration_seconds", "pmarb_stream_clients"}
    assert exposed - documented == set()
