"""The replay server's Kalshi REST routes (trade API v2 wire format, under `/trade-api/v2`).

    GET /trade-api/v2/events?status=open&with_nested_markets=true&limit(<=200)[&cursor]
    GET /trade-api/v2/markets?status=open[&mve_filter=exclude][&event_ticker]&limit(<=1000)[&cursor]
    GET /trade-api/v2/markets/{ticker}/orderbook

Cursors are opaque strings; the last page answers `"cursor": ""`. Without `mve_filter=exclude`
the market listing starts with the recorded multivariate parlays, as the real one is dominated by
them. Listing prices are read from the current books (which the websocket script moves), so the
listing's top of book and `/orderbook` always agree. A `limit` out of range answers 400 like Kalshi.
Faults (`--faults 503@1+:/trade-api`) apply through the app's fault middleware.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard_backend.replay.kalshi_data import KalshiBook, KalshiDataset

PREFIX = "/trade-api/v2"
Raw = dict[str, Any]


class KalshiState:
    """The served Kalshi dataset and its books, shared by the REST routes and the websocket."""

    def __init__(self, data: KalshiDataset):
        self.data = data
        self.lock = threading.Lock()
        self.by_ticker: dict[str, Raw] = {str(m["ticker"]): m for m in data.markets}
        self.requests = 0

    def book(self, ticker: str) -> KalshiBook | None:
        """A market's current book."""
        return self.data.books.get(ticker)

    def market_json(self, market: Raw) -> Raw:
        """A market as listed now: its recorded fields with prices from its current book."""
        book = self.data.books.get(str(market["ticker"]))
        return {**market, **book.listing_prices()} if book is not None else market


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "bad_request", "message": message}}, status_code=status)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[2:]) if text.startswith("o:") and text[2:].isdigit() else None


def _page(
    request: Request,
    items: Sequence[Raw],
    maximum: int,
    key: str,
    state: KalshiState,
    nested: bool = False,
) -> Response:
    try:
        limit = int(request.query_params.get("limit", str(min(100, maximum))))
    except ValueError:
        return _error(400, "limit must be an integer")
    if not 1 <= limit <= maximum:
        return _error(400, f"limit must be between 1 and {maximum}")
    start = _offset(request.query_params.get("cursor"))
    if start is None:
        return _error(400, "invalid cursor")
    chunk = items[start : start + limit]
    end = start + len(chunk)
    with state.lock:
        if key == "events":
            body = [
                {**e, "markets": [state.market_json(m) for m in e["markets"]]}
                if nested
                else {k: v for k, v in e.items() if k != "markets"}
                for e in chunk
            ]
        else:
            body = [state.market_json(m) for m in chunk]
    return JSONResponse({key: body, "cursor": _cursor(end) if end < len(items) else ""})


def kalshi_routes(state: KalshiState) -> list[BaseRoute]:
    """The Kalshi REST routes over `state`."""
    data = state.data

    def _open(market: Raw) -> bool:
        return str(market.get("status")) in ("active", "open")

    async def read_events(request: Request) -> Response:
        state.requests += 1
        events = data.events
        if request.query_params.get("status") == "open":
            events = [e for e in events if any(_open(m) for m in e["markets"])]
        nested = request.query_params.get("with_nested_markets") == "true"
        return _page(request, events, 200, "events", state, nested=nested)

    async def read_markets(request: Request) -> Response:
        state.requests += 1
        params = request.query_params
        markets = data.markets
        if params.get("mve_filter") != "exclude":
            markets = [*data.parlays, *markets]
        if params.get("status") == "open":
            markets = [m for m in markets if _open(m)]
        event = params.get("event_ticker")
        if event:
            markets = [m for m in markets if m.get("event_ticker") == event]
        return _page(request, markets, 1000, "markets", state)

    async def read_orderbook(request: Request) -> Response:
        state.requests += 1
        ticker = request.path_params["ticker"]
        with state.lock:
            book = data.books.get(ticker)
            if book is None:
                if ticker not in state.by_ticker:
                    return JSONResponse(
                        {"error": {"code": "not_found", "message": "market not found"}},
                        status_code=404,
                    )
                book = KalshiBook()
            body = book.wire()
        return JSONResponse(body)

    return [
        Route(f"{PREFIX}/events", read_events),
        Route(f"{PREFIX}/markets", read_markets),
        Route(f"{PREFIX}/markets/{{ticker}}/orderbook", read_orderbook),
    ]
