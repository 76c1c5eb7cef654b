"""The verifier's pure parts: band, sides, prompt, answer parsing and how answers change verdicts."""

from __future__ import annotations

import json

import pytest

from dashboard_backend.errors import ConfigError
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import Relation
from dashboard_backend.settings import Settings, load_settings
from dashboard_backend.verifier.answer import Answer, parse_answer
from dashboard_backend.verifier.band import Band
from dashboard_backend.verifier.decide import CHANGED_CONFIDENCE, CONFIRMED_CONFIDENCE, apply_answer
from dashboard_backend.verifier.prompt import PROMPT_VERSION, build_messages
from dashboard_backend.verifier.sides import market_side
from dashboard_backend.verifier.standin import content_json
from tests.verifier_helpers import links, market

A = market("pm1", "Will Gavin Newsom win the 2028 Democratic primary?")
B = market("kalshi:KXDEM-28-GN", "Gavin Newsom wins the 2028 Democratic nomination?", "kalshi")
SA, SB = market_side(A), market_side(B)
RELATED = Verdict(Relation.RELATED, 0.5, ("overlapping topics (0.67)",))


def answer(relation: str, pairs: list[tuple[str, str]], reason: str = "x") -> Answer:
    return parse_answer(content_json(relation, pairs, reason), "stop", SA, SB)


# Outcome labels follow the listed order: A1 = No, A2 = Yes (the fixture lists No first).
YES_YES = [("A2", "B2")]
YES_NO = [("A2", "B1")]


def test_band_is_confidence_and_relation() -> None:
    band = Band(0.4, 0.6, frozenset({Relation.RELATED, Relation.EQUIVALENT}))
    assert band.holds(RELATED)
    assert band.holds(Verdict(Relation.EQUIVALENT, 0.6, ()))
    assert not band.holds(Verdict(Relation.EQUIVALENT, 0.61, ()))
    assert not band.holds(Verdict(Relation.RELATED, 0.39, ()))
    assert not band.holds(Verdict(Relation.UNRELATED, 0.5, ()))
    # Either subset direction names both: which side is A is an accident of order.
    subsets = Band(0.0, 1.0, frozenset({Relation.SUBSET_A_IN_B}))
    assert subsets.holds(Verdict(Relation.SUBSET_B_IN_A, 0.9, ()))
    assert not subsets.holds(Verdict(Relation.EQUIVALENT, 0.9, ()))
    settings = Settings(
        llm_band_min_confidence=0.2,
        llm_band_max_confidence=0.7,
        llm_band_relations="unrelated,subset_a_in_b",
    )
    assert Band.from_settings(settings) == Band(
        0.2, 0.7, frozenset({Relation.UNRELATED, Relation.SUBSET_A_IN_B})
    )
    assert Band.from_settings(Settings()).relations == frozenset(Relation)


def test_band_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="LLM_BAND_MIN_CONFIDENCE"):
        Settings(llm_band_min_confidence=0.8, llm_band_max_confidence=0.5)
    with pytest.raises(ValueError, match="unknown relations"):
        Settings(llm_band_relations="equivalent,same_bet")
    with pytest.raises(ValueError, match="placeholder"):
        Settings(llm_api_key="sk-...")
    secret = Settings(llm_api_key="sk-live-abcdef0123456789")
    assert "abcdef0123456789" not in repr(secret)
    assert "abcdef0123456789" not in str(secret)
    assert Settings().llm_settings_problem() == "the LLM verifier needs LLM_BASE_URL and LLM_MODEL"


def test_signature_changes_exactly_with_what_the_prompt_shows() -> None:
    same = market("pm1", A.question)
    assert market_side(same).signature == SA.signature
    reworded = market("pm1", "Will Gavin Newsom win the 2028 Democratic primary election?")
    assert market_side(reworded).signature != SA.signature
    # Prices and liquidity are not shown to the model: they never invalidate an answer.
    repriced = A.model_copy(update={"liquidity": 1234.0, "volume": 99.0})
    assert market_side(repriced).signature == SA.signature
    new_rules = A.model_copy(update={"description": "Resolves Yes only if he attends in person."})
    assert market_side(new_rules).signature != SA.signature


def test_prompt_shows_both_markets_the_engine_verdict_and_the_answer_format() -> None:
    verdict = Verdict(Relation.EQUIVALENT, 0.55, ("same subject",), links(A, B))
    system, user = build_messages(SA, SB, verdict)
    assert system["role"] == "system"
    assert "JSON" in system["content"]
    text = user["content"]
    assert A.question in text
    assert B.question in text
    assert "kalshi" in text
    assert "A1: No" in text
    assert "A2: Yes" in text
    assert "B2: Yes" in text
    assert "equivalent (confidence 0.55), outcome map A2=B2, A1=B1, because: same subject" in text
    for cls in ("equivalent", "subset_a_in_b", "subset_b_in_a", "related_not_equivalent"):
        assert f"- {cls}:" in text
    assert '"outcome_map"' in text
    assert PROMPT_VERSION


