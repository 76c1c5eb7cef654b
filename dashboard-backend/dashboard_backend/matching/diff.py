"""Pure diffing of two matching runs into new / dropped / re-priced / re-related pair events.

Pairs are directed, as stored: (base market, match). A pair is re-priced when its YES best-ask
or YES mid difference moved by more than `REPRICE_EPSILON`, or appeared or vanished (None); it
is re-related when the relation engine's verdict changed (say a pair read as related is now
equivalent after a venue edited its question).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from dashboard_backend.models import MatchEntry, Model, Relation

# Half the finest Polymarket tick (0.001): any real price move is larger.
REPRICE_EPSILON = 5e-4

MatchAction = Literal["new", "dropped", "repriced", "related"]
Matches = Mapping[str, Sequence[MatchEntry]]


class MatchChange(Model):
    """One event on `matches:updates` (relayed by /v1/stream as type `match`)."""

    type: Literal["match"] = "match"
    action: MatchAction
    market_id: str  # the base market
    match_id: str
    similarity: float
    yes_ask_diff: float | None = None
    yes_mid_diff: float | None = None
    relation: Relation | None = None
    confidence: float | None = None
    ts: datetime


def _moved(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(after - before) > REPRICE_EPSILON


def _index(matches: Matches) -> dict[tuple[str, str], MatchEntry]:
    return {(base, e.market_id): e for base, entries in matches.items() for e in entries}


def _event(action: MatchAction, base: str, entry: MatchEntry, now: datetime) -> MatchChange:
    return MatchChange(
        action=action,
        market_id=base,
        match_id=entry.market_id,
        similarity=entry.similarity,
        yes_ask_diff=entry.yes_ask_diff,
        yes_mid_diff=entry.yes_mid_diff,
        relation=entry.relation,
        confidence=entry.confidence,
        ts=now,
    )


def diff_matches(old: Matches, new: Matches, now: datetime) -> list[MatchChange]:
    """Events turning `old` into `new`, ordered by (base, match); dropped ones carry old values."""
    before, after = _index(old), _index(new)
    changes: list[MatchChange] = []
    for base, match in sorted(before.keys() | after.keys()):
        was, now_entry = before.get((base, match)), after.get((base, match))
        if was is None and now_entry is not None:
            changes.append(_event("new", base, now_entry, now))
        elif was is not None and now_entry is None:
            changes.append(_event("dropped", base, was, now))
        elif was is not None and now_entry is not None and was.relation != now_entry.relation:
            changes.append(_event("related", base, now_entry, now))
        elif (
            was is not None
            and now_entry is not None
            and (
                _moved(was.yes_ask_diff, now_entry.yes_ask_diff)
                or _moved(was.yes_mid_diff, now_entry.yes_mid_diff)
            )
        ):
            changes.append(_event("repriced", base, now_entry, now))
    return changes


def keep_first_matched(old: Matches, new: Matches) -> dict[str, list[MatchEntry]]:
    """`new` with each surviving pair's `matched_at` carried over: it says when it was first found."""
    before = _index(old)
    out: dict[str, list[MatchEntry]] = {}
    for base, entries in new.items():
        kept: list[MatchEntry] = []
        for entry in entries:
            was = before.get((base, entry.market_id))
            if was is not None:
                entry = entry.model_copy(update={"matched_at": was.matched_at})
            kept.append(entry)
        out[base] = kept
    return out
