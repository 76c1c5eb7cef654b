"""Pure planning: which markets to embed, which stored embeddings to delete, which to keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard_backend.embeddings.vectors import encoded_length
from dashboard_backend.models import MarketDocument, MarketEmbedding, market_signature


@dataclass(frozen=True)
class EmbeddingPlan:
    """Market ids to embed (most traded first), to delete and to leave untouched."""

    to_embed: tuple[str, ...]
    to_delete: tuple[str, ...]
    unchanged: tuple[str, ...]


def catalog_signature(doc: MarketDocument) -> str:
    """The document's stored signature, computed when a producer left it empty."""
    return doc.signature or market_signature(doc)


def is_current(doc: MarketDocument, stored: MarketEmbedding, model: str) -> bool:
    """Whether a stored embedding still stands for this document under this model."""
    return (
        stored.model == model
        and stored.signature == catalog_signature(doc)
        and stored.dimensions > 0
        # A truncated or mis-sized vector is re-embedded rather than trusted.
        and len(stored.vector) == encoded_length(stored.dimensions)
    )


def plan_embeddings(
    catalog: Mapping[str, MarketDocument],
    stored: Mapping[str, MarketEmbedding],
    model: str,
) -> EmbeddingPlan:
    """Diff the catalog against stored embeddings by signature and by model."""
    to_embed: list[tuple[str, MarketDocument]] = []
    unchanged: list[str] = []
    for market_id, doc in catalog.items():
        have = stored.get(market_id)
        if have is not None and is_current(doc, have, model):
            unchanged.append(market_id)
        else:
            to_embed.append((market_id, doc))
    # Most traded first, so a run cut short has covered the markets that matter most.
    to_embed.sort(key=lambda item: (-item[1].volume_24h, -item[1].volume, item[0]))
    return EmbeddingPlan(
        to_embed=tuple(market_id for market_id, _ in to_embed),
        to_delete=tuple(sorted(m for m in stored if m not in catalog)),
        unchanged=tuple(sorted(unchanged)),
    )
