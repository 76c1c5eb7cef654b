"""Candidate recall on the real labelled pairs: every child market of every labelled event pair
in one pool, embedded with the local model, through the worker's pass.

Each child market becomes a `MarketDocument` (its title as the question, the event title, the
venue, the Kalshi ticker from its platform id, the condition date as the event start when the
venue states it to the minute or hour); all pairs' markets go into one pool, so every market
competes with every other. A labelled equivalent pair is *found* when the candidate set holds at
least one pair of their child markets. Only side fields are read (never labels or notes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.filters import MatchFilters
from dashboard_backend.matching.pipeline import MatchResult, MatchState, venue_sides
from dashboard_backend.models import MarketDocument, Outcome, embedding_text

FILES = ("v1.labelled.dev.jsonl", "v1.seed.dev.jsonl")


@dataclass(frozen=True)
class LabelledPair:
    """An equivalent event pair and its child markets' ids on each side."""

    pair_id: str
    title_a: str
    title_b: str
    a: tuple[str, ...]
    b: tuple[str, ...]


def _when(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def side_documents(side: Mapping[str, Any]) -> list[MarketDocument]:
    """The child markets of one side as catalog documents."""
    venue = str(side.get("platform") or "")
    event = str(side.get("platform_event_id") or "")
    title = str(side.get("title") or "")
    about = _when(side.get("condition_date"))
    precise = side.get("condition_date_precision") in ("minute", "hour")
    deadline = _when(f"{side['deadline']}T23:59:00+00:00") if side.get("deadline") else None
    event_id = event.rsplit(":", 1)[-1] if venue == "kalshi" else f"{venue}:{event}"
    out: list[MarketDocument] = []
    for child in side.get("child_markets") or []:
        native = str(child.get("platform_id") or "")
        if not native:
            continue
        mid = f"kalshi:{native}" if venue == "kalshi" else f"{venue}:{native}"
        out.append(_document(venue, mid, native, child, title, event_id, deadline, about, precise))
    return out


def _document(
    venue: str,
    mid: str,
    native: str,
    child: Mapping[str, Any],
    title: str,
    event_id: str,
    deadline: datetime | None,
    about: datetime | None,
    precise: bool,
) -> MarketDocument:
    return MarketDocument(
        venue=venue,
        id=mid,
        condition_id=native,
        question=str(child.get("title") or title),
        outcomes=(
            Outcome(name="Yes", token_id=f"{mid}:yes"),
            Outcome(name="No", token_id=f"{mid}:no"),
        ),
        event_id=event_id,
        event_title=title,
        close_time=deadline,
        event_start=about if precise else None,
    ).with_signature()


def load_pool(folder: Path) -> tuple[list[MarketDocument], list[LabelledPair]]:
    """Every child market of the dev and seed pairs (once each) and the equivalent pairs."""
    docs: dict[str, MarketDocument] = {}
    pairs: list[LabelledPair] = []
    for name in FILES:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            sides = [side_documents(record[k]) for k in ("side_a", "side_b")]
            for side in sides:
                for doc in side:
                    docs.setdefault(doc.id, doc)
            # The label is read here only to choose which pairs to score, never by the pass.
            if name.startswith("v1.seed") or record.get("label") == "equivalent":
                pairs.append(
                    LabelledPair(
                        record["pair_id"],
                        record["side_a"].get("title", ""),
                        record["side_b"].get("title", ""),
                        tuple(d.id for d in sides[0]),
                        tuple(d.id for d in sides[1]),
                    )
                )
    return sorted(docs.values(), key=lambda d: d.id), pairs


def embed(docs: list[MarketDocument]) -> npt.NDArray[np.float32]:
    """Vectors of the documents' embedding texts with the project's local model (offline)."""
    from dashboard_backend.embeddings.local_provider import load_local_model

    model = load_local_model()
    texts = [embedding_text(d) for d in docs]
    vectors = model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def recall_report(folder: Path, filters: MatchFilters) -> list[str]:
    """Lines: pool size, pass figures, recall of labelled equivalent pairs, and every miss."""
    docs, pairs = load_pool(folder)
    vectors = embed(docs)
    result = MatchState().run(docs, vectors, filters, datetime.now(UTC), venue_sides(docs))
    return describe(docs, pairs, result)


def describe(
    docs: list[MarketDocument], pairs: list[LabelledPair], result: MatchResult
) -> list[str]:
    """The report lines of one pass over the pool."""
    found = {frozenset(p) for p in result.pair_ids}
    embedded = {
        frozenset((docs[i].id, docs[int(j)].id))
        for i in range(len(docs))
        for j in result.neighbours.indices[
            result.neighbours.indptr[i] : result.neighbours.indptr[i + 1]
        ]
    }
    hit = emb_hit = 0
    misses: list[str] = []
    for pair in pairs:
        children = {frozenset((a, b)) for a in pair.a for b in pair.b}
        if children & found:
            hit += 1
        else:
            misses.append(f"  miss {pair.pair_id[:8]}: {pair.title_a!r} / {pair.title_b!r}")
        emb_hit += bool(children & embedded)
    venues = sorted({d.venue for d in docs})
    lines = [
        f"pool: {len(docs):,} child markets of {len(venues)} venues ({', '.join(venues)}), "
        f"{len(pairs)} labelled equivalent event pairs (dev equivalents + seed)",
        f"pass: {result.candidates:,} candidate pairs ({result.from_cards:,} from cards only), "
        f"{result.candidates / max(len(docs), 1):.2f} per market",
        f"candidate recall: {hit}/{len(pairs)} = {hit / max(len(pairs), 1):.3f} "
        f"(embedding neighbours alone {emb_hit}/{len(pairs)} = "
        f"{emb_hit / max(len(pairs), 1):.3f})",
    ]
    return lines + misses