@pytest.mark.parametrize(
    ("content", "finish", "why"),
    [
        ("The markets look the same.", "stop", "not JSON"),
        ("[1, 2]", "stop", "not a JSON object"),
        (json.dumps({"relation": "same", "outcome_map": []}), "stop", "unknown relation"),
        (json.dumps({"relation": "equivalent", "outcome_map": "A1=B1"}), "stop", "not a list"),
        (content_json("equivalent", [("A3", "B1")], ""), "stop", "unknown outcome"),
        (content_json("equivalent", [("A1", "B1"), ("A2", "B1")], ""), "stop", "twice"),
        (content_json("equivalent", [], ""), "stop", "covering every outcome"),
        (content_json("subset_a_in_b", [], ""), "stop", "without an outcome map"),
        (content_json("equivalent", YES_YES, ""), "length", "cut off"),
        (None, "stop", "no content"),
    ],
)
def test_malformed_answers_are_refused(content: str | None, finish: str, why: str) -> None:
    parsed = parse_answer(content, finish, SA, SB)
    assert not parsed.usable
    assert why in parsed.malformed


def test_well_formed_answers_map_labels_to_tokens() -> None:
    fenced = "```json\n" + content_json("equivalent", YES_YES, "same primary") + "\n```"
    parsed = parse_answer(fenced, "stop", SA, SB)
    # One link between binary markets stands for both: the complements follow.
    assert parsed == Answer(
        "equivalent",
        (("pm1-yes", "kalshi:KXDEM-28-GN-yes"), ("pm1-no", "kalshi:KXDEM-28-GN-no")),
        "same primary",
    )
    assert answer("unrelated", YES_YES).links == ()  # no map for unrelated
    assert Answer.from_json(parsed.to_json()) == parsed


def test_confirmation_keeps_the_engine_verdict_and_raises_confidence() -> None:
    out = apply_answer(RELATED, answer("related_not_equivalent", []), SA, SB, "m")
    assert out.relation == Relation.RELATED
    assert out.confidence == CONFIRMED_CONFIDENCE
    assert out.reasons[0] == RELATED.reasons[0]
    assert "LLM verifier (m)" in out.reasons[-1]
    # The five classes hold mutual exclusion under related: a confirmation, not a change.
    exclusive = Verdict(Relation.MUTUALLY_EXCLUSIVE, 0.5, ("r",), links(A, B)[:1])
    kept = apply_answer(exclusive, answer("related_not_equivalent", []), SA, SB, "m")
    assert kept.relation == Relation.MUTUALLY_EXCLUSIVE
    assert kept.links == exclusive.links


def test_a_well_formed_answer_upgrades_within_the_band() -> None:
    up = apply_answer(RELATED, answer("equivalent", YES_YES), SA, SB, "m")
    assert up.relation == Relation.EQUIVALENT
    assert up.confidence == CHANGED_CONFIDENCE
    assert up.links == links(A, B)
    assert "changed from related_not_equivalent (0.50)" in up.reasons
    # Yes of one mapped to No of the other is the inverse relation, never a plain equivalent.
    inverse = apply_answer(RELATED, answer("equivalent", YES_NO), SA, SB, "m")
    assert inverse.relation == Relation.INVERSE
    assert inverse.links == links(A, B, crossed=True)
    subset = apply_answer(RELATED, answer("subset_b_in_a", YES_YES), SA, SB, "m")
    assert subset.relation == Relation.SUBSET_B_IN_A
    assert len(subset.links) == 1


def test_a_well_formed_answer_downgrades() -> None:
    engine = Verdict(Relation.EQUIVALENT, 0.55, ("same subject",), links(A, B))
    down = apply_answer(engine, answer("related_not_equivalent", []), SA, SB, "m")
    assert down.relation == Relation.RELATED
    assert down.links == ()


def test_a_disputed_outcome_map_is_never_traded() -> None:
    engine = Verdict(Relation.EQUIVALENT, 0.55, ("same subject",), links(A, B))
    # The model maps Yes to No where the engine maps Yes to Yes: the polarity is in doubt.
    out = apply_answer(engine, answer("equivalent", YES_NO), SA, SB, "m")
    assert out.relation == Relation.RELATED
    assert out.links == ()
    assert "outcome maps disagree" in out.reasons[-1]
    subset = Verdict(Relation.SUBSET_A_IN_B, 0.55, ("r",), links(A, B)[:1])
    out = apply_answer(subset, answer("subset_a_in_b", YES_NO), SA, SB, "m")
    assert out.relation == Relation.RELATED
    # The same map under the inverse relation is a confirmation.
    inverse = Verdict(Relation.INVERSE, 0.55, ("r",), links(A, B, crossed=True))
    confirmed = apply_answer(inverse, answer("equivalent", YES_NO), SA, SB, "m")
    assert confirmed.relation == Relation.INVERSE
    assert confirmed.links == inverse.links
    assert confirmed.confidence == CONFIRMED_CONFIDENCE


@pytest.mark.parametrize("relation", list(Relation))
def test_no_usable_answer_keeps_the_engine_verdict_whatever_it_is(relation: Relation) -> None:
    engine = Verdict(relation, 0.5, ("r",))
    assert apply_answer(engine, None, SA, SB, "m") is engine
    garbled = parse_answer("equivalent!", "stop", SA, SB)
    assert apply_answer(engine, garbled, SA, SB, "m") is engine


def test_turning_the_verifier_on_without_an_endpoint_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLM_VERIFIER", "true")
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    monkeypatch.delenv("LLM_MODEL", raising=False)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == (
        "invalid settings: LLM_VERIFIER is on but the LLM verifier needs LLM_BASE_URL and LLM_MODEL"
    )
