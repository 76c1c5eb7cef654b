"""How a verifier answer changes an engine verdict (pure).

Only pairs in the band are ever asked, so everything here happens within the band:

- no usable answer (an error, a timeout, a malformed reply, the call budget spent): the engine's
  verdict stands unchanged — so an outage never upgrades a pair, and never downgrades one either
  (see "Fail-closed" below);
- a map that gives some outcome a different counterpart than the engine's map (Yes<->Yes
  against Yes<->No): `related_not_equivalent`, whatever the two relations — a disputed map is
  never traded;
- the same relation (in the five classes; the engine's `mutually_exclusive` counts as
  `related_not_equivalent`, which is how the five classes hold it): confirmed — the engine's
  verdict and outcome map stand, confidence raised to CONFIRMED_CONFIDENCE;
- another relation: the model's relation and outcome map replace the engine's (an upgrade, a
  downgrade or a corrected subset direction), at CHANGED_CONFIDENCE. An `equivalent` answer
  whose map links Yes to No between two Yes/No markets is the `inverse` relation.

Fail-closed: an answer can only be applied when it is well-formed, so no error can produce
`equivalent` from anything else. An engine `equivalent` inside the band whose check fails is kept,
not withdrawn: the verifier is off by default and the engine alone meets the quality goal, so
with the endpoint down the output must be exactly the verifier-off output — withdrawing would
make tradeable pairs flap with the endpoint's health and with the per-pass call budget (pairs
still queued would be withdrawn just for waiting). A well-formed disagreement does withdraw it.
"""

from __future__ import annotations

from dashboard_backend.matching.pairs_format import format_class
from dashboard_backend.matching.verdict import Verdict
from dashboard_backend.models import OutcomeLink, Relation
from dashboard_backend.verifier.answer import Answer
from dashboard_backend.verifier.sides import Side

CONFIRMED_CONFIDENCE = 0.85
CHANGED_CONFIDENCE = 0.75

_RELATION = {
    "equivalent": Relation.EQUIVALENT,
    "subset_a_in_b": Relation.SUBSET_A_IN_B,
    "subset_b_in_a": Relation.SUBSET_B_IN_A,
    "related_not_equivalent": Relation.RELATED,
    "unrelated": Relation.UNRELATED,
}


def _relation(answer: Answer, a: Side, b: Side) -> Relation:
    """The answer's relation in the engine's terms (Yes<->No equivalence is `inverse`)."""
    relation = _RELATION[answer.relation]
    if relation == Relation.EQUIVALENT and a.yes_no and b.yes_no:
        yes_a = next(o.id for o in a.outcomes if o.name.strip().lower() == "yes")
        yes_b = next(o.id for o in b.outcomes if o.name.strip().lower() == "yes")
        if any(x == yes_a and y != yes_b for x, y in answer.links):
            return Relation.INVERSE
    return relation


def _links(answer: Answer, a: Side, b: Side) -> tuple[OutcomeLink, ...]:
    out: list[OutcomeLink] = []
    for x, y in answer.links:
        oa, ob = a.outcome(x), b.outcome(y)
        if oa is not None and ob is not None:
            out.append(
                OutcomeLink(a_token=oa.id, a_outcome=oa.name, b_token=ob.id, b_outcome=ob.name)
            )
    return tuple(out)


def _disputed(engine: tuple[OutcomeLink, ...], model: tuple[OutcomeLink, ...]) -> bool:
    """Some outcome has a different counterpart in the two maps."""
    forward = {link.a_token: link.b_token for link in engine}
    backward = {link.b_token: link.a_token for link in engine}
    return any(
        forward.get(link.a_token, link.b_token) != link.b_token
        or backward.get(link.b_token, link.a_token) != link.a_token
        for link in model
    )


def note(model: str, answer: Answer) -> str:
    """The reason line a verifier answer adds."""
    said = f"LLM verifier ({model}) says {answer.relation}"
    return f"{said}: {answer.reason}" if answer.reason else said


def apply_answer(verdict: Verdict, answer: Answer | None, a: Side, b: Side, model: str) -> Verdict:
    """The verdict after the verifier's answer (None: no answer was had)."""
    if answer is None or not answer.usable:
        return verdict
    relation = _relation(answer, a, b)
    links = _links(answer, a, b)
    if links and verdict.links and _disputed(verdict.links, links):
        return Verdict(
            Relation.RELATED,
            CHANGED_CONFIDENCE,
            (*verdict.reasons, note(model, answer), "the outcome maps disagree: not traded"),
        )
    same = relation == verdict.relation or (
        relation == Relation.RELATED and format_class(verdict.relation) == format_class(relation)
    )
    if same:
        return Verdict(
            verdict.relation,
            max(verdict.confidence, CONFIRMED_CONFIDENCE),
            (*verdict.reasons, note(model, answer)),
            verdict.links or links,
        )
    changed = f"changed from {verdict.relation.value} ({verdict.confidence:.2f})"
    return Verdict(
        relation, CHANGED_CONFIDENCE, (*verdict.reasons, note(model, answer), changed), links
    )
