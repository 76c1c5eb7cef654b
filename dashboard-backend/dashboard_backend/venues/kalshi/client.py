"""Kalshi REST client: the catalog (events with nested markets, cursor pages) and order books.

Wire contract (what a stand-in must serve), under the base URL `.../trade-api/v2`:
- `GET /events?status=open&with_nested_markets=true&limit(<=200)[&cursor]` ->
  `{"events": [{event_ticker, series_ticker, title, category, mutually_exclusive, markets: [...]}],
  "cursor": "..."}`; the last page has an empty or null cursor.
- `GET /markets?status=open&mve_filter=exclude&limit(<=1000)[&cursor][&event_ticker]` ->
  `{"markets": [...], "cursor": "..."}` (without `mve_filter=exclude` it is mostly parlays).
- `GET /markets/{ticker}/orderbook` -> `{"orderbook_fp": {"yes_dollars": [[p, size]], "no_dollars":
  [...]}}`, bids only; 404 for an unknown ticker.

Every request passes a client-side token bucket (`aiolimiter`, KALSHI_RATE_LIMIT requests per
second shared by all of this client's requests), so bursts of order-book fetches stay inside the
venue's budget; 429 / 5xx / timeouts are still retried with backoff honouring `Retry-After`.
`iter_events` / `iter_markets` only paginate and yield raw dicts; parsing happens in `parse.py`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

import httpx
from aiolimiter import AsyncLimiter

from dashboard_backend.errors import ParseError, PermanentUpstreamError
from dashboard_backend.models import MarketDocument, OrderBook
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries
from dashboard_backend.venues.base import BooksResult, CatalogFetch
from dashboard_backend.venues.kalshi.parse import (
    MarketParseError,
    is_open,
    is_parlay,
    parse_event,
    parse_market,
    parse_orderbook,
    ticker_of,
)

log = logging.getLogger(__name__)

RawDict = dict[str, Any]
EVENTS_PAGE_MAX = 200
MARKETS_PAGE_MAX = 1000
# Order-book requests in flight at once (the limiter, not this, sets the pace).
BOOK_CONCURRENCY = 8


class KalshiClient:
    """Async client for Kalshi's public market data (a MarketSource and a BookSource)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        policy: RetryPolicy,
        rate_per_sec: float = 10.0,
        page_size: int = EVENTS_PAGE_MAX,
    ):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.page_size = max(1, min(page_size, EVENTS_PAGE_MAX))
        # Capacity 1 per 1/rate seconds: a steady pace, no burst above the budget.
        self.limiter = AsyncLimiter(1, 1.0 / rate_per_sec) if rate_per_sec > 0 else None
        self.requests = 0

    async def iter_events(self, pages: list[int] | None = None) -> AsyncGenerator[RawDict, None]:
        """Yield raw open events with nested markets, page by page (cursor pagination)."""
        params = {"status": "open", "with_nested_markets": "true", "limit": str(self.page_size)}
        async for item in self._paginate("/events", params, "events", pages):
            yield item

    async def iter_markets(
        self, event_ticker: str | None = None, pages: list[int] | None = None
    ) -> AsyncGenerator[RawDict, None]:
        """Yield raw open markets, parlays excluded upstream (`mve_filter=exclude`)."""
        params = {"status": "open", "mve_filter": "exclude", "limit": str(MARKETS_PAGE_MAX)}
        if event_ticker:
            params["event_ticker"] = event_ticker
        async for item in self._paginate("/markets", params, "markets", pages):
            yield item

    async def fetch_catalog(self, limit: int, offset: int = 0) -> CatalogFetch:
        """Up to `limit` open markets (whole events; parlays and closed markets left out)."""
        reasons: Counter[str] = Counter()
        docs: list[MarketDocument] = []
        filtered = 0
        pages: list[int] = [0]
        exhausted = True
        now = datetime.now(UTC)
        async with aclosing(self.iter_events(pages)) as events:
            async for event in events:
                parsed, bad = parse_event(event, now)
                reasons.update(bad)
                nested = event.get("markets")
                total = len(nested) if isinstance(nested, list) else 0
                filtered += max(0, total - len(parsed) - sum(bad.values()))
                docs.extend(parsed)
                if len(docs) >= limit:
                    exhausted = False
                    break
        for reason, count in sorted(reasons.items()):
            log.warning("kalshi: skipped %d malformed market(s): %s", count, reason)
        return CatalogFetch(
            markets=docs,
            skipped=sum(reasons.values()),
            skipped_reasons=dict(reasons),
            pages=pages[0],
            exhausted=exhausted,
            filtered=filtered,
        )

    async def fetch_markets(self, limit: int) -> tuple[list[MarketDocument], dict[str, int]]:
        """Up to `limit` open markets from `/markets` (no event context), with skip reasons."""
        reasons: Counter[str] = Counter()
        docs: list[MarketDocument] = []
        async with aclosing(self.iter_markets()) as markets:
            async for raw in markets:
                if is_parlay(raw) or not is_open(raw):
                    continue
                try:
                    docs.append(parse_market(raw))
                except MarketParseError as exc:
                    reasons[exc.reason] += 1
                    continue
                if len(docs) >= limit:
                    break
        return docs, dict(reasons)

    async def fetch_books(self, token_ids: Sequence[str]) -> BooksResult:
        """YES and NO books of the markets of these tokens, one request per market."""
        tickers: dict[str, None] = {}
        reasons: Counter[str] = Counter()
        for token in token_ids:
            try:
                tickers[ticker_of(token)[0]] = None
            except ParseError:
                reasons["not a kalshi token"] += 1
        gate = asyncio.Semaphore(BOOK_CONCURRENCY)

        async def one(ticker: str) -> tuple[OrderBook, OrderBook] | None:
            async with gate:
                return await self.fetch_orderbook(ticker)

        results = await asyncio.gather(*(one(t) for t in tickers), return_exceptions=True)
        books: dict[str, OrderBook] = {}
        wanted = set(token_ids)
        for _ticker, result in zip(tickers, results, strict=True):
            if isinstance(result, ParseError):
                reasons["malformed book"] += 1
                log.debug("kalshi: %s", result)
            elif isinstance(result, BaseException):
                raise result
            elif result is None:
                reasons["no book"] += 1
            else:
                books.update((b.token_id, b) for b in result if b.token_id in wanted)
        skipped = reasons["malformed book"] + reasons["not a kalshi token"]
        if skipped:
            log.warning("kalshi: skipped %d book(s) %s", skipped, dict(reasons))
        return BooksResult(
            books=books,
            skipped=skipped,
            requests=len(tickers),
            skipped_reasons=dict(reasons),
        )

    async def fetch_orderbook(self, ticker: str) -> tuple[OrderBook, OrderBook] | None:
        """One market's YES and NO books; None when Kalshi has no such market."""
        try:
            body = await self._get_json(f"/markets/{ticker}/orderbook", {})
        except PermanentUpstreamError as exc:
            if exc.status == 404:
                return None
            raise
        return parse_orderbook(body, ticker, timestamp=int(time.time() * 1000))

    async def _paginate(
        self, path: str, params: dict[str, str], key: str, pages: list[int] | None
    ) -> AsyncGenerator[RawDict, None]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            body = await self._get_json(path, query)
            if pages is not None:
                pages[0] += 1
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                log.warning("kalshi: malformed %s page; stopping the walk", path)
                return
            for item in items:
                if isinstance(item, dict):
                    yield item
            next_cursor = body.get("cursor") if isinstance(body, dict) else None
            if not items or not isinstance(next_cursor, str) or not next_cursor:
                return
            if next_cursor in seen:  # a cursor that loops would walk forever
                log.warning("kalshi: %s cursor repeated; stopping the walk", path)
                return
            seen.add(next_cursor)
            cursor = next_cursor

    async def _get_json(self, path: str, params: dict[str, str]) -> object:
        url = f"{self.base_url}{path}"

        async def call() -> httpx.Response:
            if self.limiter is not None:
                await self.limiter.acquire()
            self.requests += 1
            response = await self.http.get(url, params=params)
            raise_for_status(response)
            return response

        response = await with_retries(call, self.policy, f"kalshi GET {path}")
        try:
            body: object = response.json()
        except ValueError:
            return None
        return body
