"""Cross worker: related pairs priced from live books -> cross opportunities on `ops:*`.

`python -m dashboard_backend.workers.cross [--loop]` (`pmarb cross`). Once mode reads the match
lists, the catalog and the stored books, prices every related pair, publishes what changed and
exits. Loop mode keeps going:

    index   the related pairs (`cross/pairs.py`: equivalent, inverse, subset, exclusive, and
            equivalent outcome sets) and the token -> pairs index, rebuilt when the matching worker
            finishes a run (`status:matching` lastRun) or a poll ends (`polls:updates`: markets
            came, went or changed terms), at most every REBUILD_MIN_SEC; the followed tokens are
            written to `cross:tokens` so book writers publish exactly those books
    books   notices on `books:updates` (`book_notices.py`), drained in batches: only the pairs
            of the tokens that changed are priced again
    sweep   every SWEEP_SEC: an opportunity whose books grew older than CROSS_MAX_BOOK_AGE_SEC
            is priced again (and so withdrawn); pairs whose books became current again are too
    status  `status:cross` for /healthz

Cross opportunities are published exactly like intra-market ones (`OpsStore.apply_scoped`: the
same appear / change / disappear envelope on `ops:updates`, `ops:snapshot`, `ops:history`). This
worker is the only writer of `cross_*` ids, so it diffs against the terms it last wrote.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.book_notices import parse_notice, write_followed
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.changes import OpportunityChange
from dashboard_backend.connections import redis_session
from dashboard_backend.cross.books import CrossBooks
from dashboard_backend.cross.index import Affected, PairIndex
from dashboard_backend.cross.opportunities import Pricing, cross_ids_for, find_cross_opportunities
from dashboard_backend.fees import FeeTable
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import Opportunity, is_cross_kind
from dashboard_backend.opportunities import CatalogIndex
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.outage import REDIS_DOWN, Outage
from dashboard_backend.settings import Settings, process_settings
from dashboard_backend.status import read_status_field, utc_now, write_status

log = logging.getLogger("dashboard_backend.workers.cross")

REBUILD_MIN_SEC = 5.0  # at most one index rebuild this often (polls of several venues coalesce)
MATCHING_CHECK_SEC = 2.0  # how often `status:matching` is read for a new run
SWEEP_SEC = 1.0
STATUS_SEC = 2.0
MAX_BATCH = 500  # notices drained per pass


@dataclass
class CrossCounts:
    """What the worker did since start, for `status:cross`."""

    rebuilds: int = 0
    notices: int = 0
    unreadable: int = 0
    recomputes: int = 0
    pairs_priced: int = 0
    changes: int = 0
    last_recompute_ms: float = 0.0


class CrossWorker:
    """Keeps the cross opportunities of every related pair current (see the module docstring)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self.ops = OpsStore(redis, settings.history_retention)
        self.catalog = CatalogStore(redis)
        self.matches = MatchStore(redis)
        self.fees = FeeTable.from_settings(settings)
        self.max_age_sec = settings.cross_max_book_age_sec
        self.books = CrossBooks(int(self.max_age_sec * 1000))
        self.index = PairIndex((), CatalogIndex(()))
        self.counts = CrossCounts()
        # The cross opportunities in `ops:snapshot` as this worker last wrote them.
        self.present: dict[str, Opportunity] = {}
        self._key_of: dict[str, str] = {}  # opportunity id -> pair or outcome-set key
        self._reads: dict[str, tuple[str, ...]] = {}  # pair or outcome-set key -> tokens it reads
        self._stale: set[str] = set()  # followed tokens whose book was too old when last priced
        self._matching_run = ""
        self._rebuild_wanted = True
        self._rebuilt_at = float("-inf")
        self.rebuild_min_sec = REBUILD_MIN_SEC
        self.matching_check_sec = MATCHING_CHECK_SEC
        self.sweep_sec = SWEEP_SEC

    # --- index ---------------------------------------------------------------------------------

    async def rebuild(self) -> list[OpportunityChange]:
        """Re-read matches and catalog, rebuild the index, price every pair, publish changes."""
        self._rebuild_wanted = False
        self._rebuilt_at = time.monotonic()
        self._matching_run = await read_status_field(self.redis, keys.STATUS_MATCHING, "lastRun")
        matches = await self.matches.read_all()
        catalog = await self.catalog.read_all()
        index = PairIndex.build(matches, catalog)
        followed = set(index.by_token)
        self.books.keep_only(followed)
        missing = self.books.missing(followed)
        if missing:
            self.books.load((await self.catalog.read_books(missing)).values())
        await write_followed(self.redis, followed)
        self.index = index
        self._key_of = {}
        self._reads = {}
        for key in [*index.pairs, *index.outcome_sets]:
            self._reads[key] = tuple(sorted(self._tokens_of(key)))
            for oid in cross_ids_for(self._affected([key]), index.catalog):
                self._key_of[oid] = key
        self._stale &= followed
        if not self.present:
            stored = await self.ops.read_snapshot()
            self.present = {oid: op for oid, op in stored.items() if is_cross_kind(op.kind)}
        # Opportunities of pairs no longer in the index go; the rest are priced again.
        gone = {oid for oid in self.present if oid not in self._key_of}
        changes = await self._recompute(index.everything(), extra_scope=gone)
        self.counts.rebuilds += 1
        log.info(
            "cross index: %d related pairs, %d outcome sets, %d followed tokens (%d books held); "
            "%d opportunities, %d changes",
            len(index.pairs),
            len(index.outcome_sets),
            len(followed),
            len(self.books.held),
            len(self.present),
            len(changes),
        )
        return changes

    def want_rebuild(self) -> None:
        """Rebuild the index at the next chance (after a lost connection: notices were missed)."""
        self._rebuild_wanted = True
        self._rebuilt_at = float("-inf")

    def _affected(self, keys_: Iterable[str]) -> Affected:
        index = self.index
        wanted = list(dict.fromkeys(keys_))
        return Affected(
            pairs=tuple(index.pairs[k] for k in wanted if k in index.pairs),
            outcome_sets=tuple(index.outcome_sets[k] for k in wanted if k in index.outcome_sets),
            portfolios=index.portfolios,
        )

    def _tokens_of(self, key: str) -> set[str]:
        """Every book a pair or outcome set reads."""
        index = self.index
        docs = index.catalog.by_id
        pair = index.pairs.get(key)
        if pair is not None:
            return {o.token_id for m in (pair.a_id, pair.b_id) for o in docs[m].outcomes}
        oset = index.outcome_sets.get(key)
        out: set[str] = set()
        for slot in oset.slots if oset is not None else ():
            for market_id in slot:
                yes = docs[market_id].yes_outcome()
                if yes is not None:
                    out.add(yes.token_id)
        return out

    # --- pricing -------------------------------------------------------------------------------

    async def _recompute(
        self, affected: Affected, extra_scope: Iterable[str] = ()
    ) -> list[OpportunityChange]:
        """Price these pairs and outcome sets and publish what changed.

        A pair reading a book its feed no longer trusts is not judged: its opportunities keep
        their last terms until the book is restored, or grows too old (then it is judged, and a
        stale book trades nothing).
        """
        started = time.perf_counter()
        books = self.books
        now = self.clock()
        now_ms = int(now.timestamp() * 1000)
        reads = self._reads
        judged = Affected(
            pairs=tuple(
                p for p in affected.pairs if not books.awaiting(reads.get(p.key, ()), now_ms)
            ),
            outcome_sets=tuple(
                s for s in affected.outcome_sets if not books.awaiting(reads.get(s.key, ()), now_ms)
            ),
            portfolios=affected.portfolios,
        )
        pricing = Pricing(
            catalog=self.index.catalog,
            books=books.books,
            fees=self.fees,
            now=now,
            max_book_age_sec=self.max_age_sec,
            min_profit=self.settings.min_profit_usd,
            book_times=books.times,
        )
        found = find_cross_opportunities(judged, pricing)
        scope = cross_ids_for(judged, self.index.catalog) | set(extra_scope)
        self._note_stale(judged, now_ms)
        counts = self.counts
        # Counted before publishing: a reader of the published changes sees them counted.
        counts.recomputes += 1
        counts.pairs_priced += len(judged.pairs) + len(judged.outcome_sets)
        changes = await self._publish(scope, found)
        counts.changes += len(changes)
        counts.last_recompute_ms = (time.perf_counter() - started) * 1000.0
        return changes

    def _note_stale(self, judged: Affected, now: int) -> None:
        limit = self.max_age_sec * 1000.0
        for key in [*(p.key for p in judged.pairs), *(s.key for s in judged.outcome_sets)]:
            for token in self._reads.get(key, ()):
                age = self.books.age_ms(token, now)
                if age is not None and age > limit:
                    self._stale.add(token)
                else:
                    self._stale.discard(token)

    async def _publish(
        self, scope: set[str], new: dict[str, Opportunity]
    ) -> list[OpportunityChange]:
        present = self.present
        ids = scope | set(new)
        if not new and present.keys().isdisjoint(ids):
            return []  # nothing found, nothing to withdraw: no Redis round trip
        old = {oid: present[oid] for oid in ids if oid in present}
        changes = await self.ops.apply_scoped(scope, new, old=old)
        for ch in changes:
            if ch.action == "disappeared":
                present.pop(ch.id, None)
            else:
                present[ch.id] = ch.opportunity
        return changes

    async def on_notices(self, raw: Iterable[str | bytes]) -> list[OpportunityChange]:
        """Apply book notices and price the pairs of every token they changed."""
        changed: set[str] = set()
        for message in raw:
            notice = parse_notice(message)
            if notice is None:
                self.counts.unreadable += 1
                continue
            self.counts.notices += 1
            changed |= self.books.apply(notice)
        if not changed:
            return []
        affected = self.index.affected(changed)
        if not affected.pairs and not affected.outcome_sets:
            return []
        return await self._recompute(affected)

    async def sweep(self) -> list[OpportunityChange]:
        """Price again the opportunities whose books grew too old and the pairs whose books
        became current again."""
        now = int(self.clock().timestamp() * 1000)
        limit = self.max_age_sec * 1000.0
        keys_: set[str] = set()
        for oid, op in self.present.items():
            for leg in op.legs:
                age = self.books.age_ms(leg.token_id, now)
                if age is None or age > limit:
                    key = self._key_of.get(oid)
                    if key is not None:
                        keys_.add(key)
                    break
        for token in list(self._stale):
            age = self.books.age_ms(token, now)
            if age is not None and age <= limit:
                keys_.update(self.index.by_token.get(token, ()))
        if not keys_:
            return []
        return await self._recompute(self._affected(keys_))

    # --- status --------------------------------------------------------------------------------

    async def write_status(self) -> None:
        """Write `status:cross` (read by /healthz)."""
        counts = self.counts
        await write_status(
            self.redis,
            keys.STATUS_CROSS,
            pairs=len(self.index.pairs),
            outcomeSets=len(self.index.outcome_sets),
            followedTokens=len(self.index.by_token),
            booksHeld=len(self.books.held),
            staleBooks=len(self._stale),
            opportunities=len(self.present),
            rebuilds=counts.rebuilds,
            notices=counts.notices,
            unreadableNotices=counts.unreadable,
            recomputes=counts.recomputes,
            pairsPriced=counts.pairs_priced,
            changes=counts.changes,
            lastRecomputeMs=round(counts.last_recompute_ms, 3),
            matchingRun=self._matching_run,
            updatedAt=utc_now().isoformat(),
        )

    # --- loop ----------------------------------------------------------------------------------

    async def run(self, loop: bool, stop: asyncio.Event | None = None) -> None:
        """One pass, or follow matches, polls and books until `stop` is set."""
        if not loop:
            await self.rebuild()
            await self.write_status()
            return
        stop = stop or asyncio.Event()
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        # Subscribed before the first rebuild, so no notice between its read and now is lost.
        await pubsub.subscribe(keys.BOOK_UPDATES, keys.POLL_UPDATES)
        checks = {"matching": 0.0, "sweep": 0.0, "status": 0.0}
        try:
            while not stop.is_set():
                await self._maybe_rebuild(checks)
                batch: list[str | bytes] = []
                message = await pubsub.get_message(timeout=self.sweep_sec / 4)
                while message is not None:
                    if message.get("channel") == keys.POLL_UPDATES:
                        self._rebuild_wanted = True
                    else:
                        batch.append(message["data"])
                    if len(batch) >= MAX_BATCH:
                        break
                    message = await pubsub.get_message(timeout=0.0)
                if batch:
                    await self.on_notices(batch)
                await self._periodic(checks)
        finally:
            with contextlib.suppress(aioredis.RedisError, OSError):
                await pubsub.unsubscribe()
            await pubsub.aclose()

    async def _maybe_rebuild(self, checks: dict[str, float]) -> None:
        now = time.monotonic()
        if now - checks["matching"] >= self.matching_check_sec:
            checks["matching"] = now
            run = await read_status_field(self.redis, keys.STATUS_MATCHING, "lastRun")
            if run != self._matching_run:
                self._rebuild_wanted = True
        if self._rebuild_wanted and now - self._rebuilt_at >= self.rebuild_min_sec:
            await self.rebuild()

    async def _periodic(self, checks: dict[str, float]) -> None:
        now = time.monotonic()
        if now - checks["sweep"] >= self.sweep_sec:
            checks["sweep"] = now
            await self.sweep()
        if now - checks["status"] >= STATUS_SEC:
            checks["status"] = now
            await self.write_status()


async def amain(settings: Settings, loop: bool) -> None:
    """Create the Redis client, run until SIGINT/SIGTERM, close everything."""
    stop = asyncio.Event()
    if loop:
        running = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            running.add_signal_handler(sig, stop.set)
    async with redis_session(settings) as redis:
        worker = CrossWorker(redis, settings)
        redis_outage = Outage("cross: redis", log)
        while True:
            try:
                await worker.run(loop, stop)
                return
            except REDIS_DOWN as exc:
                if not loop or stop.is_set():
                    raise
                # Redis restarting: subscribe and rebuild again once it answers (quietly).
                worker.want_rebuild()
                await asyncio.sleep(redis_outage.failed(exc))


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m dashboard_backend.workers.cross")
    parser.add_argument(
        "--loop", action="store_true", help="follow matches, polls and book changes until stopped"
    )
    args = parser.parse_args(argv)
    settings = process_settings()
    try:
        asyncio.run(amain(settings, args.loop))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
