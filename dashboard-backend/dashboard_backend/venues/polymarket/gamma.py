"""Gamma API client: paginates the active market listing and fetches events.

Wire contract (what a stand-in must serve):
- `GET /markets?limit&offset&active=true&closed=false&order=volume24hr&ascending=false[&tag_id]`
  -> JSON array of raw markets (a `{"markets": [...]}` / `{"data": [...]}` wrapper is accepted).
  Offset pagination answers 422 from offset 2100 on.
- `GET /markets/keyset?limit(<=100)&active=true&closed=false&order=volume24hr&ascending=false
  [&tag_id][&after_cursor]` -> `{"markets": [...], "next_cursor": "..."}`; `next_cursor` is absent
  (or null/empty) on the last page. Keyset rejects `offset`.
- `GET /tags/slug/{slug}` -> `{"id": "2", "label": "Politics", "slug": "politics", ...}`.
- `GET /events?id=1&id=2&limit=2` -> JSON array of events, each with nested `markets`.

`iter_markets` only paginates and yields raw dicts; `fetch_markets` parses, filters and counts.
"""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from dashboard_backend.errors import PermanentUpstreamError, UpstreamError
from dashboard_backend.models import MarketDocument
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries
from dashboard_backend.venues.base import CatalogFetch
from dashboard_backend.venues.polymarket.coerce import to_number
from dashboard_backend.venues.polymarket.gamma_parse import (
    MarketParseError,
    is_open_order_book_market,
    open_event_market_ids,
    parse_market,
)

log = logging.getLogger(__name__)

QueryParams = list[tuple[str, str]]

RawMarket = dict[str, Any]

# Gamma answers 422 to offset >= 2100; from there on only keyset pagination works.
OFFSET_CEILING = 2100
KEYSET_PAGE_MAX = 100
EVENTS_PER_REQUEST = 50
# A walk gives up after this many malformed pages in a row (a broken upstream, not a blip).
MAX_BAD_PAGES_IN_A_ROW = 3
LISTING_PARAMS: dict[str, str] = {
    "active": "true",
    "closed": "false",
    "order": "volume24hr",
    "ascending": "false",
}


@dataclass
class PageStats:
    """Counters a paginator fills while it walks (pages fetched, bad pages, stream state)."""

    pages: int = 0
    malformed_pages: int = 0
    non_objects: int = 0
    consumed: int = 0  # listing positions passed (yielded, duplicates and non-objects)
    truncated: bool = False  # a walk stopped early on malformed pages
    exhausted: bool = False  # the listing ran out before the caller stopped


