"""The verifier over the pipeline's match lists, and `relate --markets --llm` on recorded NBA slates."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from dashboard_backend import relate
from dashboard_backend.matching.entries import build_entry
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import MarketDocument, MatchEntry, Relation
from dashboard_backend.verifier.cache import MemoryCache
from dashboard_backend.verifier.matches import review_matches
from dashboard_backend.verifier.standin import ChatStandIn, always, confirm_engine
from tests.test_verifier_relate import llm_env
from tests.verifier_helpers import links, make_verifier, market, serving

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def both_ways(
    a: MarketDocument, b: MarketDocument, verdict: Verdict
) -> tuple[MatchEntry, MatchEntry]:
    """The entry of B in A's list and of A in B's, as the pipeline writes them."""
    return build_entry(a, b, 0.8, NOW, verdict), build_entry(b, a, 0.8, NOW, verdict.flipped())


async def test_each_pair_is_asked_once_and_both_entries_follow_the_answer(
    http: httpx.AsyncClient,
) -> None:
    pm = market("pm7", "Will candidate Q win the 2028 primary?")
    kx = market("kalshi:KX7", "Candidate Q wins the 2028 primary?", "kalshi")
    other = market("pm8", "Will candidate Q win the 2028 primary in every state?")
    ab, ba = both_ways(pm, kx, Verdict(Relation.RELATED, 0.5, ("overlapping topics",)))
    sure = build_entry(pm, other, 0.9, NOW, Verdict(Relation.SUBSET_B_IN_A, 0.9, ("every state",)))
    docs = {d.id: d for d in (pm, kx, other)}
    matches = {pm.id: [ab, sure], kx.id: [ba]}
    # The pair is asked as (kalshi:KX7, pm7), the smaller id first: A1/A2 are the Kalshi market's
    # No/Yes, B1/B2 pm7's. The model maps Yes to No: the inverse relation.
    standin = ChatStandIn(answer=always("equivalent", [("A2", "B1")]))
    with serving(standin) as url:
        verifier = make_verifier(http, url, MemoryCache())
        out, stats = await review_matches(verifier, docs, matches)
    assert standin.attempts == 1
    assert (stats.pairs, stats.band, stats.calls, stats.changed) == (2, 1, 1, 1)
    first = out[pm.id][0]
    assert first.market_id == kx.id
    assert first.relation == Relation.INVERSE
    assert set(first.outcome_map) == set(links(pm, kx, crossed=True))  # pm7 is A in its list
    assert out[pm.id][1] == sure  # outside the band: untouched
    (back,) = out[kx.id]
    assert back.relation == Relation.INVERSE
    assert set(back.outcome_map) == set(links(kx, pm, crossed=True))
    assert back.matched_at == ba.matched_at


async def test_a_pair_the_verifier_calls_unrelated_leaves_both_lists(
    http: httpx.AsyncClient,
) -> None:
    pm = market("pm7", "Will candidate Q win the 2028 primary?")
    kx = market("kalshi:KX7", "Candidate Q wins the 2028 primary?", "kalshi")
    ab, ba = both_ways(pm, kx, Verdict(Relation.EQUIVALENT, 0.55, ("same subject",), links(pm, kx)))
    standin = ChatStandIn(answer=always("unrelated"))
    with serving(standin) as url:
        out, stats = await review_matches(
            make_verifier(http, url, MemoryCache()),
            {pm.id: pm, kx.id: kx},
            {pm.id: [ab], kx.id: [ba]},
        )
    assert out == {}
    assert stats.relations_changed == {"equivalent->unrelated": 1}


def test_relate_markets_llm_reviews_the_band_of_the_recorded_nba_slate(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = shared_data / "steffenmax_arb_bot"
    files = [str(folder / "kalshi_events_nba.json"), str(folder / "gamma_events_nba.json")]
    plain_out, out = tmp_path / "plain.jsonl", tmp_path / "llm.jsonl"
    assert relate.main(["--markets", *files, "--out", str(plain_out), "--no-embeddings"]) == 0
    plain = [json.loads(x) for x in plain_out.read_text().splitlines()]
    subsets = sum(r["relation"] == "subset_b_in_a" for r in plain)
    assert subsets > 10
    args = ["--markets", *files, "--out", str(out), "--no-embeddings", "--llm"]
    standin = ChatStandIn(answer=confirm_engine)
    with serving(standin) as url:
        llm_env(monkeypatch, url, tmp_path)
        # The slate's verdicts are all confident: the default band asks nothing.
        assert relate.main(args) == 0
        assert standin.attempts == 0
        assert [json.loads(x) for x in out.read_text().splitlines()] == plain
        # A band of every subset verdict: each pair asked once, confirmed in its own direction.
        monkeypatch.setenv("LLM_BAND_MAX_CONFIDENCE", "1")
        monkeypatch.setenv("LLM_BAND_RELATIONS", "subset_b_in_a")
        capsys.readouterr()
        assert relate.main(args) == 0
        assert standin.attempts == subsets
        printed = capsys.readouterr().out
        assert f"{subsets} of {len(plain)} pairs in the band" in printed
        assert f"{subsets} verdicts confirmed, 0 changed" in printed
        confirmed = [json.loads(x) for x in out.read_text().splitlines()]
        assert [(r["a"], r["b"], r["relation"]) for r in confirmed] == [
            (r["a"], r["b"], r["relation"]) for r in plain
        ]
        assert all(
            "LLM verifier" in r["reasons"][-1]
            for r in confirmed
            if r["relation"] == "subset_b_in_a"
        )
        assert relate.main(args) == 0  # answers come from the file now
        assert standin.attempts == subsets
        assert f"{subsets} answered from the cache, 0 calls" in capsys.readouterr().out
