"""One matching pass, full or incremental: what the worker keeps between passes, and the pass.

A pass turns documents + vectors into related pairs: cards (parsed per market), embedding
candidates (each market's best neighbours across venues, `lists.py`), card blocks
(`blocking.py`), the relation of every candidate pair (`markets.relate_views`), and the entries
per base. `MatchState` keeps every stage's result between passes, by market and by pair, and a
pass redoes only what a change touches (`delta.py` tells which markets are new, changed, gone or
re-priced, without a key per market when the documents are the previous pass's objects):

- cards, filter features and unit vectors are computed for the changed rows only
  (`card_cache.py`, `feature_table.py`, `unit_rows.py`), the rest moved to their new positions;
- neighbour lists are searched for the changed rows and merged into their neighbours' lists
  (`lists.py`); the card-block index and its edges are redone for the markets whose keys'
  holders changed (`blocking.py`, `candidates.BlockEdges`);
- the candidate pairs are an array set (`candidates.py`); the verdict of a pair whose two
  markets did not change is reused, the others are decided;
- each base's selection is redone only when one of its pairs changed, and its entries only when
  the selection or a price they show changed (`entry_lists.py`);
- when no market is new, changed or gone, the previous candidates and verdicts stand as they are.

The result is exactly a full pass's (tests compare both on randomly edited catalogs). The state is
dropped when the filters, the vector model or the way sides are given change, and after a pass
that failed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.blocking import BlockIndex, Groups
from dashboard_backend.matching.candidates import (
    BlockEdges,
    PairTable,
    candidate_pairs,
    judge_pairs,
)
from dashboard_backend.matching.card_cache import CardCache
from dashboard_backend.matching.delta import Delta, DocumentTracker
from dashboard_backend.matching.entry_lists import EntryLists
from dashboard_backend.matching.feature_table import FeatureTable
from dashboard_backend.matching.filters import MarketFeatures, MatchFilters
from dashboard_backend.matching.lists import DeepLists, full_lists, update_lists
from dashboard_backend.matching.markets import relate_views
from dashboard_backend.matching.similarity import Neighbours
from dashboard_backend.matching.unit_rows import UnitRows
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry

__all__ = ["CardCache", "MatchResult", "MatchState"]

DEPTH_FACTOR = 2  # neighbour lists keep this many times top K (room for incremental passes)
PHASES = ("cards", "features", "search", "blocking", "relations", "entries")


@dataclass(frozen=True)
class MatchResult:
    """The candidates, the relations decided on them and the entries built from them."""

    neighbours: Neighbours  # embedding candidates (top K per market)
    matches: dict[str, list[MatchEntry]]
    candidates: int  # unordered pairs judged (embedding neighbours and card blocks)
    from_cards: int  # of those, pairs only the card blocks proposed
    relations: dict[str, int] = field(default_factory=dict)  # unordered pairs per relation
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (PHASES)
    changed: int = 0  # markets new or changed since the previous pass (all on a full pass)
    searched: int = 0  # markets whose neighbour row was searched
    decided: int = 0  # candidate pairs whose relation was decided (not reused)
    pair_ids: tuple[tuple[str, str], ...] = ()  # the candidate pairs, by market id
    verdicts: tuple[Verdict, ...] = ()  # the relation of each candidate pair (A = first id)

    @property
    def pairs(self) -> int:
        """(base, match) entries written."""
        return sum(len(v) for v in self.matches.values())


class MatchState:
    """What a matching worker keeps between passes (module docstring)."""

    def __init__(self, cards: CardCache | None = None, depth_factor: int = DEPTH_FACTOR):
        self.cards = cards if cards is not None else CardCache()
        self.depth_factor = depth_factor
        self._setup: Hashable = None
        self.reset()

    def reset(self) -> None:
        """Forget everything but the cards (the next pass is a full one)."""
        self._tracker = DocumentTracker()
        self._features: FeatureTable | None = None
        self._unit = UnitRows()
        self._lists: DeepLists | None = None
        self._blocks = BlockIndex()
        self._edges = BlockEdges()
        self._table: PairTable | None = None
        self._last: Neighbours | None = None  # the previous pass's neighbours
        self._pairs: tuple[tuple[str, str], ...] = ()  # the table's pairs by market id
        self._verdicts: tuple[Verdict, ...] = ()
        self._entries = EntryLists()

    def run(
        self,
        docs: Sequence[MarketDocument],
        vectors: npt.ArrayLike,
        filters: MatchFilters,
        now: datetime,
        sides: Sequence[int] | None = None,
        bases: Sequence[int] | None = None,
        model: str | None = None,
    ) -> MatchResult:
        """One pass (see the module docstring); vectors of one market must not change unless its
        signature or `model` does.

        The cyclic garbage collector is paused for the pass: a pass allocates millions of small
        objects while millions of long-lived ones (documents, cards, caches) sit in the heap, and
        each full collection walks them all (it took 40 % of a pass's CPU). The pass makes no
        reference cycles worth collecting before it returns.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(docs, vectors, filters, now, sides, bases, model)
        except BaseException:
            self.reset()  # a half-updated state would mislead the next pass
            raise
        finally:
            if enabled:
                gc.enable()

    def _run(
        self,
        docs: Sequence[MarketDocument],
        vectors: npt.ArrayLike,
        filters: MatchFilters,
        now: datetime,
        sides: Sequence[int] | None,
        bases: Sequence[int] | None,
        model: str | None,
    ) -> MatchResult:
        timings = dict.fromkeys(PHASES, 0.0)
        clock = time.perf_counter()

        def lap(phase: str) -> None:
            nonlocal clock
            now_ = time.perf_counter()
            timings[phase] += now_ - clock
            clock = now_

        array = np.asarray(vectors, dtype=np.float32)
        if array.ndim != 2 or len(array) != len(docs):
            raise ValueError(f"one vector per market expected: {array.shape} for {len(docs)}")
        setup = (filters, model, sides is None, self.depth_factor)
        if setup != self._setup:
            self.reset()
            self._setup = setup
        delta = self._tracker.advance(docs, sides)
        dirty = np.flatnonzero(delta.dirty).tolist()
        self.cards.forget(delta.gone)
        key = self._tracker.key
        for i in dirty:
            self.cards.card(docs[i], key(docs[i].id))
        lap("cards")
        if self._features is None:
            self._features = FeatureTable(
                filters.require_same_numbers, filters.require_same_entities
            )
        features = self._features.update(
            docs, delta, lambda i: self.cards.card(docs[i], key(docs[i].id))
        )
        unit = self._unit.update(array, delta)
        lap("features")
        if delta.unmoved and self._last is not None:
            # Nothing new, changed or gone: the same candidates and verdicts (prices may differ).
            neighbours = replace(self._last, compared=0)
            table, touched = self._table, np.zeros(len(docs), dtype=np.bool_)
            searched = decided = 0
        else:
            neighbours, searched = self._search(unit, features, filters, delta)
            lap("search")
            current: dict[str, tuple[Groups, frozenset[str], int]] = {
                docs[i].id: (*self.cards.block_keys(docs[i]), -1 if sides is None else sides[i])
                for i in dirty
            }
            redone = self._blocks.update(current, current, delta.gone)
            src, dst = self._edges.update(delta, redone, self._blocks.found)
            a, b, from_cards = candidate_pairs(neighbours, src, dst, features, filters)
            lap("blocking")

            def decide(i: int, j: int) -> Verdict:
                return relate_views(self.cards.view(docs[i]), self.cards.view(docs[j]))

            table, decided, touched = judge_pairs(
                self._table, a, b, from_cards, delta.new_of, delta.dirty, unit, decide
            )
            names = np.array(delta.ids, dtype=object)
            self._pairs = tuple(zip(names[a].tolist(), names[b].tolist(), strict=True))
            self._verdicts = tuple(table.verdicts.tolist())
            self._table, self._last = table, neighbours
            lap("relations")
        assert table is not None
        matches = self._entries.update(docs, delta, table, touched, now, bases, filters.top_k)
        lap("entries")
        return MatchResult(
            neighbours=neighbours,
            matches=matches,
            candidates=len(table),
            from_cards=table.from_cards,
            relations=table.counts(),
            timings=timings,
            changed=len(dirty),
            searched=searched,
            decided=decided,
            pair_ids=self._pairs,
            verdicts=self._verdicts,
        )

    def _search(
        self,
        unit: npt.NDArray[np.float32],
        features: MarketFeatures,
        filters: MatchFilters,
        delta: Delta,
    ) -> tuple[Neighbours, int]:
        """Every market's top K embedding neighbours, and how many rows were searched."""
        depth = filters.top_k * self.depth_factor
        if self._lists is None or delta.full:
            lists, compared = full_lists(unit, features, filters, depth)
            searched = len(delta.ids)
        else:
            lists, searched, compared = update_lists(
                self._lists, unit, features, filters, delta, depth
            )
        self._lists = lists
        return lists.top(filters.top_k, compared), searched
