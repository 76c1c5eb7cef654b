"""Pure parts of the embedding worker: vector encoding, planning, cost, wire parsing, factory."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dashboard_backend.embeddings.cost import (
    PRICE_PER_MILLION_TOKENS,
    daily_cost_usd,
    estimate_cost_usd,
    estimate_tokens,
)
from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.embeddings.local_provider import LocalProvider
from dashboard_backend.embeddings.openai_provider import OpenAIProvider, parse_embeddings
from dashboard_backend.embeddings.plan import plan_embeddings
from dashboard_backend.embeddings.provider import is_fatal
from dashboard_backend.embeddings.vectors import decode_vector, encode_vector, encoded_length
from dashboard_backend.errors import (
    ConfigError,
    ParseError,
    PermanentUpstreamError,
    RetryableUpstreamError,
)
from dashboard_backend.models import MarketDocument, MarketEmbedding, Outcome
from dashboard_backend.settings import Settings

AT = datetime(2026, 1, 1, tzinfo=UTC)


def doc(market_id: str, question: str, volume_24h: float = 0.0) -> MarketDocument:
    """A signed Yes/No market."""
    return MarketDocument(
        id=market_id,
        condition_id=f"0x{market_id}",
        question=question,
        outcomes=(
            Outcome(name="Yes", token_id=f"{market_id}y"),
            Outcome(name="No", token_id=f"{market_id}n"),
        ),
        volume_24h=volume_24h,
    ).with_signature()


def stored(d: MarketDocument, model: str = "m", dims: int = 4) -> MarketEmbedding:
    """A stored embedding matching `d` under `model`."""
    return MarketEmbedding(
        market_id=d.id,
        signature=d.signature,
        model=model,
        dimensions=dims,
        vector=encode_vector(np.ones(dims, dtype=np.float32)),
        embedded_at=AT,
    )


@given(arrays(np.float32, st.integers(1, 1600), elements=st.floats(width=32, allow_nan=False)))
def test_vectors_round_trip_exactly(vector: np.ndarray) -> None:
    text = encode_vector(vector)
    assert len(text) == encoded_length(len(vector))
    back = decode_vector(text)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, vector)
    back[0] = 1.0  # decoded arrays are writable copies


def test_vector_encoding_is_little_endian_float32_base64() -> None:
    assert encode_vector(np.array([1.0, -2.0], dtype=np.float64)) == "AACAPwAAAMA="
    assert len(encode_vector(np.zeros(384))) == 2048


@pytest.mark.parametrize("bad", ["AAA", "not base64!", "AAAA"])
def test_decode_rejects_malformed_vectors(bad: str) -> None:
    with pytest.raises(ValueError, match="vector"):
        decode_vector(bad)


def test_encode_rejects_matrices() -> None:
    with pytest.raises(ValueError, match="1-D"):
        encode_vector(np.zeros((2, 3)))


def test_plan_diffs_by_signature_and_model() -> None:
    same, edited_old, new = doc("1", "Same?"), doc("2", "Old?"), doc("3", "New?", volume_24h=9)
    edited = doc("2", "Edited?", volume_24h=5)
    catalog = {"1": same, "2": edited, "3": new}
    have = {"1": stored(same), "2": stored(edited_old), "9": stored(doc("9", "Gone?"))}

    plan = plan_embeddings(catalog, have, "m")

    assert plan.to_embed == ("3", "2")  # most traded first
    assert plan.to_delete == ("9",)
    assert plan.unchanged == ("1",)
    assert plan_embeddings(catalog, have, "other").to_embed == ("3", "2", "1")


def test_plan_reembeds_truncated_vectors_and_unsigned_docs() -> None:
    d = doc("1", "Q?")
    truncated = stored(d).model_copy(update={"vector": encode_vector(np.ones(3))})
    assert plan_embeddings({"1": d}, {"1": truncated}, "m").to_embed == ("1",)
    unsigned = d.model_copy(update={"signature": ""})
    assert plan_embeddings({"1": unsigned}, {"1": stored(d)}, "m").unchanged == ("1",)


def test_plan_of_unchanged_catalog_embeds_nothing() -> None:
    catalog = {str(i): doc(str(i), f"Question {i}?") for i in range(50)}
    plan = plan_embeddings(catalog, {k: stored(v) for k, v in catalog.items()}, "m")
    assert (plan.to_embed, plan.to_delete, len(plan.unchanged)) == ((), (), 50)


def test_seed_cost_figure_implies_full_reembedding_of_long_texts() -> None:
    # 500 markets every 15 minutes = 48,000 texts a day; $0.24 of those is $5e-6 a text.
    runs_per_day = 24 * 60 / 15
    per_text = 0.24 / (500 * runs_per_day)
    assert per_text == pytest.approx(5e-6)
    assert per_text / (PRICE_PER_MILLION_TOKENS["text-embedding-3-small"] / 1e6) == pytest.approx(
        250
    )
    assert daily_cost_usd("text-embedding-3-small", 500, runs_per_day, 250) == pytest.approx(0.24)
    # Our ~28-token texts, re-embedded in full every run, would cost about a ninth of that.
    assert daily_cost_usd("text-embedding-3-small", 500, runs_per_day, 28) == pytest.approx(0.02688)


def test_cost_of_unpriced_models_is_unknown() -> None:
    assert estimate_cost_usd("all-MiniLM-L6-v2", 10_000) is None
    assert estimate_cost_usd("text-embedding-3-small", 1_000_000) == pytest.approx(0.02)
    assert estimate_tokens(["abcd", "abcde", ""]) == 1 + 2 + 0


def wire(items: list[tuple[int, list[float]]], usage: int | None = 7) -> bytes:
    """An OpenAI embeddings response body."""
    body: dict[str, object] = {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": e} for i, e in items],
        "model": "text-embedding-3-small",
    }
    if usage is not None:
        body["usage"] = {"prompt_tokens": usage, "total_tokens": usage}
    return json.dumps(body).encode()


def test_parse_embeddings_orders_by_index() -> None:
    matrix, tokens = parse_embeddings(wire([(1, [3.0, 4.0]), (0, [1.0, 2.0])]), 2)
    np.testing.assert_array_equal(matrix, np.array([[1, 2], [3, 4]], dtype=np.float32))
    assert matrix.dtype == np.float32
    assert tokens == 7
    assert parse_embeddings(wire([(0, [1.0])], usage=None), 1)[1] is None


@pytest.mark.parametrize(
    "body",
    [
        wire([(0, [1.0, 2.0])]),  # one vector for two texts
        wire([(0, [1.0, 2.0]), (0, [1.0, 2.0])]),  # duplicate index
        wire([(0, [1.0, 2.0]), (1, [1.0])]),  # ragged
        wire([(0, []), (1, [])]),  # empty vectors
        b'{"data": [{"index": 0, "embedding": [1.0, "x"]}]}',
        b'{"error": "not embeddings"}',
        b"<html>gateway</html>",
    ],
)
def test_parse_embeddings_rejects_malformed_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_embeddings(body, 2)


def test_parse_embeddings_rejects_non_finite_values() -> None:
    with pytest.raises(ParseError, match="non-finite"):
        parse_embeddings(wire([(0, [1e39])]), 1)  # overflows float32


def test_fatal_errors_are_config_and_4xx_not_exhausted_retries() -> None:
    assert is_fatal(ConfigError("no key"))
    assert is_fatal(PermanentUpstreamError("bad key", 401))
    assert is_fatal(PermanentUpstreamError("no such model", 404))
    assert not is_fatal(PermanentUpstreamError("giving up after 5 attempts", 429))
    assert not is_fatal(PermanentUpstreamError("giving up after 5 attempts", 503))
    assert not is_fatal(PermanentUpstreamError("giving up: timed out", None))
    assert not is_fatal(RetryableUpstreamError("busy", 429))
    assert not is_fatal(OSError("connection refused"))


async def test_factory_follows_the_key() -> None:
    local = create_provider(Settings(_env_file=None, embedding_provider="auto"))
    assert isinstance(local, LocalProvider)
    assert (local.name, local.model) == ("local", "all-MiniLM-L6-v2")
    keyed = Settings(
        _env_file=None, openai_api_key="sk-live-abc", embedding_model="text-embedding-3-large"
    )
    remote = create_provider(keyed)
    assert isinstance(remote, OpenAIProvider)
    assert (remote.name, remote.model) == ("openai", "text-embedding-3-large")
    assert remote.url == "https://api.openai.com/v1/embeddings"
    await remote.aclose()
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        create_provider(Settings(_env_file=None, embedding_provider="openai"))
    bad_url = Settings(
        _env_file=None, openai_api_key="sk-live-abc", openai_base_url="localhost:8000"
    )
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        create_provider(bad_url)


def test_loop_looks_again_soon_while_the_catalog_is_empty() -> None:
    from dashboard_backend.workers.embedding import (
        EMPTY_CATALOG_RETRY_SEC,
        EmbeddingRun,
        next_run_delay,
    )

    def run(pending: int, skipped: int, count: int) -> EmbeddingRun:
        return EmbeddingRun(
            provider="local",
            model="m",
            pending=pending,
            embedded=pending,
            skipped=skipped,
            deleted=0,
            failures=0,
            tokens=0,
            cost_usd=None,
            duration_sec=0.1,
            count=count,
        )

    assert next_run_delay(run(0, 0, 0), 900) == EMPTY_CATALOG_RETRY_SEC
    assert next_run_delay(run(3, 0, 3), 900) == 900
    assert next_run_delay(run(0, 5, 5), 900) == 900
    assert next_run_delay(None, 900) == 900
    assert next_run_delay(run(0, 0, 0), 2) == 2
