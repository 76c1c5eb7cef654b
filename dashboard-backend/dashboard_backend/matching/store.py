"""Redis I/O for `markets:cross_matches`, its change channel and the matching status."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import redis.asyncio as aioredis
from pydantic import TypeAdapter

from dashboard_backend import keys
from dashboard_backend.matching.diff import MatchChange, diff_matches, keep_first_matched
from dashboard_backend.models import MatchEntry
from dashboard_backend.status import write_status
from dashboard_backend.stored import StoredValues, parse_stored, tolerant

log = logging.getLogger(__name__)

_ENTRIES = TypeAdapter(list[MatchEntry])
_CHUNK = 1000  # hash fields / messages per pipeline round trip
_TMP_TTL_SEC = 600  # a temporary key left by a crash expires by itself


def dump_entries(entries: Sequence[MatchEntry]) -> str:
    """The camelCase JSON list stored per market."""
    return _ENTRIES.dump_json(list(entries), by_alias=True).decode()


@dataclass(frozen=True)
class MatchRunStatus:
    """What one matching run reports to `status:matching` (read by /healthz)."""

    last_run: datetime
    duration_sec: float
    markets: int  # markets searched (with a current embedding)
    markets_with_matches: int
    pairs: int  # (base, match) entries written
    candidates_compared: int  # embedding similarities computed
    candidates_judged: int = 0  # unordered candidate pairs the relation engine decided
    relations: Mapping[str, int] = field(default_factory=dict)  # judged pairs per relation


class MatchStore:
    """Reads and atomically replaces the cross-market matches; publishes what changed."""

    def __init__(self, redis: aioredis.Redis):
        self.redis = redis

    @staticmethod
    def parse_lists(raw: Mapping[str, str | None]) -> StoredValues[list[MatchEntry]]:
        """Stored lists by market id; unreadable ones are skipped, counted and logged."""
        return parse_stored(raw, _ENTRIES.validate_json, "match lists")

    async def read_all(self) -> StoredValues[list[MatchEntry]]:
        """Every market's match list; unreadable lists are skipped."""
        return self.parse_lists(await self.read_raw())

    async def read_raw(self, market_id: str | None = None) -> dict[str, str]:
        """Stored JSON lists, unparsed (readers parse only what they need): all, or one market's."""
        if market_id is not None:
            value = await tolerant(
                self.redis.hget(keys.CROSS_MATCHES, market_id), None, keys.CROSS_MATCHES
            )
            return {market_id: value} if value else {}
        raw: dict[str, str] = await tolerant(
            self.redis.hgetall(keys.CROSS_MATCHES), {}, keys.CROSS_MATCHES
        )
        return raw

    async def read(self, market_id: str) -> list[MatchEntry]:
        """One market's matches (empty when none or unreadable)."""
        return self.parse_lists(await self.read_raw(market_id)).get(market_id, [])

    async def replace(
        self, new: Mapping[str, Sequence[MatchEntry]], now: datetime
    ) -> list[MatchChange]:
        """Replace every list at once and publish the changes; returns them.

        The new hash is built under a temporary key and renamed over the old one in one
        transaction, so a reader sees the old or the new run, never a mix; a crash before the
        rename leaves the old run in place (the temporary key expires). Pairs that survive keep
        their first `matchedAt`.
        """
        old = await self.read_all()
        current = keep_first_matched(old, new)
        changes = diff_matches(old, current, now)
        items = [(mid, dump_entries(entries)) for mid, entries in current.items() if entries]
        if items:
            tmp = keys.tmp_key(keys.CROSS_MATCHES, uuid.uuid4().hex)
            async with self.redis.pipeline(transaction=False) as pipe:
                for start in range(0, len(items), _CHUNK):
                    pipe.hset(tmp, mapping=dict(items[start : start + _CHUNK]))
                pipe.expire(tmp, _TMP_TTL_SEC)
                await pipe.execute()
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.rename(tmp, keys.CROSS_MATCHES)
                pipe.persist(keys.CROSS_MATCHES)
                await pipe.execute()
        else:
            await self.redis.delete(keys.CROSS_MATCHES)
        # Published after the rename, so a subscriber reading on an event sees the new run.
        await self.publish(changes)
        return changes

    async def publish(self, changes: Iterable[MatchChange]) -> None:
        """One message per change on `matches:updates`."""
        batch = [c.to_json() for c in changes]
        for start in range(0, len(batch), _CHUNK):
            async with self.redis.pipeline(transaction=False) as pipe:
                for message in batch[start : start + _CHUNK]:
                    pipe.publish(keys.MATCH_UPDATES, message)
                await pipe.execute()

    async def write_status(self, status: MatchRunStatus) -> None:
        """Record the run in `status:matching`."""
        await write_status(
            self.redis,
            keys.STATUS_MATCHING,
            lastRun=status.last_run.isoformat(),
            lastDuration=round(status.duration_sec, 3),
            markets=status.markets,
            marketsWithMatches=status.markets_with_matches,
            pairs=status.pairs,
            candidatesCompared=status.candidates_compared,
            candidatesJudged=status.candidates_judged,
            relations=json.dumps(dict(status.relations), sort_keys=True),
            lastError="",  # a good run clears the last failure
        )

    async def write_failure(self, error: BaseException, when: datetime) -> None:
        """Record a failed pass in `status:matching` (read by /healthz)."""
        await write_status(
            self.redis,
            keys.STATUS_MATCHING,
            lastError=f"{type(error).__name__}: {error}"[:300],
            lastErrorAt=when.isoformat(),
        )
