"""CLOB client: order books by token, batched through `POST /books`.

Wire contract (what a stand-in must serve):
- `POST /books` with JSON body `[{"token_id": "..."}, ...]` -> JSON array of books
  `{market, asset_id, timestamp, hash, bids:[{price,size}], asks:[{price,size}], min_order_size,
  tick_size, neg_risk, last_trade_price}`; tokens without a book are simply absent.
- `GET /book?token_id=...` -> one such book; 404 when the token has no book.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx

from dashboard_backend.errors import ParseError, PermanentUpstreamError
from dashboard_backend.models import OrderBook
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries
from dashboard_backend.venues.base import BooksResult
from dashboard_backend.venues.polymarket.clob_parse import parse_book_counted

log = logging.getLogger(__name__)

# Batches in flight at once: enough to hide latency, well inside the /books rate limit.
DEFAULT_CONCURRENCY = 4


class ClobClient:
    """Async client for Polymarket's CLOB order books."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        policy: RetryPolicy,
        batch_size: int = 100,
        concurrency: int = DEFAULT_CONCURRENCY,
    ):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.batch_size = max(1, batch_size)
        self.concurrency = max(1, concurrency)

    async def fetch_books(self, token_ids: Sequence[str]) -> BooksResult:
        """Books for these tokens via `POST /books` in batches; a failed batch raises."""
        tokens = list(dict.fromkeys(t for t in token_ids if t))
        batches = [tokens[i : i + self.batch_size] for i in range(0, len(tokens), self.batch_size)]
        gate = asyncio.Semaphore(self.concurrency)

        async def run(batch: list[str]) -> object:
            async with gate:
                return await self._post_books(batch)

        bodies = await asyncio.gather(*(run(b) for b in batches))
        books: dict[str, OrderBook] = {}
        reasons: dict[str, int] = {}
        dropped = malformed = 0
        for batch, body in zip(batches, bodies, strict=True):
            if not isinstance(body, list):
                malformed += 1
                continue
            wanted = set(batch)
            for entry in body:
                try:
                    parsed = parse_book_counted(entry)
                except ParseError as exc:
                    key = "malformed book"
                    reasons[key] = reasons.get(key, 0) + 1
                    log.debug("clob: %s", exc)
                    continue
                if parsed.book.token_id not in wanted:
                    reasons["unrequested token"] = reasons.get("unrequested token", 0) + 1
                    continue
                books[parsed.book.token_id] = parsed.book
                dropped += parsed.dropped_levels
        skipped = sum(reasons.values())
        if skipped or malformed:
            log.warning(
                "clob: skipped %d book entr(ies) %s, %d malformed batch(es)",
                skipped,
                reasons,
                malformed,
            )
        return BooksResult(
            books=books,
            skipped=skipped,
            requests=len(batches),
            dropped_levels=dropped,
            malformed_batches=malformed,
            skipped_reasons=reasons,
        )

    async def fetch_book(self, token_id: str) -> OrderBook | None:
        """One token's book via `GET /book`; None when the CLOB has no book for it."""
        url = f"{self.base_url}/book"

        async def call() -> httpx.Response:
            response = await self.http.get(url, params={"token_id": token_id})
            raise_for_status(response)
            return response

        try:
            response = await with_retries(call, self.policy, "GET /book")
        except PermanentUpstreamError as exc:
            if exc.status == 404:
                return None
            raise
        try:
            body = response.json()
        except ValueError as exc:
            raise ParseError(f"GET /book {token_id}: body is not JSON") from exc
        return parse_book_counted(body).book

    async def _post_books(self, batch: list[str]) -> object:
        url = f"{self.base_url}/books"
        payload = [{"token_id": t} for t in batch]

        async def call() -> httpx.Response:
            response = await self.http.post(url, json=payload)
            raise_for_status(response)
            return response

        response = await with_retries(call, self.policy, f"POST /books ({len(batch)} tokens)")
        try:
            body: object = response.json()
        except ValueError:
            return None
        return body
