"""The websocket ingest's processing half: frames -> books -> opportunities -> Redis.

No websocket here, so the ingest, the tests and the benchmark drive the same code, for any venue:
frames are decoded by the venue's `decode` (its feed session) into venue-neutral book events
(`book_events.py`). A batch of frames is decoded and applied first, then every affected market (with its negRisk group) is
recomputed once with the poller's pure functions, and `OpsStore.apply_scoped` publishes only
what appeared, changed or disappeared. Catalog best bid/ask and stored books are written by
`flush`, coalesced over whatever changed since the last flush.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dashboard_backend.book_events import BookEvent, FrameError
from dashboard_backend.book_notices import BookNotices, now_ms
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.changes import OpportunityChange
from dashboard_backend.fees import FeeTable
from dashboard_backend.live_book import ApplyOutcome, BookSet, LiveBook
from dashboard_backend.models import MarketDocument, Opportunity, OrderBook
from dashboard_backend.opportunities import (
    CatalogIndex,
    affected_markets,
    find_opportunities,
    group_opportunity_id,
    negrisk_group_key,
    opportunity_ids_for,
)
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.status import utc_now

log = logging.getLogger(__name__)

# A venue's frame decoder: one frame -> book events, FrameError when malformed.
FrameDecoder = Callable[[str | bytes], Sequence[BookEvent]]


@dataclass
class WsStats:
    """Counters behind `status:ws`."""

    connected: bool = False
    frames: int = 0
    messages: int = 0
    malformed: int = 0
    reconnects: int = 0
    resyncs: int = 0  # books restored from a REST snapshot
    stream_restores: int = 0  # distrusted books restored by a snapshot in the stream
    resync_requests: int = 0  # tokens that were marked for a resync
    resubscribed: int = 0  # books asked of the stream again (feeds with in-stream snapshots)
    gaps: int = 0  # sequence gaps in a sequenced stream
    last_message_at: float | None = None  # time.monotonic() of the last frame


@dataclass(frozen=True)
class CatalogDiff:
    """What a catalog refresh changed for the ingest."""

    added_tokens: frozenset[str]
    removed_tokens: frozenset[str]
    removed_markets: tuple[MarketDocument, ...]


class WsPipeline:
    """Decode and apply frames, recompute affected opportunities, publish and flush."""

    def __init__(
        self,
        ops: OpsStore,
        fees: FeeTable,
        min_profit: float = 0.0,
        books: BookSet | None = None,
        clock: Callable[[], datetime] = utc_now,
        present_ttl_sec: float = 5.0,
        *,
        decode: FrameDecoder,
        venue: str | None = None,
    ):
        self.ops = ops
        # Replaced by each new connection's session (its replies can change how frames read).
        self.decode = decode
        self.venue = venue  # whose opportunities `ops:snapshot` holds for this pipeline
        self.fees = fees
        self.min_profit = min_profit
        self.books = books or BookSet()
        self.clock = clock
        self.stats = WsStats()
        self.index = CatalogIndex(())
        self.token_market: dict[str, str] = {}
        self._solo: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        # Tokens needing a REST snapshot, handed to the resync worker.
        self.resync_wanted: set[str] = set()
        self._dirty_tokens: set[str] = set()
        self._stale_markets: set[str] = set()
        # Ids in `ops:snapshot` as last seen: when a recompute finds nothing and none of its
        # scope is stored, there is nothing to diff, so the common quiet case skips Redis.
        # Re-read every `present_ttl_sec` (the poller writes the snapshot too), serialised with
        # our own writes because only the processor calls `publish`.
        self.present_ttl_sec = present_ttl_sec
        self._present: dict[str, Opportunity] = {}
        self._present_at = float("-inf")
        # Tells the cross worker about the books it follows (set by the ingest; None: nobody).
        self.notices: BookNotices | None = None
        # Books whose last snapshot was a REST copy already older than this when applied (the
        # venue served a stale copy): token -> the copy's time. The stream cannot make them
        # current, so the cross worker is told their own time until a stream snapshot comes.
        self.max_copy_age_ms: int | None = None
        self.stale_copies: dict[str, int] = {}

    # --- catalog -------------------------------------------------------------------------------

    def set_catalog(self, docs: Mapping[str, MarketDocument]) -> CatalogDiff:
        """Follow exactly the tokens of these markets; new tokens await their first snapshot."""
        token_market = {o.token_id: doc.id for doc in docs.values() for o in doc.outcomes}
        old_tokens = set(self.token_market)
        added = frozenset(token_market.keys() - old_tokens)
        removed = frozenset(old_tokens - token_market.keys())
        removed_markets = tuple(doc for mid, doc in self.index.by_id.items() if mid not in docs)
        self.books.untrack(removed)
        conditions = {o.token_id: doc.condition_id for doc in docs.values() for o in doc.outcomes}
        self.books.track(added, conditions)
        self.resync_wanted -= removed
        self._dirty_tokens -= removed
        self.index = CatalogIndex(docs.values())
        self.token_market = token_market
        # Markets outside any negRisk group: (tokens, their opportunity ids) for the fast path.
        self._solo = {
            doc.id: (tuple(o.token_id for o in doc.outcomes), frozenset(opportunity_ids_for([doc])))
            for doc in docs.values()
            if negrisk_group_key(doc) is None
        }
        return CatalogDiff(added, removed, removed_markets)

    @property
    def tokens(self) -> list[str]:
        """Every followed token, sorted (subscription order)."""
        return sorted(self.token_market)

    # --- frames --------------------------------------------------------------------------------

    def ingest(self, frames: Iterable[str | bytes], out: ApplyOutcome) -> None:
        """Decode and apply frames in order; malformed ones are counted, logged and skipped."""
        stats = self.stats
        books = self.books
        decode = self.decode
        gaps, restored = out.gaps, out.restored
        for frame in frames:
            stats.frames += 1
            try:
                events = decode(frame)
            except FrameError as exc:
                stats.malformed += 1
                log.warning("ws: skipped malformed frame (%s): %.120r", exc, frame)
                # It may have carried deltas for these tokens: their books can't be trusted now.
                out.resync.update(self.invalidate(exc.token_ids))
                continue
            stats.messages += len(events)
            books.apply(events, out)
        stats.gaps += out.gaps - gaps
        stats.stream_restores += out.restored - restored
        stats.last_message_at = time.monotonic()
        self._note(out)

    def apply_snapshots(self, snapshots: Iterable[OrderBook], requested_at: int) -> ApplyOutcome:
        """Apply REST snapshots requested at BookSet mark `requested_at`."""
        out = ApplyOutcome()
        now = now_ms()
        for snap in snapshots:
            if self.books.apply_snapshot(snap, out, requested_at):
                self.stats.resyncs += 1
                stamp, limit = snap.timestamp, self.max_copy_age_ms
                if stamp is not None and limit is not None and now - stamp > limit:
                    self.stale_copies[snap.token_id] = stamp
                else:
                    self.stale_copies.pop(snap.token_id, None)
        self._note(out)
        return out

    def invalidate_all(self) -> None:
        """Distrust every book (after a reconnect) until a snapshot arrives."""
        self.invalidate(self.token_market)

    def invalidate(self, token_ids: Iterable[str]) -> set[str]:
        """Distrust these followed books until a snapshot arrives; returns the newly pending."""
        newly = self.books.invalidate(t for t in token_ids if t in self.token_market)
        self.resync_wanted |= newly
        self.stats.resync_requests += len(newly)
        return newly

    def _note(self, out: ApplyOutcome) -> None:
        """Remember what the flush must write and which tokens the resync worker must fetch."""
        if out.resync:
            self.stats.resync_requests += len(out.resync - self.resync_wanted)
            self.resync_wanted |= out.resync
        self._dirty_tokens |= out.dirty
        token_market = self.token_market
        for tid in out.dirty:
            mid = token_market.get(tid)
            if mid is not None:
                self._stale_markets.add(mid)

    # --- opportunities -------------------------------------------------------------------------

    def changed_markets(self, out: ApplyOutcome) -> set[str]:
        """Market ids whose trusted books moved."""
        token_market = self.token_market
        return {token_market[t] for t in out.changed if t in token_market}

    def recompute(
        self, market_ids: Iterable[str]
    ) -> tuple[set[str], dict[str, Opportunity]] | None:
        """Scope and fresh opportunities for these markets (None when nothing is judgeable).

        Only ids whose every input book is trusted are in scope: an opportunity of a market
        awaiting a resync keeps its last published terms instead of flickering away. Markets
        whose top of book cannot pay (see `_may_pay`) are in scope but not walked: building
        their full OrderBooks would cost ~20x the rest of the path for a certain "nothing".
        """
        ids = list(market_ids)
        if not ids:
            return None
        solo = self._solo
        if all(m in solo for m in ids):
            return self._recompute_solo(ids)
        affected = affected_markets(ids, self.index)
        if not affected:
            return None
        live: dict[str, LiveBook] = {}
        complete: list[MarketDocument] = []
        for doc in affected:
            ok = True
            for outcome in doc.outcomes:
                book = self.books.trusted(outcome.token_id)
                if book is None:
                    ok = False
                else:
                    live[outcome.token_id] = book
            if ok:
                complete.append(doc)
        scope = opportunity_ids_for(complete)
        complete_ids = {d.id for d in complete}
        groups: dict[str, list[MarketDocument]] = {}
        for doc in affected:
            key = negrisk_group_key(doc)
            if key is None:
                continue
            if doc.id in complete_ids:
                groups.setdefault(key, []).append(doc)
            else:
                # A group with any member untrusted cannot be judged.
                scope.discard(group_opportunity_id(key))
        candidates: dict[str, MarketDocument] = {
            d.id: d for d in complete if d.is_binary and _binary_may_pay(d, live)
        }
        for key, members in groups.items():
            if group_opportunity_id(key) in scope and _group_may_pay(members, live):
                candidates.update((d.id, d) for d in members)
        if not candidates:
            return scope, {}
        books = {
            o.token_id: live[o.token_id].to_order_book()
            for d in candidates.values()
            for o in d.outcomes
        }
        found = find_opportunities(
            candidates.values(), books, self.fees, self.clock(), self.min_profit
        )
        return scope, {oid: op for oid, op in found.items() if oid in scope}

    def _recompute_solo(self, ids: list[str]) -> tuple[set[str], dict[str, Opportunity]]:
        """`recompute` for markets in no negRisk group: the same answer, less bookkeeping."""
        scope: set[str] = set()
        candidates: list[MarketDocument] = []
        live: dict[str, LiveBook] = {}
        trusted = self.books.trusted
        for mid in ids:
            tokens, opp_ids = self._solo[mid]
            books = [trusted(t) for t in tokens]
            if any(b is None for b in books):
                continue
            scope |= opp_ids
            if len(books) == 2:
                live.update(zip(tokens, books, strict=True))  # type: ignore[arg-type]
                doc = self.index.by_id[mid]
                if _binary_may_pay(doc, live):
                    candidates.append(doc)
        if not candidates:
            return scope, {}
        order_books = {
            o.token_id: live[o.token_id].to_order_book() for d in candidates for o in d.outcomes
        }
        found = find_opportunities(
            candidates, order_books, self.fees, self.clock(), self.min_profit
        )
        return scope, {oid: op for oid, op in found.items() if oid in scope}

    async def publish(self, out: ApplyOutcome) -> list[OpportunityChange]:
        """Recompute the markets `out` changed and publish what appeared/changed/disappeared;
        then tell the cross worker about the followed books it changed."""
        changes = await self._publish_intra(out)
        await self.notify(out)
        return changes

    async def notify(self, out: ApplyOutcome) -> int:
        """Publish the followed books `out` changed (and distrusted); returns the books sent."""
        notices = self.notices
        if notices is None or not notices.followed:
            return 0
        changed = notices.wanted(out.changed)
        doubted = notices.wanted(out.resync)
        if not changed and not doubted:
            return 0
        return await self._send(notices, changed, doubted)

    async def notify_followed(self, before: frozenset[str]) -> int:
        """Newly followed tokens: publish the books this feed keeps for them."""
        notices = self.notices
        if notices is None:
            return 0
        added = [t for t in notices.followed if t not in before and t in self.token_market]
        return await self._send(notices, added, []) if added else 0

    async def _send(self, notices: BookNotices, tokens: list[str], doubted: list[str]) -> int:
        """Books kept current by the stream go as `current`; those resting on a stale REST copy
        (until a stream snapshot replaces it) as stamped with the copy's time."""
        current: list[OrderBook] = []
        copies: list[OrderBook] = []
        stale = self.stale_copies
        for token in tokens:
            live = self.books.trusted(token)
            if live is None:
                continue
            stamp = stale.get(token)
            if stamp is not None and live.timestamp != stamp:
                del stale[token]  # a stream snapshot replaced the copy
                stamp = None
            book = live.to_order_book()
            if stamp is None:
                current.append(book)
            else:
                copies.append(book.model_copy(update={"timestamp": stamp}))
        if not current and not copies and not doubted:
            return 0
        return await notices.publish(copies, current=current, untrusted=doubted)

    async def _publish_intra(self, out: ApplyOutcome) -> list[OpportunityChange]:
        markets = self.changed_markets(out)
        if not markets:
            return []
        result = self.recompute(markets)
        if result is None:
            return []
        scope, new = result
        await self._refresh_present()
        if not new and self._present.keys().isdisjoint(scope):
            return []
        return await self._apply(scope, new)

    async def _refresh_present(self) -> None:
        if time.monotonic() - self._present_at > self.present_ttl_sec:
            self._present = await self.ops.read_snapshot(self.venue)
            self._present_at = time.monotonic()

    async def _apply(
        self, scope: set[str], new: Mapping[str, Opportunity]
    ) -> list[OpportunityChange]:
        # While connected the ingest is the only writer of its scope (the poller defers to it),
        # so the terms it last wrote are the stored ones: diff against them, skip the read.
        await self._refresh_present()
        old = {oid: self._present[oid] for oid in scope | set(new) if oid in self._present}
        changes = await self.ops.apply_scoped(scope, new, old=old)
        for ch in changes:
            if ch.action == "disappeared":
                self._present.pop(ch.id, None)
            else:
                self._present[ch.id] = ch.opportunity
        return changes

    async def process(self, frames: Iterable[str | bytes]) -> list[OpportunityChange]:
        """Ingest frames and publish what they changed (one recompute per affected market)."""
        out = ApplyOutcome()
        self.ingest(frames, out)
        return await self.publish(out)

    async def retire(self, markets: Iterable[MarketDocument]) -> list[OpportunityChange]:
        """Withdraw the opportunities of markets that left the catalog."""
        ids = opportunity_ids_for(markets)
        return await self._apply(ids, {}) if ids else []

    # --- coalesced writes ----------------------------------------------------------------------

    async def flush(self, catalog: CatalogStore) -> int:
        """Write changed books and best bid/ask into the catalog; returns documents written."""
        tokens, self._dirty_tokens = self._dirty_tokens, set()
        markets, self._stale_markets = self._stale_markets, set()
        books = [b.to_order_book() for t in tokens if (b := self.books.trusted(t)) is not None]
        if books:
            await catalog.write_books(books)
        docs = []
        for mid in markets:
            doc = self.index.by_id.get(mid)
            if doc is not None:
                docs.append(self._with_best_prices(doc))
        return await catalog.update_existing(docs) if docs else 0

    def _with_best_prices(self, doc: MarketDocument) -> MarketDocument:
        outcomes = []
        for outcome in doc.outcomes:
            book = self.books.trusted(outcome.token_id)
            if book is None:
                outcomes.append(outcome)
            else:
                outcomes.append(
                    outcome.model_copy(
                        update={"best_bid": book.best_bid, "best_ask": book.best_ask}
                    )
                )
        return doc.model_copy(update={"outcomes": tuple(outcomes)})


