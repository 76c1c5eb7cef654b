"""Structural candidate filters: which pairs the embedding search may propose, and the per-pair rule.

The relation engine decides every candidate (pipeline.py); these filters only bound the search.
A pair (i, j) is a candidate when every switched-on filter passes:

- same outcome count;
- not the same condition on one venue (one condition on two venues is the same bet, a pair to
  find; a market never matches itself);
- not the same event: sibling markets of one event (price buckets, candidates, time slots) embed
  almost identically but are different bets — mutually exclusive ones in a negRisk event — so
  pairing them would only produce false pairs. A market with no event id has no siblings;
- same category, where a missing category is its own bucket, ``"unknown"`` (compared
  case-insensitively);
- the times within the window: the days the markets are *about* (their game, their candle; see
  `entries.features_of`), or close times when no cards are given. Missing times: a pair with an
  undated market always passes (its day cannot be checked; the relation engine reads the dates);
- the same numbers (see `numbers.question_numbers`): near-misses such as "BTC above $100k" vs
  "$110k", "10:25PM-10:30PM" vs "10:30PM-10:35PM" or "by June 30" vs "by July 31" embed almost
  identically but are different bets. The numbers are compared per kind: amounts (strikes, buckets,
  counts, percentages) must be the same set on both sides, a question without any amount included;
  dates, times and years must be the same set when both questions name that kind, and pass when one
  side names none of it — a venue that spells "by 11:59 PM ET on Jul 31, 2026" next to one that says
  "in July" is silent, not contradicting, and "in 2026" is often left out;
- the same entities (see `entities.question_entities`): one question's named-entity words are a
  subset of the other's, so "pardon Julian Assange" vs "pardon Ross Ulbricht" or "Bucks vs.
  Lakers" vs "Lakers vs. Kings" (each side names someone the other does not) are refused, while a
  venue that adds a qualifier ("SSC Napoli", "Donald Trump") or names nothing passes. Checked on
  candidate pairs only: equal or empty sets pass by code, the rest by a set comparison;
- when the markets carry sides (the offline two-file mode), only pairs across sides.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.entities import entities_agree
from dashboard_backend.matching.numbers import NumberKind, number_kind
from dashboard_backend.settings import Settings

UNKNOWN_CATEGORY = "unknown"
_DAY_SEC = 86_400.0
# Columns of MarketFeatures.numbers, and whether a side naming none of that kind still passes.
NUMBER_KINDS = (NumberKind.AMOUNT, NumberKind.DATE, NumberKind.TIME, NumberKind.YEAR)
_SILENCE_PASSES = np.array([False, True, True, True])
NO_NUMBERS = -1  # the code of a kind a question does not name
NO_ENTITIES = -1  # the entity code of a question naming none


def category_key(category: str | None) -> str:
    """The bucket a category falls in: trimmed, lower-case, `unknown` when missing."""
    if category is None or not category.strip():
        return UNKNOWN_CATEGORY
    return category.strip().lower()


@dataclass(frozen=True)
class MatchFilters:
    """Threshold, top-K and the structural filters (a None window switches that filter off)."""

    threshold: float = 0.6
    top_k: int = 10
    same_outcome_count: bool = True
    exclude_same_condition: bool = True
    same_category: bool = False
    close_window_days: float | None = 1.0
    exclude_same_event: bool = True
    require_same_numbers: bool = False
    require_same_entities: bool = False

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if not -1.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be within [-1, 1]")
        if self.close_window_days is not None and not self.close_window_days >= 0:
            raise ValueError("close_window_days must be >= 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchFilters:
        """The filters the settings switch on."""
        return cls(
            threshold=settings.similarity_threshold,
            top_k=settings.max_matches_per_market,
            same_outcome_count=settings.match_require_same_outcome_count,
            exclude_same_condition=settings.match_exclude_same_condition,
            same_category=settings.match_require_same_category,
            close_window_days=(
                settings.match_close_window_days if settings.match_require_close_window else None
            ),
            exclude_same_event=settings.match_exclude_same_event,
            require_same_numbers=settings.match_require_same_numbers,
            require_same_entities=settings.match_require_same_entities,
        )

    @property
    def window_sec(self) -> float | None:
        """The close-time window in seconds, None when that filter is off."""
        return None if self.close_window_days is None else self.close_window_days * _DAY_SEC


def _codes(values: Sequence[str]) -> npt.NDArray[np.int64]:
    """Dense integer codes, equal where the values are equal."""
    table: dict[str, int] = {}
    return np.fromiter((table.setdefault(v, len(table)) for v in values), np.int64, len(values))


def number_codes(numbers: Sequence[Collection[str]] | None, n: int) -> npt.NDArray[np.int64]:
    """(n, 4) codes of each market's numbers per kind (NUMBER_KINDS), NO_NUMBERS where none.

    Equal codes in a column mean equal sets of that kind; None means no numbers known anywhere.
    """
    out = np.full((n, len(NUMBER_KINDS)), NO_NUMBERS, dtype=np.int64)
    if numbers is None:
        return out
    if len(numbers) != n:
        raise ValueError("every feature needs one entry per market")
    tables: list[dict[str, int]] = [{} for _ in NUMBER_KINDS]
    for row, tokens in enumerate(numbers):
        if tokens:
            out[row] = number_row(tokens, tables)
    return out


_COLUMN_OF = {kind: column for column, kind in enumerate(NUMBER_KINDS)}


def number_row(tokens: Collection[str], tables: list[dict[str, int]]) -> list[int]:
    """One market's row of `number_codes`, coded through `tables` (one per kind, kept by the
    caller: equal sets of a kind get equal codes for as long as the tables live)."""
    parts: list[list[str]] = [[] for _ in NUMBER_KINDS]
    for token in sorted(tokens):
        parts[_COLUMN_OF[number_kind(token)]].append(token)
    row = [NO_NUMBERS] * len(NUMBER_KINDS)
    for column, part in enumerate(parts):
        if part:
            table = tables[column]
            row[column] = table.setdefault("|".join(part), len(table))
    return row


def numbers_agree(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Row-wise: same amounts, and same dates/times/years unless one side names none of them."""
    same = (a == b) | (_SILENCE_PASSES & ((a == NO_NUMBERS) | (b == NO_NUMBERS)))
    agree: npt.NDArray[np.bool_] = same.all(axis=1)
    return agree


