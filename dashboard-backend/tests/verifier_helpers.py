"""Builders for verifier tests: market pairs with engine verdicts, and a verifier on a stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, Outcome, OutcomeLink, Relation
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.serve import serve_in_thread
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.cache import AnswerCache
from dashboard_backend.verifier.client import ChatClient
from dashboard_backend.verifier.review import Verifier
from dashboard_backend.verifier.standin import STANDIN_KEY, ChatStandIn

MODEL = "standin-judge-1"


def market(market_id: str, question: str, venue: str = "polymarket") -> MarketDocument:
    """A Yes/No market whose token ids name the market (outcome order No, Yes: never trusted)."""
    return MarketDocument(
        venue=venue,
        id=market_id,
        condition_id=f"0xcond{market_id}",
        question=question,
        description=f"Resolves Yes if {question.rstrip('?').lower()}.",
        outcomes=(
            Outcome(name="No", token_id=f"{market_id}-no"),
            Outcome(name="Yes", token_id=f"{market_id}-yes"),
        ),
    ).with_signature()


def links(a: MarketDocument, b: MarketDocument, crossed: bool = False) -> tuple[OutcomeLink, ...]:
    """Yes<->Yes and No<->No (or Yes<->No and No<->Yes when `crossed`)."""
    ya, na = a.outcome("yes"), a.outcome("no")
    yb, nb = b.outcome("yes"), b.outcome("no")
    assert ya
    assert na
    assert yb
    assert nb
    first, second = ((yb, nb), (nb, yb))[crossed]
    return (
        OutcomeLink(
            a_token=ya.token_id, a_outcome="Yes", b_token=first.token_id, b_outcome=first.name
        ),
        OutcomeLink(
            a_token=na.token_id, a_outcome="No", b_token=second.token_id, b_outcome=second.name
        ),
    )


def pairs(
    n: int, relation: Relation = Relation.RELATED, confidence: float = 0.5, start: int = 0
) -> list[tuple[MarketDocument, MarketDocument, Verdict]]:
    """`n` cross-venue pairs with the same engine verdict (markets numbered from `start`)."""
    out = []
    for i in range(start, start + n):
        a = market(f"pm{i}", f"Will candidate {chr(65 + i)} win the 2028 primary?")
        b = market(f"kalshi:KX{i}", f"Candidate {chr(65 + i)} wins the 2028 primary?", "kalshi")
        out.append((a, b, Verdict(relation, confidence, ("overlapping topics (0.60)",))))
    return out


@contextmanager
def serving(standin: ChatStandIn) -> Iterator[str]:
    """The stand-in on a free loopback port; yields its OpenAI-style base URL (…/v1)."""
    with serve_in_thread(standin) as url:
        yield url + "/v1"


def make_verifier(
    http: httpx.AsyncClient,
    base_url: str,
    cache: AnswerCache,
    *,
    key: str | None = STANDIN_KEY,
    band: Band | None = None,
    max_calls: int = 100,
    concurrency: int = 2,
    timeout: float = 5.0,
    retries: int = 2,
    sleeps: list[float] | None = None,
) -> Verifier:
    """A verifier on the stand-in; retry waits are recorded in `sleeps` instead of slept."""

    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    client = ChatClient(
        http,
        base_url=base_url,
        model=MODEL,
        api_key=key,
        timeout_sec=timeout,
        policy=RetryPolicy(max_retries=retries, base_delay=0.01, max_delay=30.0),
        sleep=sleep,
    )
    return Verifier(client, cache, band or Band(), max_calls, concurrency)
