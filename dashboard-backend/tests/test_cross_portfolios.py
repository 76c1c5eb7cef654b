"""Which legs a relation and its outcome map trade, and that every reported trade is covered."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.cross.opportunities import Pricing, pair_opportunities
from dashboard_backend.cross.pairs import RelatedPair
from dashboard_backend.cross.portfolios import pair_portfolios
from dashboard_backend.fees import FeeTable
from dashboard_backend.models import MarketDocument, Opportunity, OrderBook, OutcomeLink, Relation
from dashboard_backend.opportunities import CatalogIndex
from tests.cross_helpers import NO_FEES, NOW, allowed, asks, link, market, token


def _bought(
    a: MarketDocument, b: MarketDocument, relation: Relation, links: list[OutcomeLink]
) -> set[tuple[str, str]]:
    return {(p.a_outcome.name, p.b_outcome.name) for p in pair_portfolios(a, b, relation, links)}


A = market("a")
B = market("b", venue="kalshi")


def test_equivalent_trades_both_directions() -> None:
    links = [link(A, "Yes", B, "Yes")]
    assert _bought(A, B, Relation.EQUIVALENT, links) == {("Yes", "No"), ("No", "Yes")}


def test_inverse_buys_yes_on_both_or_no_on_both() -> None:
    links = [link(A, "Yes", B, "No")]  # inverse is stored as YES_A <-> NO_B
    assert _bought(A, B, Relation.INVERSE, links) == {("Yes", "Yes"), ("No", "No")}


def test_subset_buys_no_on_the_narrow_market_and_yes_on_the_wide_one() -> None:
    links = [link(A, "Yes", B, "Yes")]
    assert _bought(A, B, Relation.SUBSET_A_IN_B, links) == {("No", "Yes")}
    assert _bought(A, B, Relation.SUBSET_B_IN_A, links) == {("Yes", "No")}


def test_mutually_exclusive_buys_no_on_both() -> None:
    links = [link(A, "Yes", B, "Yes")]
    assert _bought(A, B, Relation.MUTUALLY_EXCLUSIVE, links) == {("No", "No")}


def test_complement_is_the_other_outcome_whatever_the_order_or_names() -> None:
    flipped = market("f", names=("No", "Yes"))
    teams = market("t", venue="kalshi", names=("Celtics", "Lakers"))
    # "Will the Lakers win?" YES is the Lakers outcome of a two-team market.
    links = [link(flipped, "Yes", teams, "Lakers")]
    assert _bought(flipped, teams, Relation.EQUIVALENT, links) == {
        ("Yes", "Celtics"),
        ("No", "Lakers"),
    }


@pytest.mark.parametrize("relation", [Relation.RELATED, Relation.UNRELATED])
def test_relations_without_a_guarantee_trade_nothing(relation: Relation) -> None:
    assert _bought(A, B, relation, [link(A, "Yes", B, "Yes")]) == set()


def test_bad_maps_are_refused() -> None:
    good = link(A, "Yes", B, "Yes")
    # A contradiction: YES_A <-> YES_B and YES_A <-> NO_B leaves A unable to resolve YES.
    assert _bought(A, B, Relation.EQUIVALENT, [good, link(A, "Yes", B, "No")]) == set()
    # A token that is not the market's, or a name that does not match the token.
    stranger = OutcomeLink(a_token="zzz", a_outcome="Yes", b_token="b-Yes", b_outcome="Yes")
    assert _bought(A, B, Relation.EQUIVALENT, [stranger]) == set()
    misnamed = OutcomeLink(a_token="a-Yes", a_outcome="No", b_token="b-Yes", b_outcome="Yes")
    assert _bought(A, B, Relation.EQUIVALENT, [misnamed]) == set()
    assert _bought(A, B, Relation.EQUIVALENT, []) == set()
    assert _bought(A, A, Relation.EQUIVALENT, [link(A, "Yes", A, "Yes")]) == set()


def test_a_consistent_two_link_map_is_accepted() -> None:
    links = [link(A, "Yes", B, "Yes"), link(A, "No", B, "No")]
    assert _bought(A, B, Relation.EQUIVALENT, links) == {("Yes", "No"), ("No", "Yes")}


def _pricing(
    books: dict[str, OrderBook], *docs: MarketDocument, fees: FeeTable = NO_FEES
) -> Pricing:
    return Pricing(catalog=CatalogIndex(docs), books=books, fees=fees, now=NOW)


def _books(prices: dict[str, float], size: float = 100.0) -> dict[str, OrderBook]:
    return {t: asks(t, [(p, size)]) for t, p in prices.items()}


def test_wrong_polarity_map_is_never_traded_on_the_naive_legs() -> None:
    # The engine says YES_A wins exactly when NO_B wins (B asks the opposite question).
    # YES_A 0.40 + NO_B 0.45 = 0.85 looks like an arbitrage to a bot reading names; under the
    # map those two win together, so that trade pays 0 or 2. The guaranteed trades cost more.
    books = _books({"a-Yes": 0.40, "b-No": 0.45, "a-No": 0.61, "b-Yes": 0.62})
    inverted = RelatedPair("a", "b", Relation.EQUIVALENT, (link(A, "Yes", B, "No"),))
    assert pair_opportunities(inverted, _pricing(books, A, B)) == {}
    # The same books with the same-polarity map: YES_A + NO_B is the genuine trade.
    same = RelatedPair("a", "b", Relation.EQUIVALENT, (link(A, "Yes", B, "Yes"),))
    found = pair_opportunities(same, _pricing(books, A, B))
    assert [sorted(leg.token_id for leg in o.legs) for o in found.values()] == [["a-Yes", "b-No"]]


def test_subset_in_the_wrong_direction_is_never_traded() -> None:
    # A ⇒ B: NO_A + YES_B is covered (0.55 + 0.50 = 1.05: no edge). YES_A + NO_B is cheap
    # (0.40 + 0.45) but pays 0 when B happens without A.
    books = _books({"a-Yes": 0.40, "b-No": 0.45, "a-No": 0.55, "b-Yes": 0.50})
    wrong = RelatedPair("a", "b", Relation.SUBSET_A_IN_B, (link(A, "Yes", B, "Yes"),))
    assert pair_opportunities(wrong, _pricing(books, A, B)) == {}
    right = RelatedPair("a", "b", Relation.SUBSET_B_IN_A, (link(A, "Yes", B, "Yes"),))
    (opp,) = pair_opportunities(right, _pricing(books, A, B)).values()
    assert opp.kind == "cross_subset"
    assert {leg.token_id for leg in opp.legs} == {"a-Yes", "b-No"}


# --- property: every reported portfolio pays its cost in every world the relation allows ------

TRADEABLE = [
    Relation.EQUIVALENT,
    Relation.INVERSE,
    Relation.SUBSET_A_IN_B,
    Relation.SUBSET_B_IN_A,
    Relation.MUTUALLY_EXCLUSIVE,
]


def _payout(opp: Opportunity, winners: set[str]) -> float:
    return sum(leg.size or 0.0 for leg in opp.legs if leg.token_id in winners)


@st.composite
def priced_pair(draw: st.DrawFn) -> tuple[RelatedPair, Pricing]:
    names_a = draw(st.sampled_from([("Yes", "No"), ("No", "Yes"), ("Over", "Under")]))
    names_b = draw(st.sampled_from([("Yes", "No"), ("No", "Yes"), ("Spurs", "Celtics")]))
    a = market(
        "a",
        venue=draw(st.sampled_from(["polymarket", "kalshi"])),
        names=names_a,
        category="politics",
    )
    b = market(
        "b", venue=draw(st.sampled_from(["polymarket", "kalshi"])), names=names_b, category="crypto"
    )
    relation = draw(st.sampled_from(TRADEABLE))
    ln = link(a, draw(st.sampled_from(names_a)), b, draw(st.sampled_from(names_b)))
    books: dict[str, OrderBook] = {}
    for doc in (a, b):
        for outcome in doc.outcomes:
            levels = draw(
                st.lists(st.tuples(st.integers(1, 99), st.integers(1, 60)), min_size=1, max_size=4)
            )
            levels.sort()
            books[outcome.token_id] = asks(
                outcome.token_id,
                [(c / 100, float(s)) for c, s in levels],
                min_order_size=draw(st.sampled_from([None, 1.0, 5.0])),
            )
    fees = FeeTable({"politics": 0.04, "crypto": draw(st.sampled_from([0.0, 0.07]))}, 0.05)
    pricing = Pricing(catalog=CatalogIndex([a, b]), books=books, fees=fees, now=NOW)
    return RelatedPair("a", "b", relation, (ln,), confidence=0.9), pricing


@settings(max_examples=300, deadline=None)
@given(priced_pair())
def test_every_reported_portfolio_pays_its_cost_in_every_allowed_world(
    case: tuple[RelatedPair, Pricing],
) -> None:
    pair, pricing = case
    a, b = pricing.catalog.by_id["a"], pricing.catalog.by_id["b"]
    (ln,) = pair.links
    for opp in pair_opportunities(pair, pricing).values():
        assert opp.expected_profit > 0
        assert opp.guaranteed_payout is not None
        assert opp.guaranteed_payout >= 1
        assert opp.cost + opp.fees + opp.expected_profit == pytest.approx(
            opp.size * opp.guaranteed_payout, abs=1e-5
        )
        assert len(opp.legs) == 2
        assert {leg.venue for leg in opp.legs} == {a.venue, b.venue}
        for oa, ob in product(a.outcomes, b.outcomes):
            if not allowed(pair.relation, ln, oa.token_id, ob.token_id):
                continue
            paid = _payout(opp, {oa.token_id, ob.token_id})
            assert paid >= opp.cost + opp.fees - 1e-6, (oa.name, ob.name, opp)
            assert paid >= opp.size * opp.guaranteed_payout - 1e-6


def test_property_finds_opportunities_at_all() -> None:
    """The property above is not vacuous: equivalent pairs with cheap books are reported."""
    books = _books({"a-Yes": 0.30, "b-No": 0.30, "a-No": 0.30, "b-Yes": 0.30})
    pair = RelatedPair("a", "b", Relation.EQUIVALENT, (link(A, "Yes", B, "Yes"),))
    found = pair_opportunities(pair, _pricing(books, A, B))
    assert len(found) == 2
    assert {token(A, "Yes"), token(B, "No")} in [
        {leg.token_id for leg in o.legs} for o in found.values()
    ]
