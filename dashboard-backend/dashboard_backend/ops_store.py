"""Redis I/O for opportunities: the snapshot hash, the history stream and `ops:updates`."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.changes import OpportunityChange, diff_snapshots
from dashboard_backend.models import Opportunity, is_cross_kind
from dashboard_backend.stored import StoredValues, parse_stored, repairing, tolerant

log = logging.getLogger(__name__)

# The keys this store writes, by Redis type (repaired when found holding another type).
OWNED = {keys.OPS_SNAPSHOT: "hash", keys.OPS_HISTORY: "stream"}


class OpsStore:
    """The current opportunities, their history, and change notifications."""

    def __init__(self, redis: aioredis.Redis, history_retention: int = 100_000):
        self.redis = redis
        self.history_retention = history_retention

    async def read_snapshot(self, venue: str | None = None) -> dict[str, Opportunity]:
        """Every current opportunity by id (one venue's when given); unreadable ones skipped."""
        raw: dict[str, str] = await tolerant(
            self.redis.hgetall(keys.OPS_SNAPSHOT), {}, keys.OPS_SNAPSHOT
        )
        parsed = self._parse(raw)
        if venue is None:
            return parsed
        return {oid: op for oid, op in parsed.items() if op.venue == venue}

    async def count(self) -> int:
        """Number of current opportunities."""
        n: int = await tolerant(self.redis.hlen(keys.OPS_SNAPSHOT), 0, keys.OPS_SNAPSHOT)
        return n

    async def read_many(self, ids: Iterable[str]) -> dict[str, Opportunity]:
        """Current opportunities among `ids`."""
        wanted = list(ids)
        if not wanted:
            return {}
        values = await tolerant(
            self.redis.hmget(keys.OPS_SNAPSHOT, wanted), [None] * len(wanted), keys.OPS_SNAPSHOT
        )
        return self._parse({i: v for i, v in zip(wanted, values, strict=True) if v})

    @staticmethod
    def _parse(raw: Mapping[str, str]) -> StoredValues[Opportunity]:
        return parse_stored(raw, Opportunity.from_json, "opportunities")

    async def replace_all(
        self, new: Mapping[str, Opportunity], now: datetime | None = None
    ) -> list[OpportunityChange]:
        """Replace the whole snapshot atomically; record and publish what changed."""
        now = now or datetime.now(UTC)
        old = await self.read_snapshot()
        changes = diff_snapshots(old, new, now)
        tmp = keys.tmp_key(keys.OPS_SNAPSHOT, uuid.uuid4().hex)

        async def write() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                if new:
                    pipe.hset(tmp, mapping={oid: op.to_json() for oid, op in new.items()})
                    pipe.rename(tmp, keys.OPS_SNAPSHOT)
                else:
                    pipe.delete(keys.OPS_SNAPSHOT)
                self._queue_history_and_publish(pipe, changes)
                await pipe.execute()

        await repairing(self.redis, OWNED, write)
        return changes

    async def replace_venue(
        self, venue: str, new: Mapping[str, Opportunity], now: datetime | None = None
    ) -> list[OpportunityChange]:
        """Make `new` exactly the venue's intra-market opportunities, in one transaction.

        Other venues' are untouched, and so are cross-market ones (`cross_*`, the cross worker's,
        even when both legs are on this venue): a poll knows nothing of related pairs.
        """
        now = now or datetime.now(UTC)
        old = {
            oid: op
            for oid, op in (await self.read_snapshot(venue)).items()
            if not is_cross_kind(op.kind)
        }
        changes = diff_snapshots(old, new, now)
        await self._write_changes(changes)
        return changes

    async def apply_scoped(
        self,
        scope: Iterable[str],
        new: Mapping[str, Opportunity],
        now: datetime | None = None,
        old: Mapping[str, Opportunity] | None = None,
    ) -> list[OpportunityChange]:
        """Update only the opportunity ids in `scope` (e.g. those of markets whose book moved).

        A caller that is the only writer of these ids may pass their current terms as `old`,
        saving the read (one Redis round trip instead of two on the latency-critical path).
        """
        now = now or datetime.now(UTC)
        scope_ids = set(scope) | set(new)
        if old is None:
            old = await self.read_many(scope_ids)
        changes = diff_snapshots(old, new, now, scope=scope_ids)
        await self._write_changes(changes)
        return changes

    async def _write_changes(self, changes: list[OpportunityChange]) -> None:
        """Apply appeared / changed / disappeared entries, history and publish in one MULTI."""
        if not changes:
            return

        async def write() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                for ch in changes:
                    if ch.action == "disappeared":
                        pipe.hdel(keys.OPS_SNAPSHOT, ch.id)
                    else:
                        pipe.hset(keys.OPS_SNAPSHOT, ch.id, ch.opportunity.to_json())
                self._queue_history_and_publish(pipe, changes)
                await pipe.execute()

        # A key of the wrong type is repaired and the whole change written again (the commands
        # of the failed MULTI that did apply are repeated: at worst a history entry twice).
        await repairing(self.redis, OWNED, write)

    def _queue_history_and_publish(
        self, pipe: aioredis.client.Pipeline, changes: list[OpportunityChange]
    ) -> None:
        for ch in changes:
            message = ch.to_json()
            pipe.xadd(
                keys.OPS_HISTORY,
                {
                    "action": ch.action,
                    "id": ch.id,
                    "markets": json.dumps(list(ch.opportunity.market_ids)),
                    "data": message,
                },
                maxlen=self.history_retention,
                approximate=True,
            )
            pipe.publish(keys.OPS_UPDATES, message)

    async def history(
        self,
        market_id: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        before: str | None = None,
    ) -> tuple[list[OpportunityChange], str | None]:
        """Newest-first history entries, optionally for one market and after `since`.

        `before` is a stream entry id: only older entries are read (cursor pagination). Returns
        the entries and the id of the last one returned when more may follow, else None.
        """
        min_id = f"{int(since.timestamp() * 1000)}-0" if since else "-"
        if before is not None and before.strip("0-") == "":
            return [], None  # nothing is older than the very first possible entry
        out: list[OpportunityChange] = []
        last = "+" if before is None else "(" + before
        last_id: str | None = None
        while len(out) < limit:
            batch = await tolerant(
                self.redis.xrevrange(keys.OPS_HISTORY, max=last, min=min_id, count=500),
                [],
                keys.OPS_HISTORY,
            )
            if not batch:
                return out, None
            wanted = {
                entry_id: fields.get("data")
                for entry_id, fields in batch
                if market_id is None or market_id in _markets_of(fields)
            }
            parsed = parse_stored(wanted, OpportunityChange.from_json, "history entries")
            for entry_id, _ in batch:
                last_id = entry_id
                change = parsed.get(entry_id)
                if change is None:
                    continue
                out.append(change)
                if len(out) >= limit:
                    return out, entry_id
            if len(batch) < 500:
                return out, None
            last = "(" + batch[-1][0]
        return out, last_id


def _markets_of(fields: Mapping[str, str]) -> list[str]:
    """The market ids a history entry names (none when the field is unreadable)."""
    try:
        value = json.loads(fields.get("markets", "[]"))
    except ValueError:
        return []
    return [str(m) for m in value] if isinstance(value, list) else []
