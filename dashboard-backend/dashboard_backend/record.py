"""Record live Polymarket responses into a directory the replay server can serve.

`python -m dashboard_backend.record OUT_DIR [--gamma-url URL] [--clob-url URL] [--limit N]
[--page-size N] [--books-batch N]` fetches the N most active open markets from Gamma
(`/markets`, ordered by volume24hr; `/markets/keyset` when N exceeds the 2,100 offset limit),
their events (`/events?id=...`) and the CLOB books of their tokens (`POST /books`), and writes
every response body exactly as received:

    OUT_DIR/gamma/markets-0000.json ...   OUT_DIR/gamma/events-0000.json ...
    OUT_DIR/clob/books-0000.json ...      OUT_DIR/manifest.json

Requests are retried on 429/5xx/timeouts (honouring Retry-After). Each file is written to a
temporary name and renamed, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from dashboard_backend.logs import configure_logging
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries
from dashboard_backend.settings import load_settings

log = logging.getLogger(__name__)

MAX_OFFSET = 2100
KEYSET_PAGE = 100
EVENTS_PER_REQUEST = 20


@dataclass
class RecordSummary:
    """What a recording holds."""

    markets: int = 0
    events: int = 0
    books: int = 0
    files: int = 0
    skipped_records: int = 0


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(path)


def _str_list(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


class Recorder:
    """Fetches and writes one recording; created with its HTTP client and policy."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        out_dir: Path,
        gamma_url: str,
        clob_url: str,
        policy: RetryPolicy,
    ) -> None:
        self.client = client
        self.out = out_dir
        self.gamma = gamma_url.rstrip("/")
        self.clob = clob_url.rstrip("/")
        self.policy = policy
        self.summary = RecordSummary()

    async def _fetch(self, what: str, method: str, url: str, **kwargs: Any) -> bytes:
        async def call() -> bytes:
            response = await self.client.request(method, url, **kwargs)
            raise_for_status(response)
            return response.content

        return await with_retries(call, self.policy, what)

    def _save(self, name: str, body: bytes) -> Any:
        _write(self.out / name, body)
        self.summary.files += 1
        return json.loads(body)

    async def record_markets(self, limit: int, page_size: int) -> list[dict[str, Any]]:
        """Fetch and save the `limit` most active open markets; returns the usable ones."""
        base = {"active": "true", "closed": "false", "order": "volume24hr", "ascending": "false"}
        markets: list[dict[str, Any]] = []
        keyset = limit > MAX_OFFSET
        cursor: str | None = None
        page = 0
        while len(markets) < limit:
            size = min(KEYSET_PAGE if keyset else page_size, limit - len(markets))
            params = {**base, "limit": str(size)}
            if keyset:
                if cursor:
                    params["after_cursor"] = cursor
                url = f"{self.gamma}/markets/keyset"
            else:
                params["offset"] = str(len(markets))
                url = f"{self.gamma}/markets"
            data = self._save(
                f"gamma/markets-{page:04d}.json",
                await self._fetch("gamma markets", "GET", url, params=params),
            )
            page += 1
            items = data.get("markets", []) if isinstance(data, dict) else data
            items = items if isinstance(items, list) else []
            usable = [m for m in items if isinstance(m, dict) and m.get("id") is not None]
            self.summary.skipped_records += len(items) - len(usable)
            markets += usable
            cursor = data.get("next_cursor") if isinstance(data, dict) else None
            if len(items) < size or (keyset and not cursor):
                break
            if not keyset and len(markets) >= MAX_OFFSET:
                break  # offset paging ends here; --limit above 2100 uses keyset instead
        self.summary.markets = len(markets)
        return markets

    async def record_events(self, markets: list[dict[str, Any]]) -> None:
        """Fetch and save the events of the recorded markets."""
        ids: list[str] = []
        for m in markets:
            events = m.get("events")
            if isinstance(events, list) and events and isinstance(events[0], dict):
                eid = events[0].get("id")
                if eid is not None and str(eid) not in ids:
                    ids.append(str(eid))
        for n, start in enumerate(range(0, len(ids), EVENTS_PER_REQUEST)):
            chunk = ids[start : start + EVENTS_PER_REQUEST]
            params = [("id", i) for i in chunk] + [("limit", str(len(chunk)))]
            body = await self._fetch("gamma events", "GET", f"{self.gamma}/events", params=params)
            data = self._save(f"gamma/events-{n:04d}.json", body)
            self.summary.events += len(data) if isinstance(data, list) else 0

    async def record_books(self, markets: list[dict[str, Any]], batch: int) -> None:
        """Fetch and save the CLOB books of every token of the recorded markets."""
        tokens = [t for m in markets for t in _str_list(m.get("clobTokenIds"))]
        for n, start in enumerate(range(0, len(tokens), batch)):
            payload = [{"token_id": t} for t in tokens[start : start + batch]]
            body = await self._fetch("clob books", "POST", f"{self.clob}/books", json=payload)
            data = self._save(f"clob/books-{n:04d}.json", body)
            self.summary.books += len(data) if isinstance(data, list) else 0


async def record(
    out_dir: Path,
    gamma_url: str,
    clob_url: str,
    *,
    limit: int = 200,
    page_size: int = 100,
    books_batch: int = 100,
    policy: RetryPolicy | None = None,
    http_timeout: float = 10.0,
) -> RecordSummary:
    """Record markets, events and books into `out_dir`; returns what was written."""
    async with httpx.AsyncClient(timeout=http_timeout) as client:
        recorder = Recorder(client, out_dir, gamma_url, clob_url, policy or RetryPolicy())
        markets = await recorder.record_markets(limit, page_size)
        await recorder.record_events(markets)
        await recorder.record_books(markets, books_batch)
    manifest = {
        "fetched_at": datetime.now(UTC).isoformat(),
        "gamma_url": gamma_url,
        "clob_url": clob_url,
        **asdict(recorder.summary),
    }
    _write(out_dir / "manifest.json", json.dumps(manifest, indent=2).encode())
    return recorder.summary


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.record")
    parser.add_argument("out_dir", type=Path, help="directory to write the recording to")
    parser.add_argument("--gamma-url", default=settings.pm_gamma_url, help="Gamma base URL")
    parser.add_argument("--clob-url", default=settings.pm_clob_url, help="CLOB base URL")
    parser.add_argument("--limit", type=int, default=settings.pm_gamma_limit, help="markets")
    parser.add_argument("--page-size", type=int, default=settings.pm_gamma_page_size)
    parser.add_argument("--books-batch", type=int, default=settings.pm_books_batch)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(settings.log_level)
    policy = RetryPolicy(
        settings.pm_max_retries, settings.pm_backoff_base_sec, settings.pm_backoff_max_sec
    )
    summary = asyncio.run(
        record(
            args.out_dir,
            args.gamma_url,
            args.clob_url,
            limit=args.limit,
            page_size=args.page_size,
            books_batch=args.books_batch,
            policy=policy,
            http_timeout=settings.pm_http_timeout_sec,
        )
    )
    log.info("recorded into %s: %s", args.out_dir, summary)


if __name__ == "__main__":
    main()
