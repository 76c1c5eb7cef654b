"""One verifier pass: pick the band, reuse cached answers, ask the model for the rest, apply.

Calls per pass are capped (LLM_MAX_CALLS_PER_PASS) and run a few at a time (LLM_CONCURRENCY).
The pairs asked first are the engine's tradeable verdicts in the band (equivalent, inverse), then
the least confident. Each answer is cached as it arrives, so a pass cut short keeps what it paid
for, and a pass over an unchanged catalog makes no call. A rejected key (401/403) stops the
pass's calls at once. Whatever goes wrong, a pair without a usable answer keeps the engine's
verdict (`decide.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from dashboard_backend.errors import DashboardError, UpstreamError
from dashboard_backend.matching.events_model import Event
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, Relation
from dashboard_backend.verifier.answer import Answer, parse_answer
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.cache import AnswerCache, cache_key
from dashboard_backend.verifier.client import ChatClient
from dashboard_backend.verifier.decide import apply_answer
from dashboard_backend.verifier.prompt import PROMPT_VERSION, build_messages
from dashboard_backend.verifier.sides import Side, event_side, market_side

log = logging.getLogger(__name__)

_TRADEABLE = frozenset({Relation.EQUIVALENT, Relation.INVERSE})


@dataclass(frozen=True)
class PairToReview:
    """One pair and the engine's verdict on it (A first)."""

    a: Side
    b: Side
    verdict: Verdict


@dataclass
class ReviewStats:
    """What one pass did."""

    pairs: int = 0  # verdicts reviewed
    band: int = 0  # of those, in the band
    cached: int = 0  # band pairs answered from the cache
    calls: int = 0  # pairs asked this pass (one completion each, retries aside)
    http_requests: int = 0  # HTTP requests sent, retries included
    answered: int = 0  # calls that brought a well-formed answer
    malformed: int = 0  # calls that brought a malformed answer (kept, never applied)
    errors: int = 0  # calls that brought no answer (error, timeout): asked again next pass
    not_asked: int = 0  # band pairs left for a later pass (budget spent or key rejected)
    confirmed: int = 0  # verdicts the answer confirmed
    changed: int = 0  # verdicts the answer changed
    relations_changed: dict[str, int] = field(default_factory=dict)  # "from->to" -> pairs

    def status_fields(self) -> dict[str, int]:
        """The counts a worker records in its status hash (`llm*` fields)."""
        return {
            "llmBand": self.band,
            "llmCached": self.cached,
            "llmCalls": self.calls,
            "llmErrors": self.errors,
            "llmMalformed": self.malformed,
            "llmNotAsked": self.not_asked,
            "llmChanged": self.changed,
        }

    def summary(self) -> str:
        """One line for logs and the offline tool."""
        return (
            f"{self.band} of {self.pairs} pairs in the band; {self.cached} answered from the "
            f"cache, {self.calls} calls ({self.http_requests} HTTP requests): {self.answered} "
            f"answers, {self.malformed} malformed, {self.errors} errors; {self.not_asked} left "
            f"for a later pass; {self.confirmed} verdicts confirmed, {self.changed} changed"
        )


