"""Related pairs from the match lists, and the token index that scopes a book change."""

from __future__ import annotations

from dashboard_backend.cross.index import PairIndex
from dashboard_backend.cross.pairs import related_pairs
from dashboard_backend.models import MarketDocument, MatchEntry, OutcomeLink, Relation
from tests.cross_helpers import link, market

A = market("a")
B = market("b", venue="kalshi")
C = market("c")
D = market("d")


def entry(
    doc: MarketDocument, relation: Relation | None, *links: OutcomeLink, confidence: float = 0.9
) -> MatchEntry:
    return MatchEntry(
        market_id=doc.id,
        question=doc.question,
        similarity=0.9,
        venue=doc.venue,
        relation=relation,
        confidence=confidence,
        outcome_map=links,
    )


def test_a_pair_listed_from_both_sides_is_kept_once_oriented_by_id() -> None:
    # B's list says B ⊂ A (subset_a_in_b from B's side); A's list says subset_b_in_a. Same claim.
    matches = {
        "b": [entry(A, Relation.SUBSET_A_IN_B, link(B, "Yes", A, "Yes"), confidence=0.8)],
        "a": [entry(B, Relation.SUBSET_B_IN_A, link(A, "Yes", B, "Yes"), confidence=0.9)],
    }
    pairs = related_pairs(matches)
    assert list(pairs) == ["a|b"]
    pair = pairs["a|b"]
    assert pair.relation is Relation.SUBSET_B_IN_A
    assert pair.links == (link(A, "Yes", B, "Yes"),)
    assert pair.confidence == 0.8  # the more cautious of the two


def test_disagreeing_sides_cancel_and_untradeable_entries_are_ignored() -> None:
    matches = {
        "a": [
            entry(B, Relation.EQUIVALENT, link(A, "Yes", B, "Yes")),
            entry(C, Relation.RELATED, link(A, "Yes", C, "Yes")),
            entry(D, None),
            entry(A, Relation.EQUIVALENT, link(A, "Yes", A, "Yes")),  # itself
        ],
        "b": [entry(A, Relation.INVERSE, link(B, "Yes", A, "No"))],
        "c": [entry(D, Relation.EQUIVALENT)],  # no outcome map: nothing to trade on
    }
    assert related_pairs(matches) == {}


def test_index_maps_every_outcome_token_to_its_pairs_only() -> None:
    matches = {
        "a": [entry(B, Relation.EQUIVALENT, link(A, "Yes", B, "Yes"))],
        "c": [entry(D, Relation.MUTUALLY_EXCLUSIVE, link(C, "Yes", D, "Yes"))],
        "x": [
            entry(
                A,
                Relation.EQUIVALENT,
                OutcomeLink(a_token="x-Yes", a_outcome="Yes", b_token="a-Yes", b_outcome="Yes"),
            )
        ],
    }
    index = PairIndex.build(matches, {d.id: d for d in (A, B, C, D)})
    assert set(index.pairs) == {"a|b", "c|d"}  # x is not in the catalog
    # Both outcome tokens are indexed: a portfolio may buy the one the map does not name.
    assert index.by_token["a-No"] == ("a|b",)
    assert [p.key for p in index.affected(["b-Yes"]).pairs] == ["a|b"]
    assert [p.key for p in index.affected(["d-No", "unknown"]).pairs] == ["c|d"]
    assert index.affected(["nothing"]).pairs == ()
    assert len(index.everything().pairs) == 2


def test_index_holds_outcome_sets_and_their_yes_tokens() -> None:
    def member(mid: str, group: str, ids: tuple[str, ...], venue: str) -> MarketDocument:
        return market(
            mid, venue=venue, neg_risk=True, neg_risk_market_id=group, event_market_ids=ids
        )

    poly = [member(m, "0xp", ("p0", "p1"), "polymarket") for m in ("p0", "p1")]
    kal = [member(m, "0xK", ("K0", "K1"), "kalshi") for m in ("K0", "K1")]
    matches = {
        p.id: [entry(k, Relation.EQUIVALENT, link(p, "Yes", k, "Yes"))]
        for p, k in zip(poly, kal, strict=True)
    }
    index = PairIndex.build(matches, {d.id: d for d in poly + kal})
    assert list(index.outcome_sets) == ["set:0xK|0xp"]
    affected = index.affected(["p1-Yes"])
    assert [s.key for s in affected.outcome_sets] == ["set:0xK|0xp"]
    assert [p.key for p in affected.pairs] == ["K1|p1"]
    # A NO token belongs to the pair only (the set buys YES everywhere).
    assert index.affected(["p1-No"]).outcome_sets == ()
