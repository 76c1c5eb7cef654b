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
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from dashboard_backend.embeddings.plan import is_current
from dashboard_backend.embeddings.vectors import decode_vector
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.state import CardCache, MatchResult, MatchState
from dashboard_backend.models import MarketDocument, MarketEmbedding

__all__ = ["CardCache", "Embedded", "MatchResult", "MatchState", "match_documents"]

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


Decoded = dict[str, tuple[MarketEmbedding, npt.NDArray[np.float32]]]


def select_embedded(
    catalog: Mapping[str, MarketDocument],
    embeddings: Mapping[str, MarketEmbedding],
    decoded: Decoded | None = None,
) -> Embedded:
    """Documents whose stored vector is current (same signature) and of the majority model.

    Vectors of several models never mix: their similarities would mean nothing. `decoded`: the
    vectors decoded by the previous call, by market id with the embedding object they came from
    (reused when the embedding is the very same object, as a `stored.ParseMemo` gives back an
    unchanged one); updated to this call's.
    """
    model = majority_model(catalog, embeddings)
    docs: list[MarketDocument] = []
    rows: list[npt.NDArray[np.float32]] = []
    fresh: Decoded = {}
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
            hit = decoded.get(mid) if decoded is not None else None
            if hit is not None and hit[0] is emb:
                vector = hit[1]
            else:
                try:
                    vector = decode_vector(emb.vector)
                except ValueError:
                    vector = np.empty(0, dtype=np.float32)
            fresh[mid] = (emb, vector)
            sized = len(vector) == emb.dimensions and (not rows or len(vector) == len(rows[0]))
            if not sized or not np.isfinite(vector).all():
                unreadable += 1
            else:
                docs.append(doc)
                rows.append(vector)
    if decoded is not None:
        decoded.clear()
        decoded.update(fresh)
    dim = len(rows[0]) if rows else 0
    matrix = np.stack(rows) if rows else np.empty((0, dim), dtype=np.float32)
    return Embedded(tuple(docs), matrix, model, stale, other, unreadable, missing)


def venue_sides(docs: Sequence[MarketDocument]) -> list[int] | None:
    """Each document's venue as a side when several venues are present (the embedding search
    then compares only across venues), None for a single venue."""
    venues = sorted({d.venue for d in docs})
    if len(venues) < 2:
        return None
    code = {v: k for k, v in enumerate(venues)}
    return [code[d.venue] for d in docs]


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
    relation first, at most `filters.top_k` each. Unrelated candidates are dropped.

    A full pass; the worker keeps a `MatchState` to make the next passes incremental.
    """
    return MatchState(cache).run(docs, vectors, filters, now, sides, bases)