class Verifier:
    """The LLM verifier over one client and one cache."""

    def __init__(
        self,
        client: ChatClient,
        cache: AnswerCache,
        band: Band,
        max_calls: int,
        concurrency: int = 4,
    ):
        self.client = client
        self.cache = cache
        self.band = band
        self.max_calls = max_calls
        self.concurrency = max(1, concurrency)

    def key(self, pair: PairToReview) -> str:
        """The cache key of a pair under this verifier's model and prompt."""
        return cache_key(pair.a.signature, pair.b.signature, self.client.model, PROMPT_VERSION)

    async def review(self, pairs: Sequence[PairToReview]) -> tuple[list[Verdict], ReviewStats]:
        """Every verdict after review (same order as `pairs`), and what the pass did."""
        stats = ReviewStats(pairs=len(pairs))
        band = [i for i, p in enumerate(pairs) if self.band.holds(p.verdict)]
        stats.band = len(band)
        keys = {i: self.key(pairs[i]) for i in band}
        answers = await self.cache.get_many(sorted(set(keys.values())))
        stats.cached = sum(1 for i in band if keys[i] in answers)
        queue: dict[str, PairToReview] = {}
        for i in sorted(band, key=lambda i: _priority(pairs[i].verdict, keys[i])):
            if keys[i] not in answers:
                queue.setdefault(keys[i], pairs[i])
        asked = list(queue.items())[: self.max_calls]
        stats.not_asked = len(queue) - len(asked)
        requests_before = self.client.attempts
        answers.update(await self._ask(asked, stats))
        stats.http_requests = self.client.attempts - requests_before
        out = list(p.verdict for p in pairs)
        for i in band:
            answer = answers.get(keys[i])
            if answer is None or not answer.usable:
                continue
            pair = pairs[i]
            out[i] = apply_answer(pair.verdict, answer, pair.a, pair.b, self.client.model)
            if out[i].relation == pair.verdict.relation:
                stats.confirmed += 1
            else:
                stats.changed += 1
                move = f"{pair.verdict.relation.value}->{out[i].relation.value}"
                stats.relations_changed[move] = stats.relations_changed.get(move, 0) + 1
        return out, stats

    async def _ask(
        self, asked: list[tuple[str, PairToReview]], stats: ReviewStats
    ) -> dict[str, Answer]:
        """Ask the model about each pair (a few at a time); cache and return the answers."""
        got: dict[str, Answer] = {}
        gate = asyncio.Semaphore(self.concurrency)
        rejected = asyncio.Event()
        failures: list[str] = []
        refusals: list[str] = []
        rejection: list[str] = []

        async def one(key: str, pair: PairToReview) -> None:
            async with gate:
                if rejected.is_set():
                    stats.not_asked += 1
                    return
                stats.calls += 1
                try:
                    reply = await self.client.complete(build_messages(pair.a, pair.b, pair.verdict))
                except (DashboardError, httpx.HTTPError) as exc:
                    stats.errors += 1
                    failures.append(str(exc) or type(exc).__name__)
                    if isinstance(exc, UpstreamError) and exc.status in (401, 403):
                        rejected.set()
                        rejection.append(failures[-1])
                    return
                answer = parse_answer(reply.content, reply.finish_reason, pair.a, pair.b)
                if answer.usable:
                    stats.answered += 1
                else:
                    stats.malformed += 1
                    refusals.append(answer.malformed)
                await self.cache.put(key, answer)
                got[key] = answer

        await asyncio.gather(*(one(key, pair) for key, pair in asked))
        # One line per kind of trouble and pass, not one per pair: an outage would flood the log.
        if rejection:
            log.error("LLM verifier stopped this pass: %s", rejection[0])
        elif failures:
            log.warning(
                "LLM verifier: %d calls brought no answer, engine verdicts kept (first: %s)",
                len(failures),
                failures[0],
            )
        if refusals:
            log.warning(
                "LLM verifier: %d malformed answers, engine verdicts kept (first: %s)",
                len(refusals),
                refusals[0],
            )
        return got


def _priority(verdict: Verdict, key: str) -> tuple[int, float, str]:
    """Tradeable verdicts first (a wrong one costs money), then the least confident."""
    return (0 if verdict.relation in _TRADEABLE else 1, verdict.confidence, key)


async def review_band(
    verifier: Verifier,
    verdicts: Sequence[Verdict],
    sides: Callable[[int], tuple[Side, Side]],
) -> tuple[list[Verdict], ReviewStats]:
    """Review verdicts whose sides are built only for the band (`sides(i)`: A and B of pair i)."""
    band = [i for i, v in enumerate(verdicts) if verifier.band.holds(v)]
    reviewed, stats = await verifier.review([PairToReview(*sides(i), verdicts[i]) for i in band])
    stats.pairs = len(verdicts)
    out = list(verdicts)
    for i, verdict in zip(band, reviewed, strict=True):
        out[i] = verdict
    return out, stats


async def review_market_pairs(
    verifier: Verifier, pairs: Sequence[tuple[MarketDocument, MarketDocument, Verdict]]
) -> tuple[list[Verdict], ReviewStats]:
    """The relation engine's market verdicts after review (same order), and what the pass did."""
    seen: dict[str, Side] = {}

    def side(doc: MarketDocument) -> Side:
        if doc.id not in seen:
            seen[doc.id] = market_side(doc)
        return seen[doc.id]

    return await review_band(
        verifier, [v for _, _, v in pairs], lambda i: (side(pairs[i][0]), side(pairs[i][1]))
    )


async def review_event_pairs(
    verifier: Verifier, pairs: Sequence[tuple[Event, Event, Verdict]]
) -> tuple[list[Verdict], ReviewStats]:
    """The relation engine's event verdicts after review (same order), and what the pass did."""
    return await review_band(
        verifier,
        [v for _, _, v in pairs],
        lambda i: (event_side(pairs[i][0]), event_side(pairs[i][1])),
    )
