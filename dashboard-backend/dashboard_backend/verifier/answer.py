"""The model's answer: strict JSON parsed into a relation and an outcome map, or refused (pure).

An answer is usable only when all of it checks out: one JSON object (a single ```json fence is
tolerated), `relation` one of the five classes, `outcome_map` a list of {"a": label, "b": label}
naming outcomes the prompt listed, each outcome used once per side, and a map that fits the
relation — an `equivalent` between two markets maps every outcome of each (one link between two
binary markets stands for both, the complements following), a subset between two markets names
at least one link. Anything else is a malformed answer: kept (so it is not paid for twice) but
never applied. A reply cut off by the token limit or with no content is malformed too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dashboard_backend.matching.pairs_format import CLASSES
from dashboard_backend.verifier.prompt import label
from dashboard_backend.verifier.sides import Side, clean

_MAPPED = frozenset({"equivalent", "subset_a_in_b", "subset_b_in_a"})
_REASON_CHARS = 200


@dataclass(frozen=True)
class Answer:
    """A parsed answer, with outcome ids (not labels); `malformed` says why it is unusable."""

    relation: str = ""  # one of the five classes; "" when malformed
    links: tuple[tuple[str, str], ...] = ()  # (outcome id of A, outcome id of B)
    reason: str = ""
    malformed: str = ""

    @property
    def usable(self) -> bool:
        """A well-formed answer that may change a verdict."""
        return not self.malformed

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "relation": self.relation,
                "links": [list(link) for link in self.links],
                "reason": self.reason,
                "malformed": self.malformed,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Answer:
        """Read the stored form; raises ValueError when it is not one."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("stored answer is not an object")
        relation, links = data.get("relation"), data.get("links")
        reason, malformed = data.get("reason", ""), data.get("malformed", "")
        if not isinstance(reason, str) or not isinstance(malformed, str):
            raise ValueError("stored answer has non-text reason")
        if not isinstance(links, list) or not all(
            isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x)
            for x in links
        ):
            raise ValueError("stored answer has unreadable links")
        if not malformed and relation not in CLASSES:
            raise ValueError(f"stored answer has unknown relation {relation!r}")
        return cls(str(relation or ""), tuple((x[0], x[1]) for x in links), reason, malformed)


def refused(why: str) -> Answer:
    """A malformed answer."""
    return Answer(malformed=why)


def _strip_fence(text: str) -> str:
    body = text.strip()
    if body.startswith("```") and body.endswith("```") and len(body) >= 6:
        body = body[3:-3].strip()
        if body[:4].lower() == "json":
            body = body[4:]
    return body.strip()


def _labels(side: Side, letter: str) -> dict[str, str]:
    return {label(letter, i).lower(): o.id for i, o in enumerate(side.outcomes)}


def _links(raw: Any, a: Side, b: Side) -> tuple[tuple[str, str], ...] | str:
    """The map as outcome ids, or why it cannot be read."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        return "outcome_map is not a list"
    ids_a, ids_b = _labels(a, "A"), _labels(b, "B")
    out: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            return "an outcome_map entry is not an object"
        la, lb = item.get("a"), item.get("b")
        if not isinstance(la, str) or not isinstance(lb, str):
            return "an outcome_map entry lacks text labels a and b"
        ia, ib = ids_a.get(la.strip().lower()), ids_b.get(lb.strip().lower())
        if ia is None or ib is None:
            return f"outcome_map names an unknown outcome ({la!r}, {lb!r})"
        if (ia, ib) not in out:
            out.append((ia, ib))
    if len({x for x, _ in out}) != len(out) or len({y for _, y in out}) != len(out):
        return "outcome_map uses an outcome twice"
    return tuple(out)


def _complement(side: Side, outcome_id: str) -> str | None:
    if len(side.outcomes) != 2:
        return None
    return next(o.id for o in side.outcomes if o.id != outcome_id)


def _fit(relation: str, links: tuple[tuple[str, str], ...], a: Side, b: Side) -> Answer | str:
    """The links the relation keeps, or why they do not fit it."""
    if relation not in _MAPPED:
        return Answer(relation, ())
    markets = a.kind == b.kind == "market"
    if relation == "equivalent" and markets:
        if len(links) == 1 and len(a.outcomes) == len(b.outcomes) == 2:
            ca, cb = _complement(a, links[0][0]), _complement(b, links[0][1])
            if ca is not None and cb is not None:
                links = (links[0], (ca, cb))
        if len(a.outcomes) != len(b.outcomes) or len(links) != len(a.outcomes):
            return "equivalent without an outcome map covering every outcome"
    if markets and not links:
        return f"{relation} without an outcome map"
    return Answer(relation, links)


def parse_answer(content: str | None, finish_reason: str | None, a: Side, b: Side) -> Answer:
    """The answer in a chat reply's content, or a malformed answer saying what is wrong."""
    if finish_reason == "length":
        return refused("answer cut off by the token limit")
    if content is None or not content.strip():
        return refused("no content in the reply")
    try:
        data = json.loads(_strip_fence(content))
    except json.JSONDecodeError as exc:
        return refused(f"not JSON ({exc.msg})")
    if not isinstance(data, dict):
        return refused("not a JSON object")
    relation = data.get("relation")
    if not isinstance(relation, str) or relation.strip() not in CLASSES:
        return refused(f"unknown relation {relation!r}")
    links = _links(data.get("outcome_map"), a, b)
    if isinstance(links, str):
        return refused(links)
    fitted = _fit(relation.strip(), links, a, b)
    if isinstance(fitted, str):
        return refused(fitted)
    reason = data.get("reason")
    text = clean(reason, _REASON_CHARS) if isinstance(reason, str) else ""
    return Answer(fitted.relation, fitted.links, text)
