"""The one matching path shared by the worker and the offline tools: documents + vectors -> entries.

Embeddings propose candidates (the nearest markets under the structural filters), the cards
propose more (`blocking.py`: the same game, contest or candle named differently), and the relation
engine (`markets.py`) decides every candidate pair: equivalent, inverse, subset, mutually
exclusive, related or unrelated, with the outcome map by token. Unrelated pairs are dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dashboard_backend.embeddings.plan import is_current
from dashboard_backend.embeddings.vectors import decode_vector
from dashboard_backend.matching.blocking import block_pairs
from dashboard_backend.matching.cards import Card, parse_card
from dashboard_backend.matching.entries import build_entry, entry_order, features_of
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.markets import market_text, relate_views, view_market
from dashboard_backend.matching.similarity import Neighbours, normalize, pair_scores, top_matches
from dashboard_backend.models import MarketDocument, MarketEmbedding, MatchEntry, Relation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Embedded:
    """Catalog documents with a usable vector each (row i of `vectors` is `docs[i]`)."""

    docs: tuple[MarketDocument, ...]
    vectors: npt.NDArray[np.float32]
    model: str | None
    stale: int  # embeddings whose signature no longer matches the document
    other_model: int  # embeddings of another model than the one used
    unreadable: int  # vectors that did not decode to the stated finite dimensions
    missing: int  # catalog documents with no embedding yet


def majority_model(
    catalog: Mapping[str, MarketDocument], embeddings: Mapping[str, MarketEmbedding]
) -> str | None:
    """The model of most up-to-date embeddings (ties: the name sorting first); None when none."""
    counts = Counter(
        e.model
        for mid, e in embeddings.items()
        if mid in catalog and is_current(catalog[mid], e, e.model)
    )
    if not counts:
        return None
    return min(counts, key=lambda m: (-counts[m], m))


def select_embedded(
    catalog: Mapping[str, MarketDocument], embeddings: Mapping[str, MarketEmbedding]
) -> Embedded:
    """Documents whose stored vector is current (same signature) and of the majority model.

    Vectors of several models never mix: their similarities would mean nothing.
    """
    model = majority_model(catalog, embeddings)
    docs: list[MarketDocument] = []
    rows: list[npt.NDArray[np.float32]] = []
    stale = other = unreadable = missing = 0
    for mid in sorted(catalog):
        doc, emb = catalog[mid], embeddings.get(mid)
        if emb is None:
            missing += 1
        elif not is_current(doc, emb, emb.model):
            stale += 1
        elif emb.model != model:
            other += 1
        else:
            try:
                vector = decode_vector(emb.vector)
            except ValueError:
                vector = np.empty(0, dtype=np.float32)
            sized = len(vector) == emb.dimensions and (not rows or len(vector) == len(rows[0]))
            if not sized or not np.isfinite(vector).all():
                unreadable += 1
            else:
                docs.append(doc)
                rows.append(vector)
    dim = len(rows[0]) if rows else 0
    matrix = np.stack(rows) if rows else np.empty((0, dim), dtype=np.float32)
    return Embedded(tuple(docs), matrix, model, stale, other, unreadable, missing)


class CardCache:
    """Cards of the markets seen in earlier passes, by signature: an unchanged market is parsed
    once per process, so a pass over an unchanged catalog parses nothing."""

    def __init__(self) -> None:
        self._cards: dict[str, Card] = {}

    def card(self, doc: MarketDocument) -> Card:
        """The card of a document (parsed when its signature is new)."""
        key = doc.signature or doc.id
        card = self._cards.get(key)
        if card is None:
            card = parse_card(market_text(doc))
            self._cards[key] = card
        return card

    def retain(self, docs: Sequence[MarketDocument]) -> None:
        """Forget cards of markets no longer in the catalog."""
        keep = {d.signature or d.id for d in docs}
        self._cards = {k: v for k, v in self._cards.items() if k in keep}

    def __len__(self) -> int:
        return len(self._cards)


@dataclass(frozen=True)
class MatchResult:
    """The candidates, the relations decided on them and the entries built from them."""

    neighbours: Neighbours  # embedding candidates
    matches: dict[str, list[MatchEntry]]
    candidates: int  # unordered pairs judged (embedding neighbours and card blocks)
    from_cards: int  # of those, pairs only the card blocks proposed
    relations: dict[str, int] = field(default_factory=dict)  # unordered pairs per relation

    @property
    def pairs(self) -> int:
        """(base, match) entries written."""
        return sum(len(v) for v in self.matches.values())


def match_documents(
    docs: Sequence[MarketDocument],
    vectors: npt.ArrayLike,
    filters: MatchFilters,
    now: datetime,
    sides: Sequence[int] | None = None,
    bases: Sequence[int] | None = None,
    cache: CardCache | None = None,
) -> MatchResult:
    """Candidates (embedding neighbours under the filters, plus card blocks), the relation of each
    candidate pair, and every base's related markets (only `bases` rows when given), strongest
    relation first, at most `filters.top_k` each. Unrelated candidates are dropped."""
    cards = [(cache or CardCache()).card(d) for d in docs]
    unit = normalize(vectors)
    neighbours = top_matches(unit, features_of(docs, sides, cards), filters)
    pairs = {(min(i, j), max(i, j)) for i in range(len(docs)) for j, _ in neighbours.row(i)}
    blocked = block_pairs(cards, sides) - pairs
    blocked = {(i, j) for i, j in blocked if _allowed(docs, i, j, filters)}
    ordered = sorted(pairs | blocked)
    rows = np.array([p[0] for p in ordered], dtype=np.int64)
    cols = np.array([p[1] for p in ordered], dtype=np.int64)
    sims = pair_scores(unit, rows, cols) if ordered else np.empty(0)
    views = [view_market(d, c) for d, c in zip(docs, cards, strict=True)]
    wanted = None if bases is None else set(bases)
    lists: dict[int, list[MatchEntry]] = {}
    counts: Counter[str] = Counter()
    for (i, j), sim in zip(ordered, sims.tolist(), strict=True):
        verdict = relate_views(views[i], views[j])
        counts[verdict.relation.value] += 1
        if verdict.relation == Relation.UNRELATED:
            continue
        if wanted is None or i in wanted:
            lists.setdefault(i, []).append(build_entry(docs[i], docs[j], sim, now, verdict))
        if wanted is None or j in wanted:
            flipped = verdict.flipped()
            lists.setdefault(j, []).append(build_entry(docs[j], docs[i], sim, now, flipped))
    matches = {
        docs[i].id: sorted(entries, key=entry_order)[: filters.top_k]
        for i, entries in lists.items()
    }
    return MatchResult(neighbours, matches, len(ordered), len(blocked), dict(counts))


def _allowed(docs: Sequence[MarketDocument], i: int, j: int, filters: MatchFilters) -> bool:
    """The structural filters that also bind card candidates: never a market with itself, one
    condition twice, or two siblings of one event (different bets that only look alike)."""
    a, b = docs[i], docs[j]
    if a.id == b.id:
        return False
    if filters.exclude_same_condition and a.condition_id == b.condition_id:
        return False
    return not (filters.exclude_same_event and a.event_id is not None and a.event_id == b.event_id)
