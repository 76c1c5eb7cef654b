"""Relations between two catalog markets, with the outcome map by token.

A binary market is one proposition and its negation: the Yes token of a Yes/No market backs its
card, the No token the opposite; a market whose outcomes name the sides ("Spurs" / "Timberwolves",
"Over" / "Under") backs one proposition per outcome. `relate_markets` compares those propositions
(`props.py`) and turns the strongest relation found into a `Verdict`:

| propositions                    | relation              | links                               |
| ------------------------------- | --------------------- | ----------------------------------- |
| a_i same as b_j                 | `equivalent`          | a_i<->b_j and their complements     |
| Yes(A) is No(B)                 | `inverse`             | Yes(A)<->No(B), No(A)<->Yes(B)      |
| a_i implies b_j                 | `subset_a_in_b`       | a_i -> b_j                          |
| b_j implies a_i                 | `subset_b_in_a`       | a_i <- b_j                          |
| a_i and b_j never both          | `mutually_exclusive`  | a_i, b_j                            |

Never is outcome order trusted: the Yes outcome is found by name, team outcomes by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from dashboard_backend.matching.cards import Card, MarketText, parse_card
from dashboard_backend.matching.names import make_name, same_name
from dashboard_backend.matching.props import (
    A_IMPLIES_B,
    B_IMPLIES_A,
    COMPLEMENT,
    EXCLUSIVE,
    RELATED,
    SAME,
    PropRelation,
    relate_props,
)
from dashboard_backend.matching.text import fold, phrase
from dashboard_backend.matching.verdict import Verdict, related, unrelated
from dashboard_backend.models import MarketDocument, Outcome, OutcomeLink, Relation

_YES_NO = ("yes", "no")
_ROLES = {
    "over": "over",
    "under": "under",
    "up": "up",
    "down": "down",
    "draw": "draw",
    "tie": "draw",
}


def market_text(doc: MarketDocument) -> MarketText:
    """What the relation engine reads of a catalog document."""
    kalshi = doc.venue == "kalshi"
    native = doc.id.split(":", 1)[1] if ":" in doc.id else doc.id
    return MarketText(
        question=doc.question,
        event_title=doc.event_title or "",
        group_item=doc.group_item_title or doc.yes_sub_title or "",
        outcomes=tuple(o.name for o in doc.outcomes),
        venue=doc.venue,
        event_ticker=(doc.event_id or "") if kalshi else "",
        market_ticker=native if kalshi else "",
        about=doc.event_start,
        about_precision="minute" if doc.event_start else "",
        sports_type=doc.market_type or "",
        line=doc.line if doc.line is not None else doc.floor_strike,
        rules=doc.rules or doc.description,
        context_year=_year(doc.event_start or doc.close_time),
        slug=" ".join(s for s in (doc.event_slug, doc.slug) if s),
        bucket=_bucket(doc),
    )


def _bucket(doc: MarketDocument) -> tuple[float, float] | None:
    """A Kalshi `between` market's strikes as a range."""
    if doc.strike_type != "between" or doc.floor_strike is None or doc.cap_strike is None:
        return None
    return (doc.floor_strike, doc.cap_strike) if doc.floor_strike < doc.cap_strike else None


def _year(moment: datetime | None) -> int | None:
    return moment.year if moment is not None else None


@dataclass(frozen=True)
class Proposition:
    """One outcome of a market and the card of what it backs (`negated`: the card's opposite)."""

    outcome: Outcome
    card: Card
    negated: bool = False


@dataclass(frozen=True)
class MarketView:
    """A market with its card and its outcomes as propositions."""

    doc: MarketDocument
    card: Card
    props: tuple[Proposition, ...]  # the positive ones (Yes, or one per named outcome)

    def complement(self, outcome: Outcome) -> Outcome | None:
        """The other outcome of a binary market (None otherwise)."""
        if len(self.doc.outcomes) != 2:
            return None
        return next((o for o in self.doc.outcomes if o.token_id != outcome.token_id), None)


def view_market(doc: MarketDocument, card: Card | None = None) -> MarketView:
    """The card and the propositions of a market."""
    card = card or parse_card(market_text(doc))
    names = [fold(o.name).strip() for o in doc.outcomes]
    if sorted(names) == sorted(_YES_NO):
        yes = next(o for o in doc.outcomes if fold(o.name).strip() == "yes")
        return MarketView(doc, card, (Proposition(yes, card),))
    named = [o for o in doc.outcomes if _ROLES.get(phrase(o.name), "side") == "side"]
    if card.target is not None and card.line is not None and len(doc.outcomes) == 2:
        # "Spread: Heat (-7.5)" with outcomes Heat / Bulls: the question says whose margin it
        # is, so the outcome naming Heat backs the card and the other one backs its negation
        # (Bulls +7.5: not a Bulls win). Only the first is a proposition; the other is its
        # complement.
        backing = [o for o in named if same_name(make_name(o.name), card.target)]
        if len(backing) == 1:
            return MarketView(doc, card, (Proposition(backing[0], card),))
    props: list[Proposition] = []
    if card.kind == "contest" and len(named) == 2 and len(doc.outcomes) == 2:
        # "Will Chelsea or Porto win the second leg?": a head-to-head between the two outcomes.
        card = replace(card, participants=tuple(make_name(o.name) for o in named))
    for outcome in doc.outcomes:
        role = _ROLES.get(phrase(outcome.name), "side")
        target = None if role in ("draw", "over", "under") else make_name(outcome.name)
        props.append(Proposition(outcome, replace(card, target=target, target_role=role)))
    return MarketView(doc, card, tuple(props))