class GammaClient:
    """Async client for Polymarket's Gamma API (market metadata)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        policy: RetryPolicy,
        page_size: int = 100,
        offset_ceiling: int = OFFSET_CEILING,
        tags: Sequence[str] = (),
    ):
        self.tags = tuple(tags)
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.page_size = max(1, page_size)
        self.offset_ceiling = offset_ceiling
        self._tag_ids: dict[str, str] = {}

    async def iter_markets(
        self,
        limit: int | None,
        tags: Sequence[str] = (),
        offset_start: int = 0,
        stats: PageStats | None = None,
    ) -> AsyncGenerator[RawMarket, None]:
        """Yield up to `limit` raw active markets by 24h volume, deduplicated by id.

        With tags, each tag's listing is filtered upstream (`tag_id`) and the listings are merged
        by `volume24hr`; `offset_start` then skips that many merged positions locally.
        """
        st = stats if stats is not None else PageStats()
        tag_ids = await self.resolve_tags(tags)
        seen: set[str] = set()
        yielded = 0
        if limit is not None and limit <= 0:
            return
        async with AsyncExitStack() as stack:
            if len(tag_ids) <= 1:
                tag = tag_ids[0] if tag_ids else None
                stream = await stack.enter_async_context(
                    aclosing(self._walk(tag, offset_start, st))
                )
                to_skip = 0
            else:
                walks = [
                    await stack.enter_async_context(aclosing(self._walk(t, 0, st))) for t in tag_ids
                ]
                stream = await stack.enter_async_context(aclosing(_merge_by_volume(walks)))
                to_skip = offset_start
            async for raw in stream:
                if to_skip > 0:
                    to_skip -= 1
                    continue
                st.consumed += 1
                market_id = raw.get("id")
                key = str(market_id) if market_id is not None else None
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                yield raw
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            st.exhausted = not st.truncated

    async def fetch_markets(
        self, limit: int, tags: Sequence[str] = (), offset_start: int = 0
    ) -> CatalogFetch:
        """Up to `limit` parsed open order-book markets; malformed ones skipped and counted."""
        if limit <= 0:
            return CatalogFetch(markets=[], skipped=0, skipped_reasons={}, pages=0, exhausted=False)
        stats = PageStats()
        reasons: Counter[str] = Counter()
        examples: dict[str, str] = {}
        docs: list[MarketDocument] = []
        skipped_ids: list[str] = []
        filtered = 0
        now = datetime.now(UTC)
        async with aclosing(self.iter_markets(None, tags, offset_start, stats)) as stream:
            async for raw in stream:
                try:
                    doc = parse_market(raw, now=now)
                except MarketParseError as exc:
                    reasons[exc.reason] += 1
                    examples.setdefault(exc.reason, exc.market_id or "?")
                    if exc.market_id:
                        skipped_ids.append(exc.market_id)
                    continue
                if not is_open_order_book_market(raw):
                    filtered += 1
                    continue
                docs.append(doc)
                if len(docs) >= limit:
                    break
        if stats.non_objects:
            reasons["not an object"] += stats.non_objects
        for reason, count in sorted(reasons.items()):
            log.warning(
                "gamma: skipped %d malformed market(s): %s (e.g. %s)",
                count,
                reason,
                examples.get(reason, "-"),
            )
        if stats.malformed_pages:
            log.warning("gamma: %d malformed page(s) skipped", stats.malformed_pages)
        docs = await self._with_event_members(docs)
        return CatalogFetch(
            markets=docs,
            skipped=sum(reasons.values()),
            skipped_reasons=dict(reasons),
            pages=stats.pages,
            exhausted=stats.exhausted,
            filtered=filtered,
            malformed_pages=stats.malformed_pages,
            next_offset=offset_start + stats.consumed,
            reasons_examples=examples,
            skipped_ids=tuple(skipped_ids),
        )

    async def fetch_catalog(self, limit: int, offset: int = 0) -> CatalogFetch:
        """The MarketSource listing: `fetch_markets` with the configured tags."""
        return await self.fetch_markets(limit, self.tags, offset)

    async def fetch_events(self, event_ids: Iterable[str]) -> list[RawMarket]:
        """Raw events (with nested markets) for these ids; unknown ids are simply absent."""
        ids = list(dict.fromkeys(str(i) for i in event_ids if str(i).strip()))
        events: list[RawMarket] = []
        for start in range(0, len(ids), EVENTS_PER_REQUEST):
            chunk = ids[start : start + EVENTS_PER_REQUEST]
            params = [("id", i) for i in chunk] + [("limit", str(len(chunk)))]
            body = await self._get_json("/events", params)
            items = _listing_items(body, "events")
            if items is None:
                log.warning("gamma: malformed /events page for %d id(s)", len(chunk))
                continue
            events.extend(e for e in items if isinstance(e, dict))
        return events

    async def resolve_tags(self, tags: Sequence[str]) -> list[str]:
        """Tag ids for tag slugs (numeric entries are taken as ids); unknown slugs are dropped.

        Raises PermanentUpstreamError when tags were given and none exists upstream, rather than
        silently scanning everything or nothing.
        """
        ids: list[str] = []
        unknown: list[str] = []
        for tag in dict.fromkeys(t.strip() for t in tags if t.strip()):
            if tag.isdigit():
                ids.append(tag)
                continue
            if tag not in self._tag_ids:
                try:
                    body = await self._get_json(f"/tags/slug/{tag}", None)
                except PermanentUpstreamError as exc:
                    if exc.status != 404:
                        raise
                    body = None
                tag_id = body.get("id") if isinstance(body, dict) else None
                if tag_id is None:
                    unknown.append(tag)
                    continue
                self._tag_ids[tag] = str(tag_id)
            ids.append(self._tag_ids[tag])
        if unknown:
            log.error("gamma: unknown tag slug(s) in PM_GAMMA_TAGS: %s", ", ".join(unknown))
            if not ids:
                raise PermanentUpstreamError(f"none of the Gamma tags exist: {', '.join(unknown)}")
        return list(dict.fromkeys(ids))

    async def _walk(
        self, tag_id: str | None, offset_start: int, stats: PageStats
    ) -> AsyncGenerator[RawMarket, None]:
        """One listing: offset pages below the ceiling, then keyset pages from the start."""
        base = dict(LISTING_PARAMS)
        if tag_id is not None:
            base["tag_id"] = tag_id
        offset = offset_start
        bad_in_a_row = 0
        while offset < self.offset_ceiling:
            params = {**base, "limit": str(self.page_size), "offset": str(offset)}
            try:
                body = await self._get_json("/markets", list(params.items()))
            except PermanentUpstreamError as exc:
                if exc.status != 422:
                    raise
                log.info("gamma: offset %d refused (422); switching to keyset", offset)
                break
            stats.pages += 1
            items = _listing_items(body, "markets")
            if items is None:
                stats.malformed_pages += 1
                bad_in_a_row += 1
                if bad_in_a_row >= MAX_BAD_PAGES_IN_A_ROW:
                    stats.truncated = True
                    return
                offset += self.page_size
                continue
            bad_in_a_row = 0
            for item in items:
                if isinstance(item, dict):
                    yield item
                else:
                    stats.non_objects += 1
            if len(items) < self.page_size:
                return
            offset += self.page_size
        async for item in self._walk_keyset(base, skip=offset, stats=stats):
            yield item

    async def _walk_keyset(
        self, base: Mapping[str, str], skip: int, stats: PageStats
    ) -> AsyncGenerator[RawMarket, None]:
        """Keyset pages from the start of the listing, skipping the first `skip` positions."""
        cursor: str | None = None
        position = 0
        size = min(self.page_size, KEYSET_PAGE_MAX)
        while True:
            params = {**base, "limit": str(size)}
            if cursor:
                params["after_cursor"] = cursor
            body = await self._get_json("/markets/keyset", list(params.items()))
            stats.pages += 1
            page = body if isinstance(body, dict) else {}
            items = page.get("markets")
            if not isinstance(items, list):
                # Without a cursor there is no next page to try.
                stats.malformed_pages += 1
                stats.truncated = True
                return
            for item in items:
                position += 1
                if position <= skip:
                    continue
                if isinstance(item, dict):
                    yield item
                else:
                    stats.non_objects += 1
            next_cursor = page.get("next_cursor")
            if not items or not isinstance(next_cursor, str) or not next_cursor:
                return
            cursor = next_cursor

    async def _with_event_members(self, docs: list[MarketDocument]) -> list[MarketDocument]:
        """Fill `event_market_ids` of negRisk markets from their events' open markets."""
        event_ids = sorted({d.event_id for d in docs if d.neg_risk and d.event_id})
        if not event_ids:
            return docs
        try:
            events = await self.fetch_events(event_ids)
        except UpstreamError as exc:
            log.warning("gamma: event membership unavailable (%s); negRisk sets unknown", exc)
            return docs
        members = {str(e.get("id")): open_event_market_ids(e) for e in events}
        out: list[MarketDocument] = []
        for doc in docs:
            ids = members.get(doc.event_id or "") if doc.neg_risk else None
            if ids is None:
                out.append(doc)
                continue
            if doc.id not in ids:
                ids = (*ids, doc.id)
            out.append(doc.model_copy(update={"event_market_ids": ids}))
        return out

    async def _get_json(self, path: str, params: QueryParams | None) -> object:
        """GET with retries; the decoded JSON body, or None when the body is not JSON."""
        url = f"{self.base_url}{path}"

        async def call() -> httpx.Response:
            response = await self.http.get(url, params=tuple(params or ()))
            raise_for_status(response)
            return response

        response = await with_retries(call, self.policy, f"GET {path}")
        try:
            body: object = response.json()
        except ValueError:
            return None
        return body


def _listing_items(body: object, wrapper_key: str) -> list[object] | None:
    """The items of a listing page: a bare list or a `{markets|events|data: [...]}` wrapper."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in (wrapper_key, "data"):
            items = body.get(key)
            if isinstance(items, list):
                return items
    return None


def _volume(raw: Mapping[str, Any]) -> float:
    return to_number(raw.get("volume24hr")) or 0.0


async def _merge_by_volume(
    streams: list[AsyncGenerator[RawMarket, None]],
) -> AsyncGenerator[RawMarket, None]:
    """Merge listings each sorted by volume24hr (descending) into one such listing."""
    heap: list[tuple[float, int, RawMarket]] = []
    for index, stream in enumerate(streams):
        first = await anext(stream, None)
        if first is not None:
            heap.append((-_volume(first), index, first))
    heapq.heapify(heap)
    while heap:
        _, index, item = heapq.heappop(heap)
        yield item
        following = await anext(streams[index], None)
        if following is not None:
            heapq.heappush(heap, (-_volume(following), index, following))
