"""Record live venue responses into a directory the replay server can serve.

`python -m dashboard_backend.record OUT_DIR [--venue NAME ...] [--limit N] [--books N]` runs each
venue's own clients (the same paginators and retries the poller uses) over one HTTP client whose
response hook writes every successful response body exactly as received:

    OUT_DIR/gamma/markets-0000.json ...   OUT_DIR/gamma/events-0000.json ...
    OUT_DIR/clob/books-0000.json ...      OUT_DIR/kalshi/events-0000.json ...
    OUT_DIR/kalshi/orderbooks/TICKER.json ...                       OUT_DIR/manifest.json

Polymarket: the N most active open markets (Gamma `/markets`, `/markets/keyset` past the 2,100
offset limit), their events and the CLOB books of every token. Kalshi: N open markets (events with
nested markets, cursor pages, parlays excluded) and the order books of the first `--books` of them
(a Kalshi order book does not name its market, so its file is named by ticker). Requests are
retried on 429/5xx/timeouts (honouring Retry-After). Each file is written to a temporary name and
renamed, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from dashboard_backend.logs import configure_logging
from dashboard_backend.settings import Settings, load_settings
from dashboard_backend.venues.polymarket.gamma import GammaClient
from dashboard_backend.venues.registry import create_venue, enabled_specs

log = logging.getLogger(__name__)

# Kalshi order books fetched by default (each is one request under the rate limit).
DEFAULT_BOOKS = 200


@dataclass
class RecordSummary:
    """What a recording holds (distinct records across every saved file)."""

    markets: int = 0
    events: int = 0
    books: int = 0
    files: int = 0
    venues: list[str] = field(default_factory=list)


def _write(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(path)


def file_name(path: str) -> tuple[str, str | None]:
    """(kind, fixed name) of a response by request path: `gamma/markets`, `kalshi/orderbooks`..."""
    if "/trade-api/" in path:
        rest = path.split("/trade-api/", 1)[1].split("/", 1)[-1]  # drop the API version
        parts = rest.strip("/").split("/")
        if parts[0] == "markets" and parts[-1] == "orderbook" and len(parts) == 3:
            return "kalshi/orderbooks", f"{parts[1]}.json"
        return f"kalshi/{parts[0]}", None
    if path.rstrip("/").endswith(("/books", "/book")):
        return "clob/books", None
    head = path.strip("/").split("/")[0] or "root"
    return f"gamma/{head}", None


class ResponseRecorder:
    """An httpx response hook saving every successful body and counting what it holds."""

    def __init__(self, out_dir: Path) -> None:
        self.out = out_dir
        self.files = 0
        self._sequence: dict[str, int] = defaultdict(int)
        self.ids: dict[str, set[str]] = defaultdict(set)

    async def __call__(self, response: httpx.Response) -> None:
        body = await response.aread()
        if response.status_code >= 400:
            return
        kind, fixed = file_name(response.request.url.path)
        name = fixed or f"{kind.rsplit('/', 1)[-1]}-{self._sequence[kind]:04d}.json"
        self._sequence[kind] += 1
        _write(self.out / kind / name if fixed else self.out / kind.rsplit("/", 1)[0] / name, body)
        self.files += 1
        try:
            self._count(kind, fixed, json.loads(body))
        except ValueError:
            log.warning("record: %s is not JSON; saved as received", response.request.url)

    def _count(self, kind: str, fixed: str | None, data: object) -> None:
        if kind == "kalshi/orderbooks" and fixed:
            self.ids["books"].add("kalshi:" + fixed.removesuffix(".json"))
            return
        items = data.get(kind.split("/")[-1]) if isinstance(data, dict) else data
        if not isinstance(items, list):
            items = [data]
        for item in items:
            if not isinstance(item, dict):
                continue
            if kind == "clob/books" and item.get("asset_id"):
                self.ids["books"].add(str(item["asset_id"]))
            elif kind == "gamma/markets" and item.get("id") is not None:
                self.ids["markets"].add(str(item["id"]))
            elif kind == "gamma/events" and item.get("id") is not None:
                self.ids["events"].add(str(item["id"]))
            elif kind == "kalshi/events" and item.get("event_ticker"):
                self.ids["events"].add("kalshi:" + str(item["event_ticker"]))
                for market in item.get("markets") or []:
                    if isinstance(market, dict) and market.get("ticker"):
                        self.ids["markets"].add("kalshi:" + str(market["ticker"]))
            elif kind == "kalshi/markets" and item.get("ticker"):
                self.ids["markets"].add("kalshi:" + str(item["ticker"]))


async def record_venue(
    name: str, settings: Settings, http: httpx.AsyncClient, limit: int, books: int
) -> None:
    """Walk one venue's listing and books through its own clients (the hook saves them)."""
    venue = create_venue(name, settings, http)
    fetch = await venue.markets.fetch_catalog(limit)
    if isinstance(venue.markets, GammaClient):
        await venue.markets.fetch_events(d.event_id for d in fetch.markets if d.event_id)
    markets = fetch.markets if venue.poll.full_books else fetch.markets[:books]
    await venue.books.fetch_books([o.token_id for d in markets for o in d.outcomes])
    log.info("record: %s: %d markets, books of %d", name, len(fetch.markets), len(markets))


async def record(
    out_dir: Path,
    settings: Settings,
    *,
    venues: Sequence[str] = (),
    limit: int = 200,
    books: int = DEFAULT_BOOKS,
) -> RecordSummary:
    """Record the venues (default: every enabled one) into `out_dir`; returns what was written."""
    names = list(venues) or [s.name for s in enabled_specs(settings)]
    recorder = ResponseRecorder(out_dir)
    timeout = httpx.Timeout(settings.pm_http_timeout_sec)
    async with httpx.AsyncClient(timeout=timeout, event_hooks={"response": [recorder]}) as http:
        for name in names:
            await record_venue(name, settings, http, limit, books)
    summary = RecordSummary(
        markets=len(recorder.ids["markets"]),
        events=len(recorder.ids["events"]),
        books=len(recorder.ids["books"]),
        files=recorder.files,
        venues=names,
    )
    manifest = {"fetched_at": datetime.now(UTC).isoformat(), **asdict(summary)}
    _write(out_dir / "manifest.json", json.dumps(manifest, indent=2).encode())
    return summary


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.record")
    parser.add_argument("out_dir", type=Path, help="directory to write the recording to")
    parser.add_argument(
        "--venue", action="append", default=[], help="venue to record (repeatable; default all)"
    )
    parser.add_argument("--limit", type=int, default=settings.pm_gamma_limit, help="markets")
    parser.add_argument("--books", type=int, default=DEFAULT_BOOKS, help="Kalshi books")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(settings.log_level)
    summary = asyncio.run(
        record(args.out_dir, settings, venues=args.venue, limit=args.limit, books=args.books)
    )
    log.info("recorded into %s: %s", args.out_dir, summary)


if __name__ == "__main__":
    main()