_PRIORITY = (SAME, COMPLEMENT, A_IMPLIES_B, B_IMPLIES_A, EXCLUSIVE, RELATED)


def _best(a: MarketView, b: MarketView) -> tuple[PropRelation, Proposition, Proposition] | None:
    """The strongest relation over every pair of propositions (SAME first, then ...)."""
    found: list[tuple[int, float, PropRelation, Proposition, Proposition]] = []
    same_title = bool(phrase(a.doc.question)) and phrase(a.doc.question) == phrase(b.doc.question)
    for pa in a.props:
        for pb in b.props:
            rel = relate_props(pa.card, pb.card, same_title)
            if rel.kind in _PRIORITY:
                found.append((_PRIORITY.index(rel.kind), -rel.confidence, rel, pa, pb))
    if not found:
        return None
    found.sort(key=lambda f: (f[0], f[1]))
    _, _, rel, pa, pb = found[0]
    return rel, pa, pb


def _link(a: Outcome, b: Outcome) -> OutcomeLink:
    return OutcomeLink(a_token=a.token_id, a_outcome=a.name, b_token=b.token_id, b_outcome=b.name)


def relate_views(a: MarketView, b: MarketView) -> Verdict:
    """The relation of two market views, with token links."""
    if a.doc.id == b.doc.id:
        return unrelated("the same market", 1.0)
    best = _best(a, b)
    if best is None:
        first = relate_props(a.card, b.card)
        return unrelated(first.reason, first.confidence)
    rel, pa, pb = best
    oa, ob = pa.outcome, pb.outcome
    ca, cb = a.complement(oa), b.complement(ob)
    if rel.kind == SAME:
        if len(a.doc.outcomes) != len(b.doc.outcomes) or (
            len(a.props) > 2 and not _all_matched(a, b)
        ):
            return related(f"{rel.reason}; not every outcome has a counterpart", 0.6)
        if not _complements_agree(a, pa, b, pb):
            return related(f"{rel.reason}; the other outcomes differ", 0.6)
        links = [_link(oa, ob)] + ([_link(ca, cb)] if ca and cb else [])
        return Verdict(Relation.EQUIVALENT, rel.confidence, (rel.reason,), tuple(links))
    if rel.kind == COMPLEMENT and ca is not None and cb is not None:
        return Verdict(
            Relation.INVERSE, rel.confidence, (rel.reason,), (_link(oa, cb), _link(ca, ob))
        )
    if rel.kind == A_IMPLIES_B:
        return Verdict(Relation.SUBSET_A_IN_B, rel.confidence, (rel.reason,), (_link(oa, ob),))
    if rel.kind == B_IMPLIES_A:
        return Verdict(Relation.SUBSET_B_IN_A, rel.confidence, (rel.reason,), (_link(oa, ob),))
    if rel.kind == EXCLUSIVE:
        return Verdict(Relation.MUTUALLY_EXCLUSIVE, rel.confidence, (rel.reason,), (_link(oa, ob),))
    if rel.kind == RELATED:
        return related(rel.reason, rel.confidence)
    return unrelated(rel.reason, rel.confidence)


def _complements_agree(a: MarketView, pa: Proposition, b: MarketView, pb: Proposition) -> bool:
    """The outcomes not linked win together too. A Yes/No market's NO is the negation of its YES,
    so it agrees with anything; a market naming two outcomes ("Carlsen" / "Nakamura") agrees only
    with one naming the same other outcome, or with a Yes/No market when the two named outcomes are
    the two sides of a game that cannot be drawn, as either market tells (then one of them wins
    for sure)."""
    # Over / Under and Up / Down are each other's negation by construction, like Yes / No.
    named_a = len(a.props) == 2 and all(p.card.target_role == "side" for p in a.props)
    named_b = len(b.props) == 2 and all(p.card.target_role == "side" for p in b.props)
    if not named_a and not named_b:
        return True
    if named_a and named_b:
        other_a = next(p for p in a.props if p is not pa)
        other_b = next(p for p in b.props if p is not pb)
        return relate_props(other_a.card, other_b.card).kind == SAME
    named, other = (a, b) if named_a else (b, a)
    # The sport settles whether a draw can happen: either venue's structured reading of it counts
    # (Kalshi's KXATPMATCH series against a Polymarket tennis title that names no tour).
    return named.card.kind == "game" and not (named.card.draw_possible and other.card.draw_possible)


def _all_matched(a: MarketView, b: MarketView) -> bool:
    """Every outcome of a categorical market has an equivalent outcome in the other."""
    used: set[str] = set()
    for pa in a.props:
        hit = next(
            (
                pb
                for pb in b.props
                if pb.outcome.token_id not in used and relate_props(pa.card, pb.card).kind == SAME
            ),
            None,
        )
        if hit is None:
            return False
        used.add(hit.outcome.token_id)
    return True


def relate_markets(a: MarketDocument, b: MarketDocument) -> Verdict:
    """The relation between two catalog markets (A = `a`), with the outcome map by token."""
    return relate_views(view_market(a), view_market(b))


def relate_many(pairs: Sequence[tuple[MarketView, MarketView]]) -> list[Verdict]:
    """Verdicts for several pairs of views (views are parsed once by the caller)."""
    return [relate_views(a, b) for a, b in pairs]
