"""The matching worker with the LLM verifier on: band pairs reviewed before the lists are written."""

from __future__ import annotations

import redis.asyncio as aioredis

from dashboard_backend import keys
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import Relation
from dashboard_backend.settings import Settings
from dashboard_backend.verifier.factory import worker_verifier
from dashboard_backend.verifier.standin import STANDIN_KEY, ChatStandIn, always
from dashboard_backend.workers.matching import match_once
from tests.matching_fixtures import direction, embedding, seed
from tests.verifier_helpers import MODEL, market, serving


async def test_a_pass_reviews_the_band_and_an_unchanged_catalog_makes_no_call(
    redis_url: str, redis_client: aioredis.Redis
) -> None:
    pm = market("71", "Will the Fed cut rates in March 2026?")
    kx = market("kalshi:KXFED-26MAR", "Fed March 2026: cut?", "kalshi")  # the band: related, 0.5
    await seed(redis_client, [pm, kx], [embedding(pm, direction(0)), embedding(kx, direction(5))])
    standin = ChatStandIn(answer=always("equivalent", [("A2", "B2")]))  # Yes<->Yes
    with serving(standin) as url:
        settings = Settings(
            redis_url=redis_url,
            llm_verifier=True,
            llm_base_url=url,
            llm_model=MODEL,
            llm_api_key=STANDIN_KEY,
        )
        async with worker_verifier(settings, redis_client) as verifier:
            await match_once(redis_client, settings, verifier=verifier)
            assert standin.attempts == 1
            lists = await MatchStore(redis_client).read_all()
            assert lists[pm.id][0].relation == Relation.EQUIVALENT
            assert lists[kx.id][0].relation == Relation.EQUIVALENT
            assert "LLM verifier" in lists[pm.id][0].reasons[-2]
            await match_once(redis_client, settings, verifier=verifier)
    assert standin.attempts == 1
    status = await redis_client.hgetall(keys.STATUS_MATCHING)
    assert (status["llmBand"], status["llmCached"], status["llmCalls"]) == ("1", "1", "0")
