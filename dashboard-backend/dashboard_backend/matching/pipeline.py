"""The one matching path shared by the worker and the offline CLI: documents + vectors -> entries."""

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
from dashboard_backend.matching.entries import build_matches, features_of
from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.similarity import Neighbours, normalize, top_matches
from dashboard_backend.models import MarketDocument, MarketEmbedding, MatchEntry

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


@dataclass(frozen=True)
class MatchResult:
    """The search result and the entries built from it."""

    neighbours: Neighbours
    matches: dict[str, list[MatchEntry]]


def match_documents(
    docs: Sequence[MarketDocument],
    vectors: npt.ArrayLike,
    filters: MatchFilters,
    now: datetime,
    sides: Sequence[int] | None = None,
    bases: Sequence[int] | None = None,
) -> MatchResult:
    """Normalise, search under the filters, build entries (only for `bases` rows when given)."""
    unit = normalize(vectors)
    neighbours = top_matches(unit, features_of(docs, sides), filters)
    return MatchResult(neighbours, build_matches(docs, neighbours, now, bases))
