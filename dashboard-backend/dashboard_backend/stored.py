"""The one place stored values are parsed: unreadable ones are skipped, counted and logged.

Every store reads its hashes through `parse_stored`, so a value written by an older version, cut
short by hand, or simply corrupt never crashes a reader or a loop: the reader gets every value it
can read, and `skipped` says how many it could not (one warning line per read, naming a few).

A whole key of the wrong type (a string where a hash belongs, say) is read as empty through
`tolerant` (one warning line), and its writer repairs it through `repairing`: on WRONGTYPE it
deletes the keys it owns that hold the wrong type and writes again.

A reader that reads a whole hash again and again (the matching worker, every pass) parses through
a `ParseMemo`: a value stored unchanged since the previous read is not parsed again and comes back
as the very object parsed then (models are frozen, so sharing one is safe).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Ids named in the warning line (the rest are counted).
_EXAMPLES = 3


class StoredValues(dict[str, T]):
    """Parsed values by key, plus how many stored values could not be read."""

    skipped: int = 0
    skipped_keys: tuple[str, ...] = ()


def parse_stored(
    raw: Mapping[str, str | bytes | None], parse: Callable[[str | bytes], T], what: str
) -> StoredValues[T]:
    """`parse` every present value; an unreadable one is skipped, counted and logged."""
    out: StoredValues[T] = StoredValues()
    bad: list[str] = []
    for key, value in raw.items():
        if value is None:
            continue
        try:
            out[key] = parse(value)
        except (ValueError, TypeError, KeyError):
            # pydantic's ValidationError and json's JSONDecodeError are ValueErrors.
            bad.append(key)
    if bad:
        out.skipped = len(bad)
        out.skipped_keys = tuple(bad)
        log.warning(
            "skipped %d unreadable %s (e.g. %s)", len(bad), what, ", ".join(bad[:_EXAMPLES])
        )
    return out


class ParseMemo(Generic[T]):
    """`parse` that remembers, by a digest of the stored form, what the previous read parsed.

    Call `next_read` before each read: values the previous read did not see are forgotten."""

    def __init__(self, parse: Callable[[str | bytes], T]) -> None:
        self.parse = parse
        self._previous: dict[bytes, T] = {}
        self._current: dict[bytes, T] = {}
        self.reused = 0  # values of the current read that were not parsed again

    def __call__(self, value: str | bytes) -> T:
        data = value.encode() if isinstance(value, str) else value
        digest = hashlib.blake2b(data, digest_size=16).digest()
        hit = self._current.get(digest)
        if hit is None:
            hit = self._previous.get(digest)
        if hit is None:
            hit = self.parse(value)
        else:
            self.reused += 1
        self._current[digest] = hit
        return hit

    def next_read(self) -> None:
        """Start a read: keep only what the last one saw."""
        self._previous, self._current = self._current, {}
        self.reused = 0


def parse_one(
    key: str, value: str | bytes | None, parse: Callable[[str | bytes], T], what: str
) -> T | None:
    """One stored value, or None when absent or unreadable (logged)."""
    return parse_stored({key: value}, parse, what).get(key)


def wrong_type(error: BaseException) -> bool:
    """Whether Redis refused a command because a key holds another type of value."""
    # A pipeline wraps it: "Command # 3 (XADD ...) of pipeline caused error: (WRONGTYPE ...)".
    return isinstance(error, ResponseError) and "WRONGTYPE" in str(error)


async def tolerant(read: Awaitable[T], empty: T, key: str) -> T:
    """The read's answer, or `empty` (logged) when `key` holds the wrong type of value."""
    try:
        return await read
    except ResponseError as exc:
        if not wrong_type(exc):
            raise
        log.warning(
            "%s holds the wrong type of value: read as empty until its writer repairs it", key
        )
        return empty


async def repairing(
    redis: aioredis.Redis, owned: Mapping[str, str], write: Callable[[], Awaitable[T]]
) -> T:
    """Run `write`; on WRONGTYPE delete those of `owned` (key -> Redis type) that hold another
    type, then write once more."""
    try:
        return await write()
    except ResponseError as exc:
        if not wrong_type(exc):
            raise
        for key, kind in owned.items():
            found = await redis.type(key)
            if found not in (kind, "none"):
                log.warning("%s held a %s, not a %s: deleted and rewritten", key, found, kind)
                await redis.delete(key)
        return await write()