# Float sums of prices (0.1 + 0.2) carry noise; a candidate is walked, never judged, here.
_PAY_EPSILON = 1e-9


def _binary_may_pay(doc: MarketDocument, live: Mapping[str, LiveBook]) -> bool:
    """Top-of-book necessary condition for buy-both (Σ asks < 1) or split-sell (Σ bids > 1).

    Taker fees only lower an edge, so when neither holds no walk in opportunities.py can find
    one; when one holds, the real functions decide.
    """
    a, b = (live[o.token_id] for o in doc.outcomes)
    ask_a, ask_b = a.best_ask, b.best_ask
    if ask_a is not None and ask_b is not None and ask_a + ask_b < 1.0 + _PAY_EPSILON:
        return True
    bid_a, bid_b = a.best_bid, b.best_bid
    return bid_a is not None and bid_b is not None and bid_a + bid_b > 1.0 - _PAY_EPSILON


def _group_may_pay(members: Iterable[MarketDocument], live: Mapping[str, LiveBook]) -> bool:
    """Necessary condition for a negRisk buy-all: every YES has an ask and Σ asks < 1."""
    total = 0.0
    count = 0
    for doc in members:
        yes = doc.yes_outcome()
        ask = live[yes.token_id].best_ask if yes is not None else None
        if ask is None:
            return False
        total += ask
        count += 1
    return count >= 2 and total < 1.0 + _PAY_EPSILON
