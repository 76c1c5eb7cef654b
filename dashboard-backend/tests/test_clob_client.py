"""ClobClient against a real HTTP stand-in on loopback speaking the CLOB's book shapes."""

from __future__ import annotations

import asyncio
import copy
import json
import math
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
from dashboard_backend.venues.polymarket.clob import ClobClient
from tests.support_http import run_app

FAST = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01)


@dataclass
class ClobStandIn:
    """Serves `POST /books` and `GET /book` from a token -> raw book map."""

    books: dict[str, Any]
    extra: list[Any] = field(default_factory=list)  # appended to every /books answer
    script: deque[Response] = field(default_factory=deque)  # next answers, before the real one
    batches: list[list[str]] = field(default_factory=list)
    book_calls: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        async def post_books(request: Request) -> Response:
            body = await request.json()
            self.batches.append([entry["token_id"] for entry in body])
            if self.script:
                return self.script.popleft()
            found = [self.books[e["token_id"]] for e in body if e["token_id"] in self.books]
            return JSONResponse([*found, *self.extra])

        async def get_book(request: Request) -> Response:
            token = request.query_params["token_id"]
            self.book_calls.append(token)
            if self.script:
                return self.script.popleft()
            if token not in self.books:
                return JSONResponse(
                    {"error": "No orderbook exists for the requested token id"}, 404
                )
            return JSONResponse(self.books[token])

        return Starlette(
            routes=[Route("/books", post_books, methods=["POST"]), Route("/book", get_book)]
        )


def live_book(shared_data: Path) -> dict[str, Any]:
    book: dict[str, Any] = json.loads(
        (shared_data / "henryzhao_live_fixtures/poly_book.json").read_text()
    )
    return book


def books_for(template: dict[str, Any], tokens: list[str]) -> dict[str, Any]:
    """The recorded live book (bids ascending, asks descending) re-labelled per token."""
    out = {}
    for t in tokens:
        book = copy.deepcopy(template)
        book["asset_id"] = t
        out[t] = book
    return out


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        yield client


async def test_books_fetched_in_batches_and_sorted(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    tokens = [f"tok{i}" for i in range(250)]
    with_books = tokens[:240]  # the last ten have no book: simply absent
    stand_in = ClobStandIn(books_for(live_book(shared_data), with_books))
    with run_app(stand_in.app()) as url:
        result = await ClobClient(http, url, FAST, batch_size=100).fetch_books(tokens + tokens[:5])
    assert len(stand_in.batches) == math.ceil(250 / 100) == result.requests
    assert sorted(len(b) for b in stand_in.batches) == [50, 100, 100]
    assert sorted(t for b in stand_in.batches for t in b) == sorted(tokens)
    assert set(result.books) == set(with_books)
    assert result.skipped == 0
    book = result.books["tok7"]
    # Sort-order trap: recorded best levels are the LAST entries; parsed best is first.
    assert (book.best_bid, book.best_ask) == (0.17, 0.21)
    assert (book.tick_size, book.min_order_size) == (0.01, 5.0)


async def test_malformed_entries_skipped_and_counted(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    tokens = ["a", "b", "c"]
    books = books_for(live_book(shared_data), tokens)
    books["b"]["bids"] = "broken"
    garbage = ["junk", {"bids": []}, {**books["a"], "asset_id": "not-asked-for"}]
    stand_in = ClobStandIn(books, extra=garbage)
    with run_app(stand_in.app()) as url:
        result = await ClobClient(http, url, FAST, batch_size=10).fetch_books(tokens)
    assert set(result.books) == {"a", "c"}
    assert result.skipped == 4
    assert result.skipped_reasons == {"malformed book": 3, "unrequested token": 1}


async def test_malformed_batch_counted_not_fatal(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    tokens = [f"t{i}" for i in range(4)]
    stand_in = ClobStandIn(books_for(live_book(shared_data), tokens))
    stand_in.script.append(PlainTextResponse("<html>oops</html>"))
    with run_app(stand_in.app()) as url:
        result = await ClobClient(http, url, FAST, batch_size=2, concurrency=1).fetch_books(tokens)
    assert result.malformed_batches == 1
    assert set(result.books) == {"t2", "t3"}


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_books_retried_then_succeed(
    shared_data: Path, http: httpx.AsyncClient, status: int
) -> None:
    tokens = ["x", "y"]
    stand_in = ClobStandIn(books_for(live_book(shared_data), tokens))
    stand_in.script.append(JSONResponse({"error": "busy"}, status, {"Retry-After": "0"}))
    with run_app(stand_in.app()) as url:
        result = await ClobClient(http, url, FAST).fetch_books(tokens)
    assert set(result.books) == {"x", "y"}
    assert len(stand_in.batches) == 2


async def test_books_timeout_then_success(shared_data: Path) -> None:
    tokens = ["x"]
    stand_in = ClobStandIn(books_for(live_book(shared_data), tokens))

    slow_once: list[bool] = []
    app = stand_in.app()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not slow_once:
            slow_once.append(True)
            await asyncio.sleep(1.0)
        await app(scope, receive, send)

    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as http:
        with run_app(slow_app) as url:
            result = await ClobClient(http, url, FAST).fetch_books(tokens)
    assert set(result.books) == {"x"}


async def test_batch_failing_after_retries_raises(
    shared_data: Path, http: httpx.AsyncClient
) -> None:
    stand_in = ClobStandIn(books_for(live_book(shared_data), ["x"]))
    stand_in.script.extend(JSONResponse({"error": "down"}, 500) for _ in range(10))
    with run_app(stand_in.app()) as url, pytest.raises(PermanentUpstreamError, match="giving up"):
        await ClobClient(http, url, FAST).fetch_books(["x"])


async def test_no_tokens_no_requests(http: httpx.AsyncClient) -> None:
    stand_in = ClobStandIn({})
    with run_app(stand_in.app()) as url:
        result = await ClobClient(http, url, FAST).fetch_books([])
    assert result.books == {}
    assert stand_in.batches == []


async def test_fetch_single_book(shared_data: Path, http: httpx.AsyncClient) -> None:
    stand_in = ClobStandIn(books_for(live_book(shared_data), ["x"]))
    with run_app(stand_in.app()) as url:
        client = ClobClient(http, url, FAST)
        book = await client.fetch_book("x")
        missing = await client.fetch_book("nope")
    assert book is not None
    assert (book.token_id, book.best_bid, book.best_ask) == ("x", 0.17, 0.21)
    assert missing is None
    assert stand_in.book_calls == ["x", "nope"]
