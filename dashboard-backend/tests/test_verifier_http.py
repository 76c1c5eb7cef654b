"""The verifier over real HTTP (a chat-completions stand-in on loopback) and a real Redis cache."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.errors import ConfigError
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import Relation
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.answer import Answer
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.cache import MemoryCache
from dashboard_backend.verifier.factory import open_verifier, worker_verifier
from dashboard_backend.verifier.review import review_market_pairs
from dashboard_backend.verifier.standin import STANDIN_KEY, ChatStandIn, always, confirm_engine
from dashboard_backend.verifier.store import ANSWER_TTL_SEC, AnswerStore
from tests.verifier_helpers import MODEL, links, make_verifier, market, pairs, serving

SAY_EQUIVALENT = always("equivalent", [("A2", "B2")])  # Yes<->Yes (outcomes listed No, Yes)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_answers_are_cached_in_redis_and_an_unchanged_catalog_makes_no_call(
    http: httpx.AsyncClient, redis_client: aioredis.Redis
) -> None:
    standin = ChatStandIn(answer=SAY_EQUIVALENT)
    batch = pairs(3) + pairs(
        2, Relation.UNRELATED, 0.9, start=3
    )  # the last two are outside the band
    with serving(standin) as url:
        verifier = make_verifier(http, url, AnswerStore(redis_client))
        verdicts, stats = await review_market_pairs(verifier, batch)
        assert (stats.pairs, stats.band, stats.calls, stats.answered) == (5, 3, 3, 3)
        assert standin.attempts == 3
        assert stats.http_requests == 3
        assert [v.relation for v in verdicts] == [Relation.EQUIVALENT] * 3 + [
            Relation.UNRELATED
        ] * 2
        assert verdicts[0].links == links(batch[0][0], batch[0][1])
        assert verdicts[3] is batch[3][2]  # out of the band: untouched
        # Every request carried the bearer key, the model and both markets' questions.
        assert standin.authorizations == [f"Bearer {STANDIN_KEY}"] * 3
        assert {r["model"] for r in standin.requests} == {MODEL}
        asked = {r["messages"][1]["content"] for r in standin.requests}
        assert any(batch[0][0].question in t and batch[0][1].question in t for t in asked)

        # Second pass over the same catalog: every answer comes from Redis, no call at all.
        again, stats = await review_market_pairs(verifier, batch)
        assert standin.attempts == 3
        assert (stats.cached, stats.calls, stats.http_requests) == (3, 0, 0)
        assert again == verdicts

        # One market reworded: exactly that pair is asked again.
        a, b, v = batch[1]
        batch[1] = (market(a.id, a.question.replace("primary", "primary election")), b, v)
        _, stats = await review_market_pairs(verifier, batch)
        assert standin.attempts == 4
        assert (stats.cached, stats.calls) == (2, 1)

    stored = await redis_client.keys(keys.LLM_ANSWER_PREFIX + "*")
    assert len(stored) == 4
    ttl = await redis_client.ttl(stored[0])
    assert 0 < ttl <= ANSWER_TTL_SEC


async def test_a_new_model_asks_again(http: httpx.AsyncClient) -> None:
    standin = ChatStandIn(answer=confirm_engine)
    cache = MemoryCache()
    with serving(standin) as url:
        await review_market_pairs(make_verifier(http, url, cache), pairs(2))
        verifier = make_verifier(http, url, cache)
        verifier.client.model = "another-model"
        _, stats = await review_market_pairs(verifier, pairs(2))
    assert stats.calls == 2
    assert standin.attempts == 4


async def test_unreadable_stored_answers_are_skipped_and_asked_again(
    http: httpx.AsyncClient, redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    standin = ChatStandIn(answer=confirm_engine)
    store = AnswerStore(redis_client)
    batch = pairs(1)
    with serving(standin) as url:
        verifier = make_verifier(http, url, store)
        await review_market_pairs(verifier, batch)
        (key,) = await redis_client.keys(keys.LLM_ANSWER_PREFIX + "*")
        await redis_client.set(key, '{"relation": "equiv')  # cut short by hand
        _, stats = await review_market_pairs(verifier, batch)
        assert stats.calls == 1
        # A key of the wrong type reads as no answer, and the next answer replaces it.
        await redis_client.delete(key)
        await redis_client.hset(key, mapping={"relation": "equivalent"})
        _, stats = await review_market_pairs(verifier, batch)
    assert stats.calls == 1
    assert standin.attempts == 3
    assert "skipped 1 unreadable LLM verifier answers" in caplog.text
    assert Answer.from_json(await redis_client.get(key)).relation == "related_not_equivalent"


async def test_retry_after_is_honoured_on_429_then_the_answer_is_used(
    http: httpx.AsyncClient,
) -> None:
    standin = ChatStandIn(answer=SAY_EQUIVALENT, script=["429"], retry_after="7")
    sleeps: list[float] = []
    with serving(standin) as url:
        verifier = make_verifier(http, url, MemoryCache(), sleeps=sleeps)
        verdicts, stats = await review_market_pairs(verifier, pairs(1))
    assert sleeps == [7.0]
    assert standin.attempts == 2
    assert stats.http_requests == 2
    assert stats.calls == 1
    assert verdicts[0].relation == Relation.EQUIVALENT


@pytest.mark.parametrize("fault", ["500", "hang", "shape"])
async def test_errors_never_upgrade_and_are_not_cached(http: httpx.AsyncClient, fault: str) -> None:
    # The model would say equivalent, but no answer gets through: every verdict stays the
    # engine's, nothing is cached, and the next pass asks again.
    faults = 3 if fault == "shape" else 6  # a 200 that is no completion is not retried
    standin = ChatStandIn(answer=SAY_EQUIVALENT, script=[fault] * faults, hang_sec=2.5)
    cache = MemoryCache()
    batch = pairs(2) + pairs(1, Relation.EQUIVALENT, 0.55, start=2)
    with serving(standin) as url:
        verifier = make_verifier(http, url, cache, retries=1, timeout=1.0)
        verdicts, stats = await review_market_pairs(verifier, batch)
        assert verdicts == [v for _, _, v in batch]
        assert (stats.calls, stats.errors, stats.answered) == (3, 3, 0)
        assert cache.answers == {}
        assert standin.attempts == faults
        _, stats = await review_market_pairs(verifier, batch)
        assert stats.calls == 3
        assert stats.answered == 3


@pytest.mark.parametrize("fault", ["garble", "cut"])
async def test_malformed_answers_keep_the_engine_verdict_and_are_not_bought_twice(
    http: httpx.AsyncClient, fault: str
) -> None:
    standin = ChatStandIn(answer=SAY_EQUIVALENT, script=[fault] * 2)
    cache = MemoryCache()
    batch = pairs(2)
    with serving(standin) as url:
        verifier = make_verifier(http, url, cache)
        verdicts, stats = await review_market_pairs(verifier, batch)
        assert verdicts == [v for _, _, v in batch]
        assert (stats.calls, stats.malformed, stats.changed) == (2, 2, 0)
        assert all(not a.usable for a in cache.answers.values())
        _, stats = await review_market_pairs(verifier, batch)
    assert standin.attempts == 2
    assert stats.calls == 0
    assert stats.cached == 2


async def test_a_rejected_key_stops_the_pass_and_never_reaches_the_logs(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "sk-wrong-key-for-the-test-0123456789"
    caplog.set_level(logging.DEBUG)
    standin = ChatStandIn(answer=SAY_EQUIVALENT)
    with serving(standin) as url:
        verifier = make_verifier(http, url, MemoryCache(), key=wrong, concurrency=1)
        verdicts, stats = await review_market_pairs(verifier, pairs(4))
    assert standin.attempts == 1  # 401 is not retried, and the rest of the pass is not asked
    assert (stats.calls, stats.errors, stats.not_asked) == (1, 1, 3)
    assert all(v.relation == Relation.RELATED for v in verdicts)
    assert "rejected the API key (HTTP 401); check LLM_API_KEY" in caplog.text
    assert wrong not in caplog.text
    assert wrong[-4:] not in caplog.text
    assert standin.authorizations == [f"Bearer {wrong}"]


async def test_the_call_budget_leaves_the_rest_for_later_passes_tradeable_first(
    http: httpx.AsyncClient,
) -> None:
    standin = ChatStandIn(answer=confirm_engine)
    batch = pairs(4, Relation.RELATED, 0.3) + pairs(1, Relation.EQUIVALENT, 0.6, start=4)
    a, b, _ = batch[4]
    batch[4] = (a, b, Verdict(Relation.EQUIVALENT, 0.6, ("same subject",), links(a, b)))
    with serving(standin) as url:
        verifier = make_verifier(http, url, MemoryCache(), max_calls=2)
        verdicts, stats = await review_market_pairs(verifier, batch)
        assert (stats.band, stats.calls, stats.not_asked) == (5, 2, 3)
        # The engine's equivalent is asked first although it is the most confident.
        assert verdicts[4].confidence == 0.85
        assert verdicts[4].relation == Relation.EQUIVALENT
        _, stats = await review_market_pairs(verifier, batch)
        assert (stats.cached, stats.calls, stats.not_asked) == (2, 2, 1)
        _, stats = await review_market_pairs(verifier, batch)
        assert (stats.cached, stats.calls, stats.not_asked) == (4, 1, 0)
        _, stats = await review_market_pairs(verifier, batch)
    assert stats.calls == 0
    assert standin.attempts == 5


async def test_the_band_decides_what_is_asked(http: httpx.AsyncClient) -> None:
    standin = ChatStandIn(answer=SAY_EQUIVALENT)
    batch = pairs(2, Relation.UNRELATED, 0.5) + pairs(2, Relation.RELATED, 0.5, start=2)
    band = Band(0.0, 0.6, frozenset({Relation.RELATED}))
    with serving(standin) as url:
        verifier = make_verifier(http, url, MemoryCache(), band=band)
        verdicts, stats = await review_market_pairs(verifier, batch)
    assert (stats.band, stats.calls) == (2, 2)
    assert [v.relation for v in verdicts] == [Relation.UNRELATED] * 2 + [Relation.EQUIVALENT] * 2


async def test_the_worker_verifier_follows_the_settings(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    async with worker_verifier(Settings(redis_url=redis_url), redis_client) as off:
        assert off is None  # LLM_VERIFIER is off by default
    # Turned on without an endpoint: refused with the settings, so every process exits 2.
    with pytest.raises(
        ValueError, match="LLM_VERIFIER is on but the LLM verifier needs LLM_BASE_URL"
    ):
        Settings(llm_verifier=True, llm_model=MODEL)
    with pytest.raises(ConfigError, match="needs LLM_MODEL"):
        async with open_verifier(Settings(llm_base_url="http://127.0.0.1:9/v1"), MemoryCache()):
            pass
    standin = ChatStandIn(answer=SAY_EQUIVALENT)
    with serving(standin) as url:
        settings = Settings(
            llm_verifier=True,
            llm_base_url=url,
            llm_model=MODEL,
            llm_api_key=STANDIN_KEY,
            llm_max_calls_per_pass=1,
            llm_band_max_confidence=0.5,
        )
        async with worker_verifier(settings, redis_client) as verifier:
            assert verifier is not None
            verdicts, stats = await review_market_pairs(verifier, pairs(3))
    assert stats.status_fields() == {
        "llmBand": 3,
        "llmCached": 0,
        "llmCalls": 1,
        "llmErrors": 0,
        "llmMalformed": 0,
        "llmNotAsked": 2,
        "llmChanged": 1,
    }
    assert [v.relation for v in verdicts].count(Relation.EQUIVALENT) == 1
    assert len(await redis_client.keys(keys.LLM_ANSWER_PREFIX + "*")) == 1
