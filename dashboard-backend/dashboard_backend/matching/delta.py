"""What changed in the catalog since the previous matching pass, by market.

A pass should not cost a key per market when nothing changed: documents are frozen, so a market
whose document is the very object of the previous pass is unchanged in every respect (a caller
that keeps the objects of unchanged documents, as the benchmark does, pays for the changed ones
only; the worker reads the catalog anew each pass, so it computes every key). Only the other
documents get their keys computed and compared:

- the *relation key*: everything a card, a vector, a candidate filter or a verdict reads of a
  document; a market whose relation key changed (or that is new, or whose side changed) is
  *dirty*: parsed, searched and judged again;
- the *price key*: what an entry reads besides the relation (prices, liquidity, dates, links); a
  market whose price key changed is *repriced*: the lists showing it are rebuilt, nothing else.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt

from dashboard_backend.models import MarketDocument

IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_ID = operator.attrgetter("id")


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


def price_key(doc: MarketDocument) -> Hashable:
    """What an entry reads of a document besides the relation: prices, liquidity, dates, links."""
    return (
        doc.question,
        doc.category,
        doc.close_time,
        doc.url,
        doc.venue,
        doc.liquidity,
        tuple((o.token_id, o.name, o.best_bid, o.best_ask, o.price) for o in doc.outcomes),
    )


@dataclass(frozen=True)
class Delta:
    """The current markets against the previous pass's (positions are list indices)."""

    ids: tuple[str, ...]
    position: dict[str, int]  # id -> current position
    old_of: IndexArray  # current position -> previous position (-1: new)
    new_of: IndexArray  # previous position -> current position (-1: gone)
    dirty: BoolArray  # by current position: relation key new or changed, or another side
    repriced: BoolArray  # by current position: price key changed (dirty markets included)
    sides: IndexArray | None  # each market's side, None when sides are not given
    in_order: bool  # markets present in both passes keep their relative order
    gone: tuple[str, ...]  # ids of the previous pass's markets no longer present

    @property
    def unmoved(self) -> bool:
        """No market new, changed or gone, every one in its place (prices may differ)."""
        return self.in_order and not self.gone and not self.dirty.any()

    @property
    def full(self) -> bool:
        """Every market is new or changed."""
        return bool(self.dirty.all())


class DocumentTracker:
    """The previous pass's documents, positions, keys and sides."""

    def __init__(self) -> None:
        self.docs: list[MarketDocument] = []
        self.ids: tuple[str, ...] = ()
        self.position: dict[str, int] = {}
        self.sides: IndexArray = np.empty(0, dtype=np.int64)
        self._by_id: dict[str, MarketDocument] = {}
        self._relation: dict[str, Hashable] = {}
        self._price: dict[str, Hashable] = {}

    def advance(self, docs: Sequence[MarketDocument], sides: Sequence[int] | None) -> Delta:
        """Compare `docs` with the previous pass and remember them for the next one."""
        ids = tuple(map(_ID, docs))
        n = len(ids)
        old_docs = self.docs
        if len(old_docs) == n and ids == self.ids:  # the same markets in the same places
            position = self.position
            old_of = np.arange(n, dtype=np.int64)
            same = map(operator.is_not, docs, old_docs)
        else:
            position = dict(zip(ids, range(n), strict=True))
            if len(position) != n:
                raise ValueError("market ids must be unique")
            old_of = np.fromiter(map(self.position.get, ids, repeat(-1)), np.int64, n)
            same = map(operator.is_not, docs, map(self._by_id.get, ids))
        touched = np.flatnonzero(np.fromiter(same, np.bool_, n)).tolist()
        dirty = np.zeros(n, dtype=np.bool_)
        repriced = np.zeros(n, dtype=np.bool_)
        for i in touched:
            doc = docs[i]
            self._by_id[doc.id] = doc
            rel, price = relation_key(doc), price_key(doc)
            if self._relation.get(doc.id) != rel:
                self._relation[doc.id] = rel
                dirty[i] = True
            if self._price.get(doc.id) != price:
                self._price[doc.id] = price
                repriced[i] = True
        side = (
            np.full(n, -1, dtype=np.int64)
            if sides is None
            else np.asarray(sides, dtype=np.int64).reshape(n)
        )
        kept = old_of >= 0
        dirty[kept] |= side[kept] != self.sides[old_of[kept]]
        repriced |= dirty
        new_of = np.full(len(self.docs), -1, dtype=np.int64)
        new_of[old_of[kept]] = np.flatnonzero(kept)
        gone = tuple(old_docs[p].id for p in np.flatnonzero(new_of < 0).tolist())
        for m in gone:
            self._relation.pop(m, None)
            self._price.pop(m, None)
            self._by_id.pop(m, None)
        survivors = old_of[kept]
        in_order = bool(np.all(survivors[1:] > survivors[:-1]))
        self.docs, self.ids, self.position, self.sides = list(docs), ids, position, side
        return Delta(
            ids,
            position,
            old_of,
            new_of,
            dirty,
            repriced,
            None if sides is None else side,
            in_order,
            gone,
        )

    def key(self, market_id: str) -> Hashable:
        """The relation key of a current market (as of the last `advance`)."""
        return self._relation[market_id]
