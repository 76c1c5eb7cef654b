"""One matching pass, full or incremental: what the worker keeps between passes, and the pass.

A pass turns documents + vectors into related pairs: cards (parsed per market), embedding
candidates (each market's best neighbours across venues, `lists.py`), card blocks
(`blocking.py`), the relation of every candidate pair (`markets.relate_views`), and the entries
per base. `MatchState` remembers, by market id, each market's *relation key* (everything a
card, a vector, a filter or a verdict reads of it), its card, its neighbour list, the block
index, and the verdict of every candidate pair. The next pass re-parses, re-searches and
re-judges only what touches a market whose key changed or that is new; the rest is reused. The
result is exactly a full pass's (tests compare both on randomly edited catalogs). The state is
dropped when the filters, the vector model or the way sides are given change.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.blocking import BlockIndex, Groups, card_keys, posted_keys
from dashboard_backend.matching.cards import Card, parse_card
from dashboard_backend.matching.entries import features_of
from dashboard_backend.matching.entry_lists import EntryLists
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.lists import DeepLists, full_lists, update_lists
from dashboard_backend.matching.markets import MarketView, market_text, relate_views, view_market
from dashboard_backend.matching.similarity import Neighbours, normalize, pair_scores
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry

DEPTH_FACTOR = 2  # neighbour lists keep this many times top K (room for incremental passes)
PHASES = ("cards", "features", "search", "blocking", "relations", "entries")


def relation_key(doc: MarketDocument) -> Hashable:
    """Everything of a document that its card, vector, candidate filters or verdicts read.

    Prices, liquidity and the like are not in it: they change entries, never relations.
    """
    moment = doc.event_start or doc.close_time
    year = moment.year if moment is not None else 0
    return (
        doc.signature,
        doc.id,
        doc.venue,
        doc.condition_id,
        doc.event_id,
        doc.category,
        doc.question,
        doc.event_title,
        doc.group_item_title,
        doc.yes_sub_title,
        doc.event_start,
        doc.market_type,
        doc.line,
        doc.floor_strike,
        doc.rules,
        doc.description,
        doc.event_slug,
        doc.slug,
        year,
        tuple((o.name, o.token_id) for o in doc.outcomes),
    )


class CardCache:
    """Cards (and views and blocking keys) of the markets seen, by market id and relation key:
    an unchanged market is parsed once per process."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Hashable, Card]] = {}
        self._views: dict[str, MarketView] = {}
        self._keys: dict[str, tuple[Groups, frozenset[str]]] = {}

    def card(self, doc: MarketDocument, key: Hashable | None = None) -> Card:
        """The card of a document (parsed when the document is new or changed)."""
        key = relation_key(doc) if key is None else key
        hit = self._entries.get(doc.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        card = parse_card(market_text(doc))
        self._entries[doc.id] = (key, card)
        self._views.pop(doc.id, None)
        self._keys.pop(doc.id, None)
        return card

    def view(self, doc: MarketDocument) -> MarketView:
        """The market's view (its card must be current: call `card` first in the pass)."""
        view = self._views.get(doc.id)
        if view is None:
            view = view_market(doc, self._entries[doc.id][1])
            self._views[doc.id] = view
        return view

    def block_keys(self, doc: MarketDocument) -> tuple[Groups, frozenset[str]]:
        """The keys the market looks up and the keys it is listed under (card must be current)."""
        keys = self._keys.get(doc.id)
        if keys is None:
            card = self._entries[doc.id][1]
            groups = card_keys(card)
            keys = (groups, posted_keys(card, groups))
            self._keys[doc.id] = keys
        return keys

    def retain(self, docs: Sequence[MarketDocument]) -> None:
        """Forget markets no longer in the catalog."""
        keep = {d.id for d in docs}
        for table in (self._entries, self._views, self._keys):
            for gone in [k for k in table if k not in keep]:
                del table[gone]

    def __len__(self) -> int:
        return len(self._entries)


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
        self._keys: dict[str, Hashable] = {}
        self._lists: DeepLists | None = None
        self._blocks = BlockIndex()
        self._verdicts: dict[tuple[str, str], tuple[Verdict, float]] = {}
        self._entries = EntryLists()

    def reset(self) -> None:
        """Forget everything but the cards (the next pass is a full one)."""
        self._keys, self._lists, self._blocks, self._verdicts = {}, None, BlockIndex(), {}
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

        setup = (filters, model, sides is None, self.depth_factor)
        if setup != self._setup:
            self.reset()
            self._setup = setup
        ids = [d.id for d in docs]
        keys = [relation_key(d) for d in docs]
        dirty = np.fromiter(
            (self._keys.get(m) != k for m, k in zip(ids, keys, strict=True)), np.bool_, len(ids)
        )
        if len(set(ids)) != len(ids):
            raise ValueError("market ids must be unique")
        cards = [self.cards.card(d, k) for d, k in zip(docs, keys, strict=True)]
        lap("cards")
        features = features_of(
            docs,
            sides,
            cards,
            numbers=filters.require_same_numbers,
            entities=filters.require_same_entities,
        )
        unit = normalize(vectors)
        lap("features")
        depth = filters.top_k * self.depth_factor
        if self._lists is None:
            lists, compared = full_lists(unit, features, filters, depth)
            searched = len(docs)
        else:
            lists, searched, compared = update_lists(
                self._lists, unit, features, filters, dirty, depth
            )
        neighbours = lists.top(filters.top_k, compared)
        lap("search")
        position = {m: i for i, m in enumerate(ids)}
        changed = [ids[i] for i in np.flatnonzero(dirty)]
        current = {
            d.id: (*self.cards.block_keys(d), -1 if sides is None else int(sides[i]))
            for i, d in enumerate(docs)
        }
        self._blocks.update(current, changed)
        rows = np.repeat(np.arange(len(docs)), np.diff(neighbours.indptr))
        cols = neighbours.indices
        embedded = set(
            zip(np.minimum(rows, cols).tolist(), np.maximum(rows, cols).tolist(), strict=True)
        )
        blocked = {
            p for p in self._blocks.pairs(position) - embedded if _allowed(docs, *p, filters)
        }
        ordered = sorted(embedded | blocked)
        lap("blocking")
        verdicts, sims, decided = self._judge(docs, ordered, unit, dirty)
        lap("relations")
        counts: Counter[str] = Counter(v.relation.value for v in verdicts)
        matches = self._entries.build(docs, ordered, verdicts, sims, now, bases, filters.top_k)
        lap("entries")
        self._keys = dict(zip(ids, keys, strict=True))
        self._lists = lists
        self.cards.retain(docs)
        return MatchResult(
            neighbours=neighbours,
            matches=matches,
            candidates=len(ordered),
            from_cards=len(blocked),
            relations=dict(counts),
            timings=timings,
            changed=len(changed),
            searched=searched,
            decided=decided,
            pair_ids=tuple((ids[i], ids[j]) for i, j in ordered),
            verdicts=tuple(verdicts),
        )

    def _judge(
        self,
        docs: Sequence[MarketDocument],
        ordered: list[tuple[int, int]],
        unit: npt.NDArray[np.float32],
        dirty: npt.NDArray[np.bool_],
    ) -> tuple[list[Verdict], list[float], int]:
        """The verdict and similarity of each candidate pair: reused when neither market
        changed since the pass that decided it, else decided now."""
        old = self._verdicts
        fresh: dict[tuple[str, str], tuple[Verdict, float]] = {}
        todo: list[int] = []
        for k, (i, j) in enumerate(ordered):
            pair = (docs[i].id, docs[j].id)
            hit = None if dirty[i] or dirty[j] else old.get(pair)
            if hit is None:
                todo.append(k)
            else:
                fresh[pair] = hit
        if todo:
            rows = np.array([ordered[k][0] for k in todo], dtype=np.int64)
            cols = np.array([ordered[k][1] for k in todo], dtype=np.int64)
            scores = pair_scores(unit, rows, cols).tolist()
            for k, sim in zip(todo, scores, strict=True):
                i, j = ordered[k]
                verdict = relate_views(self.cards.view(docs[i]), self.cards.view(docs[j]))
                fresh[(docs[i].id, docs[j].id)] = (verdict, sim)
        self._verdicts = fresh
        out = [fresh[(docs[i].id, docs[j].id)] for i, j in ordered]
        return [v for v, _ in out], [s for _, s in out], len(todo)


def _allowed(docs: Sequence[MarketDocument], i: int, j: int, filters: MatchFilters) -> bool:
    """The structural filters that also bind card candidates: never a market with itself, one
    condition twice, or two siblings of one event (different bets that only look alike)."""
    a, b = docs[i], docs[j]
    if a.id == b.id:
        return False
    if filters.exclude_same_condition and a.condition_id == b.condition_id:
        return False
    return not (filters.exclude_same_event and a.event_id is not None and a.event_id == b.event_id)
