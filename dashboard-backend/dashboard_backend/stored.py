"""The one place stored values are parsed: unreadable ones are skipped, counted and logged.

Every store reads its hashes through `parse_stored`, so a value written by an older version, cut
short by hand, or simply corrupt never crashes a reader or a loop: the reader gets every value it
can read, and `skipped` says how many it could not (one warning line per read, naming a few).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

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


def parse_one(
    key: str, value: str | bytes | None, parse: Callable[[str | bytes], T], what: str
) -> T | None:
    """One stored value, or None when absent or unreadable (logged)."""
    return parse_stored({key: value}, parse, what).get(key)
