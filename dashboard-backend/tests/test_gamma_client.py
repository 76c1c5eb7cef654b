"""GammaClient against a real HTTP stand-in on loopback speaking Gamma's wire shapes."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dashboard_backend.errors import PermanentUpstreamError
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.venues.polymarket.gamma import GammaClient, PageStats
from dashboard_backend.venues.polymarket.gamma_parse import parse_market
from tests.support_http import run_app

FAST = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01)
ACTIVE_200 = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"


@dataclass
class Fault:
    """A scripted answer for the next request to a path: status, slow reply or garbage."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: str | None = None


@dataclass
class GammaStandIn:
    """A Gamma stand-in: offset listing (422 past the ceiling), keyset, tags, events."""

    markets: list[dict[str, Any]]
    offset_ceiling: int = 2100
    tags: dict[str, str] = field(default_factory=dict)  # slug -> id
    tag_members: dict[str, set[str]] = field(default_factory=dict)  # tag id -> market ids
    events: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    requests: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def calls(self, path: str) -> list[dict[str, list[str]]]:
        """Query parameters (multi-valued) of every request made to `path`."""
        out = []
        for p, query in self.requests:
            if p == path:
                params: dict[str, list[str]] = {}
                for k, v in query:
                    params.setdefault(k, []).append(v)
                out.append(params)
        return out

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests to `path` with these faults, in order."""
        self.faults.setdefault(path, deque()).extend(faults)

    def listing(self, request: Request) -> list[dict[str, Any]]:
        q = request.query_params
        # Non-dict rows are kept as they are: they stand for garbage inside a listing.
        rows = [
            m
            for m in self.markets
            if not isinstance(m, dict)
            or (
                not (q.get("closed") == "false" and m.get("closed"))
                and not (q.get("active") == "true" and m.get("active") is False)
            )
        ]
        if "tag_id" in q:
            members = self.tag_members.get(q["tag_id"], set())
            rows = [m for m in rows if isinstance(m, dict) and m["id"] in members]
        if q.get("order") == "volume24hr":
            rows.sort(key=_volume, reverse=q.get("ascending") != "true")
        return rows

    def app(self) -> Starlette:
        async def guard(request: Request) -> Response | None:
            self.requests.append((request.url.path, list(request.query_params.multi_items())))
            queue = self.faults.get(request.url.path)
            if not queue:
                return None
            fault = queue.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.body is not None:
                return PlainTextResponse(fault.body, status_code=fault.status)
            if fault.status != 200:
                return JSONResponse({"error": "scripted"}, fault.status, fault.headers)
            return None

        async def markets(request: Request) -> Response:
            if (early := await guard(request)) is not None:
                return early
            offset = int(request.query_params.get("offset", "0"))
            limit = int(request.query_params.get("limit", "20"))
            if offset >= self.offset_ceiling:
                return JSONResponse({"error": "offset too large, use keyset"}, 422)
            return JSONResponse(self.listing(request)[offset : offset + limit])

        async def markets_keyset(request: Request) -> Response:
            if (early := await guard(request)) is not None:
                return early
            q = request.query_params
            limit = int(q.get("limit", "20"))
            if "offset" in q or limit > 100:
                return JSONResponse({"error": "offset not allowed / limit <= 100"}, 422)
            start = int(base64.b64decode(q["after_cursor"])) if "after_cursor" in q else 0
            rows = self.listing(request)
            page: dict[str, Any] = {"markets": rows[start : start + limit]}
            if start + limit < len(rows):
                page["next_cursor"] = base64.b64encode(str(start + limit).encode()).decode()
            return JSONResponse(page)

        async def tag_by_slug(request: Request) -> Response:
            if (early := await guard(request)) is not None:
                return early
            slug = request.path_params["slug"]
            if slug not in self.tags:
                return JSONResponse({"error": "not found"}, 404)
            return JSONResponse({"id": self.tags[slug], "label": slug.title(), "slug": slug})

        async def events(request: Request) -> Response:
            if (early := await guard(request)) is not None:
                return early
            wanted = set(request.query_params.getlist("id"))
            return JSONResponse([e for e in self.events if e["id"] in wanted])

        return Starlette(
            routes=[
                Route("/markets", markets),
                Route("/markets/keyset", markets_keyset),
                Route("/tags/slug/{slug}", tag_by_slug),
                Route("/events", events),
            ]
        )


def _volume(market: Any) -> float:
    return float(market.get("volume24hr") or 0) if isinstance(market, dict) else 0.0


def recorded(shared_data: Path) -> list[dict[str, Any]]:
    markets: list[dict[str, Any]] = json.loads((shared_data / ACTIVE_200).read_text())["markets"]
    return markets


# The fields parse_market reads: lean copies keep big listings quick to serve.
PARSED_KEYS = [
    "id",
    "question",
    "conditionId",
    "slug",
    "outcomes",
    "outcomePrices",
    "clobTokenIds",
    "endDate",
    "active",
    "closed",
    "enableOrderBook",
    "negRisk",
    "negRiskMarketID",
    "negRiskOther",
    "liquidity",
    "volume",
    "volume24hr",
    "bestBid",
    "bestAsk",
    "orderPriceMinTickSize",
    "orderMinSize",
    "feesEnabled",
    "acceptingOrders",
    "groupItemTitle",
]


def synthetic(base: list[dict[str, Any]], n: int, lean: bool = False) -> list[dict[str, Any]]:
    """`n` copies of recorded markets with unique ids/tokens and strictly falling volume24hr."""
    out = []
    for i in range(n):
        source = base[i % len(base)]
        m = {k: source[k] for k in PARSED_KEYS if k in source} if lean else copy.copy(source)
        m["id"] = f"s{i}"
        m["conditionId"] = f"0xc{i}"
        m["clobTokenIds"] = json.dumps([f"{i}1", f"{i}2"])
        m["volume24hr"] = float(n - i)
        m["negRisk"] = False
        out.append(m)
    return out


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


async def test_paginates_across_pages_in_volume_order(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 260))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(250)
    assert [d.id for d in result.markets] == [f"s{i}" for i in range(250)]
    calls = stand_in.calls("/markets")
    assert [c["offset"] for c in calls] == [["0"], ["100"], ["200"]]
    for c in calls:
        assert c["active"] == ["true"]
        assert c["closed"] == ["false"]
        assert c["order"] == ["volume24hr"]
        assert c["ascending"] == ["false"]
        assert c["limit"] == ["100"]
    assert result.pages == 3
    assert result.skipped == 0
    assert result.exhausted is False
    assert result.next_offset == 250


async def test_recorded_page_round_trips(shared_data: Path, http: httpx.AsyncClient) -> None:
    raw = recorded(shared_data)
    stand_in = GammaStandIn(raw)
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=50).fetch_markets(200)
    expected = sorted(raw, key=lambda m: m["volume24hr"], reverse=True)
    assert [d.id for d in result.markets] == [m["id"] for m in expected]
    first = result.markets[0]
    assert first.model_dump(exclude={"updated_at", "event_market_ids"}) == parse_market(
        expected[0]
    ).model_dump(exclude={"updated_at", "event_market_ids"})
    assert result.pages == 4


async def test_short_page_ends_the_walk(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 150))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(1000)
    assert len(result.markets) == 150
    assert [c["offset"] for c in stand_in.calls("/markets")] == [["0"], ["100"]]
    assert result.exhausted is True
    assert stand_in.calls("/markets/keyset") == []


async def test_offset_start_for_rolling_windows(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 300))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(100, [], 100)
    assert [d.id for d in result.markets] == [f"s{i}" for i in range(100, 200)]
    assert stand_in.calls("/markets")[0]["offset"] == ["100"]
    assert result.next_offset == 200


async def test_422_at_offset_ceiling_switches_to_keyset(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    # The stand-in refuses offsets from 300 on; the client only learns it from the 422.
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 450), offset_ceiling=300)
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(1000)
    assert [d.id for d in result.markets] == [f"s{i}" for i in range(450)]
    assert [c["offset"] for c in stand_in.calls("/markets")] == [["0"], ["100"], ["200"], ["300"]]
    keyset = stand_in.calls("/markets/keyset")
    assert len(keyset) == 5
    assert "after_cursor" not in keyset[0]
    assert all("after_cursor" in c for c in keyset[1:])
    assert all("offset" not in c and c["order"] == ["volume24hr"] for c in keyset)
    assert result.exhausted is True


async def test_limit_beyond_2100_uses_keyset_without_hitting_422(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 2350, lean=True))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(2300)
    assert len(result.markets) == 2300
    assert [d.id for d in result.markets] == [f"s{i}" for i in range(2300)]
    offsets = [int(c["offset"][0]) for c in stand_in.calls("/markets")]
    assert offsets == list(range(0, 2100, 100))
    assert len(stand_in.calls("/markets/keyset")) == 23  # walks from the start to 2300
    assert result.pages == 21 + 23


async def test_retry_after_is_honoured(
    shared_data: Path, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 50))
    stand_in.fail("/markets", Fault(status=429, headers={"Retry-After": "0"}))
    # A 30 s backoff would blow the test's time budget: only Retry-After: 0 lets it through.
    slow = RetryPolicy(max_retries=2, base_delay=30.0, max_delay=30.0)
    with caplog.at_level(logging.WARNING), run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, slow, page_size=100).fetch_markets(50)
    assert len(result.markets) == 50
    assert len(stand_in.calls("/markets")) == 2
    assert any(
        "HTTP 429" in r.getMessage() and "in 0.00s" in r.getMessage() for r in caplog.records
    )


async def test_500_then_success(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 150))
    stand_in.fail("/markets", Fault(status=200), Fault(status=500), Fault(status=502))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(150)
    assert len(result.markets) == 150
    assert [c["offset"] for c in stand_in.calls("/markets")] == [["0"], ["100"], ["100"], ["100"]]


async def test_timeout_then_success(shared_data: Path) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 20))
    stand_in.fail("/markets", Fault(delay=1.0))
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as http:
        with run_app(stand_in.app()) as url:
            result = await GammaClient(http, url, FAST).fetch_markets(20)
    assert len(result.markets) == 20
    assert len(stand_in.calls("/markets")) == 2


async def test_retries_exhausted_raise(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = GammaStandIn(synthetic(recorded(shared_data), 20))
    stand_in.fail("/markets", *[Fault(status=503)] * 10)
    with run_app(stand_in.app()) as url, pytest.raises(PermanentUpstreamError, match="giving up"):
        await GammaClient(http, url, FAST).fetch_markets(20)
    assert len(stand_in.calls("/markets")) == FAST.max_retries + 1


async def test_malformed_markets_skipped_counted_and_logged(
    shared_data: Path, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    good = synthetic(recorded(shared_data), 10)
    bad: list[Any] = [
        {**good[0], "id": "b1", "clobTokenIds": "[not json"},
        {**good[0], "id": "b2", "clobTokenIds": '["1"]'},
        {**good[0], "id": "b3", "question": None},
        {**good[0], "id": "b4", "outcomes": '["Yes", "No"]', "clobTokenIds": '["9", "8"]'},
        {**good[0], "id": "b5", "clobTokenIds": '["x"]'},
    ]
    bad[3]["enableOrderBook"] = False  # well-formed but not tradeable on the CLOB: filtered
    for i, m in enumerate(bad):
        m["volume24hr"] = 100.5 + i
    stand_in = GammaStandIn([*bad, *good])
    stand_in.markets.append(["not", "a", "market"])  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING), run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(100)
    assert [d.id for d in result.markets] == [m["id"] for m in good]
    assert result.skipped_reasons == {
        "clobTokenIds is not valid JSON": 1,
        "outcomes and clobTokenIds differ in length": 2,
        "missing question": 1,
        "not an object": 1,
    }
    assert result.skipped == 5
    assert result.filtered == 1
    lines = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(lines) == 4
    assert any("skipped 2 malformed market(s): outcomes and clobTokenIds" in m for m in lines)
    assert all("Traceback" not in m for m in lines)


async def test_malformed_and_wrapped_pages(shared_data: Path, http: httpx.AsyncClient) -> None:
    markets = synthetic(recorded(shared_data), 250)
    stand_in = GammaStandIn(markets)
    wrapped = json.dumps({"data": markets[100:200]})
    stand_in.fail("/markets", Fault(body="<html>cloudflare</html>"), Fault(body=wrapped))
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(300)
    # Page 1 was garbage (lost), page 2 came wrapped, page 3 was a short bare list.
    assert [d.id for d in result.markets] == [m["id"] for m in markets[100:]]
    assert result.malformed_pages == 1
    assert result.pages == 3


async def test_duplicates_across_pages_yielded_once(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    markets = synthetic(recorded(shared_data), 200)
    stand_in = GammaStandIn(markets)
    # A market that moved up between two page requests shows up on both pages.
    stand_in.fail(
        "/markets", Fault(status=200), Fault(body=json.dumps([markets[99], *markets[101:200]]))
    )
    with run_app(stand_in.app()) as url:
        client = GammaClient(http, url, FAST, page_size=100)
        ids = [m["id"] async for m in client.iter_markets(None, stats=PageStats())]
    assert len(ids) == len(set(ids)) == 199


def tagged_stand_in(markets: list[dict[str, Any]]) -> GammaStandIn:
    """Politics = even-numbered markets, crypto = multiples of 3."""
    return GammaStandIn(
        markets,
        tags={"politics": "2", "crypto": "21"},
        tag_members={
            "2": {m["id"] for i, m in enumerate(markets) if i % 2 == 0},
            "21": {m["id"] for i, m in enumerate(markets) if i % 3 == 0},
        },
    )


async def test_tag_filter_resolved_and_sent_upstream(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    markets = synthetic(recorded(shared_data), 300)
    stand_in = tagged_stand_in(markets)
    with run_app(stand_in.app()) as url:
        client = GammaClient(http, url, FAST, page_size=100)
        result = await client.fetch_markets(120, ["politics"])
        again = await client.fetch_markets(10, ["politics"])
    assert [d.id for d in result.markets] == [f"s{i}" for i in range(0, 240, 2)]
    assert len(again.markets) == 10
    assert len(stand_in.calls("/tags/slug/politics")) == 1  # resolved once, then cached
    assert all(c["tag_id"] == ["2"] for c in stand_in.calls("/markets"))


async def test_several_tags_merge_by_volume_without_duplicates(
    shared_data: Path, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    markets = synthetic(recorded(shared_data), 300)
    stand_in = tagged_stand_in(markets)
    with caplog.at_level(logging.ERROR), run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=50).fetch_markets(
            100, ["politics", "crypto", "no-such-tag"]
        )
    expected = [f"s{i}" for i in range(300) if i % 2 == 0 or i % 3 == 0][:100]
    assert [d.id for d in result.markets] == expected
    assert {c["tag_id"][0] for c in stand_in.calls("/markets")} == {"2", "21"}
    assert any("no-such-tag" in r.getMessage() for r in caplog.records)


async def test_numeric_tag_ids_and_unknown_tags(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = tagged_stand_in(synthetic(recorded(shared_data), 30))
    with run_app(stand_in.app()) as url:
        client = GammaClient(http, url, FAST)
        result = await client.fetch_markets(100, ["21"])
        with pytest.raises(PermanentUpstreamError, match="nope"):
            await client.fetch_markets(100, ["nope"])
    assert len(result.markets) == 10
    assert stand_in.calls("/tags/slug/21") == []


async def test_neg_risk_event_membership_from_events(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    raw = recorded(shared_data)
    event_id = raw[0]["events"][0]["id"]
    members = [m for m in raw if m["events"][0]["id"] == event_id]
    assert len(members) >= 2
    nested = [{"id": m["id"], "closed": False} for m in members]
    nested.append({"id": "resolved-already", "closed": True})
    nested.append({"id": "not-in-listing", "closed": False})
    stand_in = GammaStandIn(raw, events=[{"id": event_id, "markets": nested}])
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(200)
    expected = (*(m["id"] for m in members), "not-in-listing")
    by_id = {d.id: d for d in result.markets}
    for m in members:
        assert by_id[m["id"]].event_market_ids == expected
    other = next(d for d in result.markets if d.neg_risk and d.event_id != event_id)
    assert other.event_market_ids == ()  # the stand-in does not know that event
    event_calls = stand_in.calls("/events")
    asked = [i for c in event_calls for i in c["id"]]
    assert event_id in asked
    assert len(asked) == len(set(asked))
    assert all(len(c["id"]) <= 50 for c in event_calls)
    assert not any(d.event_market_ids for d in result.markets if not d.neg_risk)


async def test_event_fetch_failure_leaves_membership_unknown(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    stand_in = GammaStandIn(recorded(shared_data))
    stand_in.fail("/events", *[Fault(status=500)] * 10)
    with run_app(stand_in.app()) as url:
        result = await GammaClient(http, url, FAST, page_size=100).fetch_markets(200)
    assert len(result.markets) == 200
    assert all(d.event_market_ids == () for d in result.markets)