def entity_codes(entities: Sequence[frozenset[str]]) -> npt.NDArray[np.int64]:
    """Codes equal where the entity sets are equal, NO_ENTITIES where a market names none."""
    table: dict[frozenset[str], int] = {}
    return np.fromiter(
        (table.setdefault(e, len(table)) if e else NO_ENTITIES for e in entities),
        np.int64,
        len(entities),
    )


def entity_sets_agree(
    entities: Sequence[frozenset[str]],
    codes: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Pair-wise `entities_agree`; equal or empty sets decide by code, without a set operation."""
    a, b = codes[rows], codes[cols]
    agree: npt.NDArray[np.bool_] = (a == b) | (a == NO_ENTITIES) | (b == NO_ENTITIES)
    for k in np.flatnonzero(~agree):
        agree[k] = entities_agree(entities[rows[k]], entities[cols[k]])
    return agree


@dataclass(frozen=True)
class MarketFeatures:
    """What the filters look at, one array entry per market (row of the vector matrix)."""

    ids: tuple[str, ...]
    outcome_counts: npt.NDArray[np.int64]
    categories: npt.NDArray[np.int64]  # codes of category_key
    close_times: npt.NDArray[np.float64]  # unix seconds, NaN when unknown
    conditions: npt.NDArray[np.int64]  # codes of the condition id
    id_codes: npt.NDArray[np.int64]  # codes of the market id (equal ids = same market)
    events: npt.NDArray[np.int64]  # codes of the event id; a market without one is its own
    sides: npt.NDArray[np.int64] | None = None  # only pairs across sides when given
    # (n, 4) per-kind codes of the question's numbers (see number_codes); None = all unknown.
    numbers: npt.NDArray[np.int64] | None = None
    # Each market's `question_entities` and their codes (see entity_codes); None = all unknown.
    entities: tuple[frozenset[str], ...] | None = None
    entity_codes: npt.NDArray[np.int64] | None = None

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        outcome_counts: Sequence[int],
        categories: Sequence[str | None],
        close_times: Sequence[float | None],
        conditions: Sequence[str],
        sides: Sequence[int] | None = None,
        events: Sequence[str | None] | None = None,
        numbers: Sequence[Collection[str]] | None = None,
        entities: Sequence[frozenset[str]] | None = None,
    ) -> MarketFeatures:
        """Encode plain per-market values; all sequences have one entry per market.

        `numbers` are the `question_numbers` of each market; None treats every market as naming
        no numbers, so that filter lets every pair through; `entities` likewise.
        """
        n = len(ids)
        lengths = {len(outcome_counts), len(categories), len(close_times), len(conditions)}
        if lengths != {n} or (sides is not None and len(sides) != n):
            raise ValueError("every feature needs one entry per market")
        if (events is not None and len(events) != n) or (
            entities is not None and len(entities) != n
        ):
            raise ValueError("every feature needs one entry per market")
        # "\0" cannot start a real event id: a market without an event gets a code of its own.
        event_keys = [
            f"\0{k}" if events is None or events[k] is None else f"e{events[k]}" for k in range(n)
        ]
        times = np.array([math.nan if t is None else float(t) for t in close_times], np.float64)
        return cls(
            ids=tuple(ids),
            outcome_counts=np.asarray(outcome_counts, dtype=np.int64).reshape(n),
            categories=_codes([category_key(c) for c in categories]),
            close_times=times.reshape(n),
            conditions=_codes(list(conditions)),
            id_codes=_codes(list(ids)),
            events=_codes(event_keys),
            sides=None if sides is None else np.asarray(sides, dtype=np.int64).reshape(n),
            numbers=None if numbers is None else number_codes(numbers, n),
            entities=None if entities is None else tuple(entities),
            entity_codes=None if entities is None else entity_codes(entities),
        )

    def __len__(self) -> int:
        return len(self.ids)


def allowed_pairs(
    features: MarketFeatures,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    filters: MatchFilters,
) -> npt.NDArray[np.bool_]:
    """For index pairs (rows[k], cols[k]): whether every switched-on filter lets them match."""
    ok: npt.NDArray[np.bool_] = (rows != cols) & (
        features.id_codes[rows] != features.id_codes[cols]
    )
    if filters.same_outcome_count:
        ok &= features.outcome_counts[rows] == features.outcome_counts[cols]
    if filters.exclude_same_condition:
        same = features.conditions[rows] == features.conditions[cols]
        if features.sides is not None:
            # One condition on two venues (Predict.fun lists Polymarket's own conditions) is the
            # same bet, which is exactly a pair to find; only one venue's duplicates are dropped.
            same &= features.sides[rows] == features.sides[cols]
        ok &= ~same
    if filters.exclude_same_event:
        ok &= features.events[rows] != features.events[cols]
    if filters.same_category:
        ok &= features.categories[rows] == features.categories[cols]
    window = filters.window_sec
    if window is not None:
        a, b = features.close_times[rows], features.close_times[cols]
        known_a, known_b = ~np.isnan(a), ~np.isnan(b)
        both_known = known_a & known_b
        close = np.zeros(len(rows), dtype=np.bool_)
        close[both_known] = np.abs(a[both_known] - b[both_known]) <= window
        ok &= close | ~known_a | ~known_b  # an undated market's day cannot be checked
    if filters.require_same_numbers and features.numbers is not None:
        ok &= numbers_agree(features.numbers[rows], features.numbers[cols])
    if features.sides is not None:
        ok &= features.sides[rows] != features.sides[cols]
    if (
        filters.require_same_entities
        and features.entities is not None
        and features.entity_codes is not None
    ):
        # Last, so the set comparisons only run on pairs every other filter let through.
        keep = np.flatnonzero(ok)
        ok[keep] = entity_sets_agree(
            features.entities, features.entity_codes, rows[keep], cols[keep]
        )
    return ok
