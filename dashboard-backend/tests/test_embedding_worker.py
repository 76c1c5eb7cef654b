"""The embedding worker against a real Redis and an OpenAI-compatible server on loopback."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.embeddings.openai_provider import OpenAIProvider
from dashboard_backend.embeddings.provider import is_fatal
from dashboard_backend.embeddings.store import EmbeddingStore
from dashboard_backend.embeddings.vectors import decode_vector
from dashboard_backend.errors import ParseError, PermanentUpstreamError
from dashboard_backend.models import MarketDocument, embedding_text
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket.gamma_parse import parse_market
from dashboard_backend.workers.embedding import (
    EXIT_FAILED,
    EXIT_FATAL,
    EXIT_OK,
    EmbeddingRun,
    embed_pending,
    run_worker,
)
from tests.openai_stub import API_KEY, MODELS, OpenAIStub, bag_of_words, serve_stub
from tests.support_wait import eventually, stops_when_cancelled

BATCH = 16
BACKEND = Path(__file__).resolve().parents[1]


@pytest.fixture
async def stub() -> AsyncIterator[OpenAIStub]:
    """The OpenAI-compatible server, fresh per test."""
    async with serve_stub() as server:
        yield server


@pytest.fixture
def catalog_docs(shared_data: Path) -> dict[str, MarketDocument]:
    """Recorded active Gamma markets, parsed the way the poller parses them."""
    raw = json.loads(
        (
            shared_data / "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"
        ).read_text()
    )["markets"]
    docs: dict[str, MarketDocument] = {}
    for market in raw:
        try:
            doc = parse_market(market)
        except ParseError:
            continue
        docs[doc.id] = doc
    assert len(docs) > 5 * BATCH
    return docs


def settings_for(stub: OpenAIStub, **overrides: Any) -> Settings:
    """Settings pointing the openai provider at the stub, with instant retries."""
    values: dict[str, Any] = {
        "embedding_provider": "openai",
        "openai_api_key": API_KEY,
        "openai_base_url": stub.base_url,
        "embedding_batch_size": BATCH,
        "pm_max_retries": 2,
        "pm_backoff_base_sec": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def run(redis: aioredis.Redis, settings: Settings) -> EmbeddingRun:
    """One worker pass with the provider the settings describe."""
    provider = create_provider(settings)
    try:
        return await embed_pending(redis, provider, settings)
    finally:
        await provider.aclose()


async def _true(value: bool) -> bool:
    return value


async def hlen(redis: aioredis.Redis, key: str) -> int:
    n: int = await redis.hlen(key)
    return n


async def test_first_run_embeds_every_market_in_ceil_n_over_batch_requests(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    result = await run(redis_client, settings_for(stub))

    n = len(catalog_docs)
    assert len(stub.requests) == math.ceil(n / BATCH) == stub.attempts
    assert all(len(body["input"]) <= BATCH for body in stub.requests)
    assert {body["encoding_format"] for body in stub.requests} == {"float"}
    assert sorted(stub.texts) == sorted(embedding_text(d) for d in catalog_docs.values())
    assert (result.pending, result.embedded, result.failures, result.count) == (n, n, 0, n)
    assert await hlen(redis_client, keys.EMBEDDINGS) == await hlen(redis_client, keys.CATALOG)

    stored = await EmbeddingStore(redis_client).read_all()
    for market_id, doc in catalog_docs.items():
        emb = stored[market_id]
        assert (emb.signature, emb.model, emb.dimensions) == (
            doc.signature,
            "text-embedding-3-small",
            64,
        )
        expected = bag_of_words(embedding_text(doc), "text-embedding-3-small", 64)
        # The stub answers in reverse order: equality proves vectors were matched by `index`.
        np.testing.assert_array_equal(decode_vector(emb.vector), np.asarray(expected, np.float32))

    status: dict[str, str] = await redis_client.hgetall(keys.STATUS_EMBEDDING)
    assert status["provider"] == "openai"
    assert status["model"] == "text-embedding-3-small"
    assert (status["embedded"], status["pending"], status["count"]) == (str(n), str(n), str(n))
    assert (status["failures"], status["deleted"], status["lastError"]) == ("0", "0", "")
    assert datetime.fromisoformat(status["lastRun"]).tzinfo is not None
    assert float(status["lastDuration"]) >= 0
    # Paid model: the tokens the server billed are counted and priced.
    assert result.tokens > 0
    assert result.cost_usd == pytest.approx(result.tokens * 0.02 / 1e6)


async def test_second_run_makes_no_requests(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    await run(redis_client, settings_for(stub))
    before = await EmbeddingStore(redis_client).read_all()
    attempts = stub.attempts

    result = await run(redis_client, settings_for(stub))

    assert stub.attempts == attempts
    assert (result.pending, result.embedded, result.skipped) == (0, 0, len(catalog_docs))
    assert await EmbeddingStore(redis_client).read_all() == before


async def test_editing_one_question_reembeds_exactly_that_market(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    catalog = CatalogStore(redis_client)
    await catalog.replace(catalog_docs)
    await run(redis_client, settings_for(stub))
    before = await EmbeddingStore(redis_client).read_all()
    target = sorted(catalog_docs)[7]
    edited = (
        catalog_docs[target]
        .model_copy(update={"question": catalog_docs[target].question + " (revised wording)"})
        .with_signature()
    )
    assert edited.signature != catalog_docs[target].signature
    await catalog.replace({**catalog_docs, target: edited})
    seen = len(stub.requests)

    result = await run(redis_client, settings_for(stub))

    assert stub.requests[seen:] == [
        {
            "model": "text-embedding-3-small",
            "input": [embedding_text(edited)],
            "encoding_format": "float",
        }
    ]
    assert (result.embedded, result.skipped) == (1, len(catalog_docs) - 1)
    after = await EmbeddingStore(redis_client).read_all()
    assert after[target].signature == edited.signature
    assert {k: v for k, v in after.items() if k != target} == {
        k: v for k, v in before.items() if k != target
    }


async def test_removed_markets_lose_their_embeddings(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    catalog = CatalogStore(redis_client)
    await catalog.replace(catalog_docs)
    await run(redis_client, settings_for(stub))
    gone = sorted(catalog_docs)[:3]
    await catalog.replace({k: v for k, v in catalog_docs.items() if k not in gone})
    attempts = stub.attempts

    result = await run(redis_client, settings_for(stub))

    assert stub.attempts == attempts
    assert result.deleted == 3
    stored = await EmbeddingStore(redis_client).read_all()
    assert not set(gone) & set(stored)
    assert await hlen(redis_client, keys.EMBEDDINGS) == await hlen(redis_client, keys.CATALOG)


async def test_429_twice_then_success_loses_nothing_and_honours_retry_after(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    stub.rate_limits, stub.retry_after = 2, "7"
    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    settings = settings_for(stub, pm_backoff_base_sec=0.5)
    async with httpx.AsyncClient() as http:
        provider = OpenAIProvider(
            http,
            api_key=API_KEY,
            model="text-embedding-3-small",
            base_url=stub.base_url,
            policy=RetryPolicy.from_settings(settings),
            sleep=record_sleep,
        )
        result = await embed_pending(redis_client, provider, settings)

    assert waits == [7.0, 7.0]  # the server's Retry-After, not the 0.5 s backoff
    assert stub.attempts == len(stub.requests) + 2
    assert (result.embedded, result.failures) == (len(catalog_docs), 0)
    assert await hlen(redis_client, keys.EMBEDDINGS) == len(catalog_docs)


async def test_failure_in_a_middle_batch_keeps_earlier_batches(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    stub.fail_after = 3  # batches 1-3 succeed, batch 4 gets 500s until retries run out
    n = len(catalog_docs)

    result = await run(redis_client, settings_for(stub))

    assert (result.embedded, result.failures) == (3 * BATCH, n - 3 * BATCH)
    assert not result.ok
    assert "500" in (result.error or "")
    stored = await EmbeddingStore(redis_client).read_all()
    assert set(stored) == {d for body in stub.requests for d in _ids_for(body, catalog_docs)}
    status: dict[str, str] = await redis_client.hgetall(keys.STATUS_EMBEDDING)
    assert status["failures"] == str(n - 3 * BATCH)
    assert status["count"] == str(3 * BATCH)
    assert "500" in status["lastError"]

    stub.fail_after = None
    seen = len(stub.requests)
    retry = await run(redis_client, settings_for(stub))

    assert len(stub.requests) - seen == math.ceil((n - 3 * BATCH) / BATCH)
    assert (retry.embedded, retry.skipped, retry.failures) == (n - 3 * BATCH, 3 * BATCH, 0)
    assert await hlen(redis_client, keys.EMBEDDINGS) == n


async def test_malformed_answer_skips_that_batch_only(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    stub.garble_attempt = 2  # the second batch comes back one vector short
    n = len(catalog_docs)

    result = await run(redis_client, settings_for(stub))

    assert stub.attempts == math.ceil(n / BATCH)  # not retried, and later batches still ran
    assert (result.embedded, result.failures) == (n - BATCH, BATCH)
    assert "indices" in (result.error or "")
    assert await hlen(redis_client, keys.EMBEDDINGS) == n - BATCH

    retry = await run(redis_client, settings_for(stub))

    assert (retry.embedded, retry.failures) == (BATCH, 0)
    assert await hlen(redis_client, keys.EMBEDDINGS) == n


def _ids_for(body: dict[str, Any], docs: dict[str, MarketDocument]) -> set[str]:
    texts = set(body["input"])
    return {market_id for market_id, d in docs.items() if embedding_text(d) in texts}


async def test_model_change_reembeds_everything(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    await run(redis_client, settings_for(stub))
    seen = len(stub.requests)
    stub.fail_after = seen + 2  # the switch stops after two batches: the hash mixes both models
    large = settings_for(stub, embedding_model="text-embedding-3-large")
    assert not (await run(redis_client, large)).ok
    store = EmbeddingStore(redis_client)
    assert len(await store.read_all(model="text-embedding-3-large")) == 2 * BATCH
    assert (
        len(await store.read_all(model="text-embedding-3-small")) == len(catalog_docs) - 2 * BATCH
    )
    stub.fail_after = None
    await redis_client.delete(keys.EMBEDDINGS)
    await run(redis_client, settings_for(stub))
    seen = len(stub.requests)

    result = await run(redis_client, large)

    n = len(catalog_docs)
    assert len(stub.requests) - seen == math.ceil(n / BATCH)
    assert {b["model"] for b in stub.requests[seen:]} == {"text-embedding-3-large"}
    assert (result.embedded, result.skipped) == (n, 0)
    stored = await EmbeddingStore(redis_client).read_all()
    assert {(e.model, e.dimensions) for e in stored.values()} == {
        ("text-embedding-3-large", MODELS["text-embedding-3-large"])
    }


async def test_unknown_model_is_fatal_with_a_clear_message(
    redis_client: aioredis.Redis, stub: OpenAIStub, catalog_docs: dict[str, MarketDocument]
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    with pytest.raises(PermanentUpstreamError) as caught:
        await run(redis_client, settings_for(stub, embedding_model="text-embedding-9-huge"))

    assert is_fatal(caught.value)
    assert "EMBEDDING_MODEL" in str(caught.value)
    assert stub.attempts == 1  # permanent errors are not retried
    status: dict[str, str] = await redis_client.hgetall(keys.STATUS_EMBEDDING)
    assert "text-embedding-9-huge" in status["lastError"]


async def test_run_worker_exit_codes(
    redis_url: str,
    redis_client: aioredis.Redis,
    stub: OpenAIStub,
    catalog_docs: dict[str, MarketDocument],
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    stub.fail_after = 0
    assert await run_worker(settings_for(stub, redis_url=redis_url), loop=False) == EXIT_FAILED
    assert (
        await run_worker(
            settings_for(stub, redis_url=redis_url, openai_api_key="sk-wrong-key"), loop=True
        )
        == EXIT_FATAL
    )
    stub.fail_after = None
    assert await run_worker(settings_for(stub, redis_url=redis_url), loop=False) == EXIT_OK
    assert await hlen(redis_client, keys.EMBEDDINGS) == len(catalog_docs)


async def test_loop_mode_survives_a_failing_run(
    redis_url: str,
    redis_client: aioredis.Redis,
    stub: OpenAIStub,
    catalog_docs: dict[str, MarketDocument],
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)
    stub.fail_after = 0
    settings = settings_for(stub, redis_url=redis_url, embedding_refresh_sec=0.05)
    worker = asyncio.create_task(run_worker(settings, loop=True))
    # The first run fails (1 try + 2 retries, all 500) ...
    await eventually(lambda: _true(stub.attempts >= 3), "the first run to fail")
    stub.fail_after = None

    # ... and the loop carries on: a later run embeds the whole catalog.
    async def complete() -> bool:
        return await hlen(redis_client, keys.EMBEDDINGS) == len(catalog_docs)

    await eventually(complete, "a later run to embed the catalog")
    assert not worker.done()
    worker.cancel()
    done, _ = await asyncio.wait({worker}, timeout=10)
    assert done, "the cancelled worker is still running"
    assert worker.cancelled()


async def test_loop_mode_stops_when_cancelled_at_any_point(
    redis_url: str,
    redis_client: aioredis.Redis,
    stub: OpenAIStub,
    catalog_docs: dict[str, MarketDocument],
) -> None:
    # Cancelled wherever it is (a Redis command, a request to the provider, the pause between
    # runs), the worker stops: a stopped loop must never carry on unseen.
    docs = dict(list(catalog_docs.items())[: 2 * BATCH])
    await CatalogStore(redis_client).replace(docs)
    settings = settings_for(stub, redis_url=redis_url, embedding_refresh_sec=0.01)
    for first in range(0, 180, 60):
        await redis_client.delete(keys.EMBEDDINGS)  # runs with batches to embed again
        await stops_when_cancelled(
            lambda: run_worker(settings, loop=True),
            range(first, first + 60, 3),
            "the embedding worker",
        )
    assert await hlen(redis_client, keys.EMBEDDINGS) > 0


async def test_entry_point_refused_key_exits_with_one_clear_line(
    redis_url: str,
    redis_client: aioredis.Redis,
    stub: OpenAIStub,
    catalog_docs: dict[str, MarketDocument],
    tmp_path: Path,
) -> None:
    await CatalogStore(redis_client).replace(catalog_docs)

    async def worker(key: str) -> tuple[int, str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(BACKEND),
            "REDIS_URL": redis_url,
            "EMBEDDING_PROVIDER": "openai",
            "OPENAI_API_KEY": key,
            "OPENAI_BASE_URL": stub.base_url,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dashboard_backend.workers.embedding",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        assert proc.returncode is not None
        return proc.returncode, err.decode()

    code, stderr = await worker("sk-wrong-key-0000")

    assert code == EXIT_FATAL
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert "HTTP 401" in errors[0]
    assert "check OPENAI_API_KEY" in errors[0]
    assert "sk-wrong-key-0000" not in stderr
    assert stub.attempts == 1

    code, stderr = await worker(API_KEY)

    assert code == EXIT_OK, stderr
    assert await hlen(redis_client, keys.EMBEDDINGS) == await hlen(redis_client, keys.CATALOG)
    assert len(catalog_docs) == await hlen(redis_client, keys.CATALOG)
