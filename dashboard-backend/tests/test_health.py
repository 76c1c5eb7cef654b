"""/healthz tells the truth: ok / degraded (with reasons) / down, from real status hashes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.health import HealthInputs, VenueStatus, assess
from dashboard_backend.status import ProcessRecord, write_processes, write_status
from dashboard_backend.venues.registry import venue_specs

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
HEALTHY_POLLER = {"lastPoll": (NOW - timedelta(seconds=20)).isoformat()}
LIVE_WS = {"connected": "true", "updatedAt": (NOW - timedelta(seconds=1)).isoformat()}


def verdict(
    poller: dict[str, str] | None = None,
    ws: dict[str, str] | None = None,
    ws_expected: bool = True,
    **overrides: object,
) -> tuple[str, list[str]]:
    venue = VenueStatus(
        "Polymarket",
        HEALTHY_POLLER if poller is None else poller,
        LIVE_WS if ws is None else ws,
        ws_expected,
    )
    base: dict[str, object] = {
        "now": NOW,
        "poll_interval_sec": 60.0,
        "catalog_size": 100,
        "venues": {"polymarket": venue},
    }
    base.update(overrides)
    status, problems = assess(HealthInputs(**base))  # type: ignore[arg-type]
    return status, [p.message for p in problems]


def test_everything_fresh_is_ok() -> None:
    assert verdict() == ("ok", [])


def test_an_unreachable_venue_is_degraded_with_since_when() -> None:
    failing = {
        **HEALTHY_POLLER,
        "failingSince": datetime(2026, 11, 24, 10, 42, tzinfo=UTC).isoformat(),
        "lastError": "GET /markets -> HTTP 503",
    }
    status, messages = verdict(poller=failing)
    assert status == "degraded"
    assert messages == [
        "Polymarket unreachable since 10:42 UTC — retrying (GET /markets -> HTTP 503)"
    ]
    # With nothing in the catalog either, nothing can be served: down.
    assert verdict(poller=failing, catalog_size=0)[0] == "down"


def test_stale_polls_dropped_feeds_and_failed_embedding_runs_are_named() -> None:
    old_poll = {"lastPoll": (NOW - timedelta(minutes=10)).isoformat()}
    assert verdict(poller=old_poll)[1] == ["no Polymarket poll since 10:40 UTC"]
    assert verdict(poller={})[1] == ["waiting for the first Polymarket poll"]
    dropped = {**LIVE_WS, "connected": "false"}
    assert verdict(ws=dropped)[1] == ["Polymarket live feed disconnected — reconnecting"]
    silent = {"connected": "true", "updatedAt": (NOW - timedelta(minutes=1)).isoformat()}
    assert verdict(ws=silent)[1] == ["Polymarket live feed not reporting since 10:49 UTC"]
    assert verdict(ws=dropped, ws_expected=False)[0] == "ok"
    failed = {"ok": "0", "lastError": "HTTP 401 invalid key"}
    assert verdict(embedding=failed)[1] == ["the last embedding run failed: HTTP 401 invalid key"]
    broken = {"lastError": "ResponseError: OOM command not allowed"}
    assert verdict(matching=broken)[1] == [
        "the last matching pass failed: ResponseError: OOM command not allowed"
    ]
    assert verdict(matching={"lastError": ""})[0] == "ok"


def test_process_records_say_what_stopped_and_what_restarts() -> None:
    stopped = ProcessRecord(
        name="embedding",
        state="stopped",
        exit_code=2,
        reason="embedding worker stopped: 404 unknown model",
        needs_operator=True,
        updated_at=NOW.timestamp(),
    )
    restarting = ProcessRecord(
        name="matching", state="restarting", exit_code=1, restarts=3, updated_at=NOW.timestamp()
    )
    records = {r.name: r.to_json() for r in (stopped, restarting)}
    status, messages = verdict(processes=records)
    assert status == "degraded"
    assert messages == [
        "embedding stopped: needs an operator: embedding worker stopped: 404 unknown model",
        "matching exited with 1 and is being restarted (restart 3)",
    ]
    stale = ProcessRecord(
        name="api", state="running", updated_at=(NOW - timedelta(minutes=2)).timestamp()
    )
    assert verdict(processes={"api": stale.to_json()})[1] == [
        "the supervisor has not reported since 10:48 UTC; processes are not being watched"
    ]


def test_malformed_status_values_are_read_as_absent() -> None:
    garbage = {"lastPoll": "yesterday", "failingSince": "12", "lastError": ""}
    assert verdict(poller=garbage)[1] == ["waiting for the first Polymarket poll"]
    assert verdict(processes={"x": "{not json", "y": "[1, 2]"})[0] == "ok"


async def test_healthz_reports_a_degraded_product_and_the_page_reasons(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    now = datetime.now(UTC)
    for spec in venue_specs():
        await write_status(redis_client, keys.status_poller(spec.name), lastPoll=now.isoformat())
    await write_status(
        redis_client, keys.status_ws("polymarket"), connected="true", updatedAt=now.isoformat()
    )
    await redis_client.hset(keys.CATALOG, "1", "{}")
    body = (await http.get("/healthz")).json()
    assert (body["status"], body["ok"], body["problems"]) == ("ok", True, [])
    await write_processes(
        redis_client,
        [
            ProcessRecord(
                name="embedding",
                state="stopped",
                exit_code=2,
                needs_operator=True,
                reason="error: OPENAI_BASE_URL answered 404",
                updated_at=now.timestamp(),
            )
        ],
    )
    await write_status(
        redis_client,
        keys.status_poller("polymarket"),
        failingSince=now.isoformat(),
        lastError="timeout",
    )
    response = await http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["ok"] is False
    assert [p["component"] for p in body["problems"]] == ["embedding", "poller:polymarket"]
    assert body["processes"]["embedding"]["needsOperator"] is True
    assert body["venues"]["polymarket"]["failingSince"] == now.isoformat()


async def test_wrong_types_and_garbage_in_status_keys_never_give_a_5xx(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    await redis_client.set(keys.CROSS_MATCHES, "not a hash")
    await redis_client.rpush(keys.status_poller("polymarket"), "a list")
    await write_status(redis_client, keys.STATUS_MATCHING, pairs="many", lastDuration="nan")
    await redis_client.hset(keys.STATUS_PROCESSES, "api", "{broken")
    response = await http.get("/healthz")
    assert response.status_code in (200, 503)
    body = response.json()
    assert body["marketsWithMatches"] == 0
    assert body["pairs"] is None
    assert body["lastMatchingDurationSec"] is None
    assert body["processes"] == {}


async def test_a_thousand_concurrent_probes_share_a_few_reads(
    api_url: str, redis_client: aioredis.Redis
) -> None:
    def hgetall_calls(stats: dict[str, object]) -> int:
        entry = stats.get("cmdstat_hgetall", {})
        return int(entry.get("calls", 0)) if isinstance(entry, dict) else 0

    parts = urlsplit(api_url)
    host, port = str(parts.hostname), int(parts.port or 80)

    async def probe() -> int:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        response = await reader.read()
        writer.close()
        head, _, body = response.partition(b"\r\n\r\n")
        assert json.loads(body)["redis"] is True
        return int(head.split()[1])

    before = hgetall_calls(await redis_client.info("commandstats"))
    statuses = await asyncio.gather(*(probe() for _ in range(1000)))
    assert set(statuses) == {200}
    reads = hgetall_calls(await redis_client.info("commandstats")) - before
    assert reads <= 5 * 50  # five status hashes per computation; far fewer than 1000 computations
