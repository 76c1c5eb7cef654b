"""The candidate filter features of the catalog, kept between passes and updated by row.

`entries.features_of` reads every document; a pass over a catalog where 1 % changed should not.
The table keeps the previous pass's `MarketFeatures` and builds the current one by moving the rows
of unchanged markets to their new positions and computing only the dirty rows (the same values
`features_of` computes). Categories, conditions, events, numbers and entities are coded through
tables that persist between passes, so one value has one code in every row (the filters only
compare codes for equality); a market without an event gets a code of its own. The tables are
rebuilt from the current markets when they outgrow the catalog (codes of markets long gone).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence, Sized
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.cards import Card
from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.entries import about_time, market_entities, market_numbers
from dashboard_backend.matching.filters import (
    NO_ENTITIES,
    NO_NUMBERS,
    NUMBER_KINDS,
    MarketFeatures,
    category_key,
    number_row,
)
from dashboard_backend.models import MarketDocument

K = TypeVar("K", bound=Hashable)
_SLACK = 1024  # codes a table may hold beyond twice the catalog before it is rebuilt


class FeatureTable:
    """Features of the previous pass's markets and the code tables behind them."""

    def __init__(self, numbers: bool, entities: bool) -> None:
        self.numbers, self.entities = numbers, entities
        self._features: MarketFeatures | None = None
        self._clear_tables()

    def _clear_tables(self) -> None:
        self._categories: dict[str, int] = {}
        self._conditions: dict[str, int] = {}
        self._events: dict[str, int] = {}
        self._lone = 0  # the last code given to a market without an event (negative)
        self._number_tables: list[dict[str, int]] = [{} for _ in NUMBER_KINDS]
        self._entity_table: dict[frozenset[str], int] = {}

    def _oversized(self, n: int) -> bool:
        limit = 2 * n + _SLACK
        tables: list[Sized] = [self._categories, self._conditions, self._events, self._entity_table]
        return any(len(t) > limit for t in [*tables, *self._number_tables])

    def update(
        self, docs: Sequence[MarketDocument], delta: Delta, card_of: Callable[[int], Card]
    ) -> MarketFeatures:
        """The features of `docs` (`card_of(i)`: the current card of market i)."""
        n = len(docs)
        old = self._features
        if old is None or self._oversized(n):
            self._clear_tables()
            old = None
            rows = np.arange(n, dtype=np.int64)
            keep = src = rows[:0]
        else:
            rows = np.flatnonzero(delta.dirty)
            keep = np.flatnonzero(~delta.dirty)
            src = delta.old_of[keep]

        def moved(previous: npt.NDArray[np.int64] | None) -> npt.NDArray[np.int64]:
            out = np.empty(n, dtype=np.int64)
            if previous is not None:
                out[keep] = previous[src]
            return out

        outcome_counts = moved(None if old is None else old.outcome_counts)
        categories = moved(None if old is None else old.categories)
        conditions = moved(None if old is None else old.conditions)
        events = moved(None if old is None else old.events)
        times = np.empty(n, dtype=np.float64)
        if old is not None:
            times[keep] = old.close_times[src]
        numbers = None
        if self.numbers:
            numbers = np.empty((n, len(NUMBER_KINDS)), dtype=np.int64)
            if old is not None and old.numbers is not None:
                numbers[keep] = old.numbers[src]
        entity_sets: list[frozenset[str]] | None = None
        entity_codes = None
        if self.entities:
            entity_codes = moved(None if old is None else old.entity_codes)
            previous = old.entities if old is not None and old.entities is not None else None
            empty: frozenset[str] = frozenset()
            entity_sets = (
                [previous[p] if p >= 0 else empty for p in delta.old_of.tolist()]
                if previous is not None
                else [empty] * n
            )
        for i in rows.tolist():
            doc = docs[i]
            outcome_counts[i] = len(doc.outcomes)
            categories[i] = _code(self._categories, category_key(doc.category))
            about = about_time(card_of(i))
            times[i] = math.nan if about is None else about
            conditions[i] = _code(self._conditions, doc.condition_id)
            if doc.event_id is None:
                self._lone -= 1
                events[i] = self._lone
            else:
                events[i] = _code(self._events, doc.event_id)
            if numbers is not None:
                tokens = market_numbers(doc)
                numbers[i] = (
                    number_row(tokens, self._number_tables)
                    if tokens
                    else [NO_NUMBERS] * len(NUMBER_KINDS)
                )
            if entity_sets is not None and entity_codes is not None:
                found = market_entities(doc)
                entity_sets[i] = found
                entity_codes[i] = _code(self._entity_table, found) if found else NO_ENTITIES
        features = MarketFeatures(
            ids=delta.ids,
            outcome_counts=outcome_counts,
            categories=categories,
            close_times=times,
            conditions=conditions,
            id_codes=np.arange(n, dtype=np.int64),  # ids are unique
            events=events,
            sides=delta.sides,
            numbers=numbers,
            entities=None if entity_sets is None else tuple(entity_sets),
            entity_codes=entity_codes,
        )
        self._features = features
        return features


def _code(table: dict[K, int], value: K) -> int:
    return table.setdefault(value, len(table))
