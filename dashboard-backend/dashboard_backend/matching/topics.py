"""Topic comparison: whether two contests (or propositions) are about the same thing.

A topic is the set of content words of a market or event (`cards.topic_words`): alias keys for
named things (`country:bra`, `office:governor`, `district nc1`) and plain words. Two topics are
compared by weight (`word_weights`): venue boilerplate ("winner", "finishers", "regular season")
weighs little, rare words ("Truist", "strikeouts") weigh a lot. Identity slots decide first: two
sides naming different districts, offices, countries, people, assets or named competitions are
about different things whatever else they share.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from dashboard_backend.matching.stems import stemmed
from dashboard_backend.matching.word_weights import weight
from dashboard_backend.matching.wordlists import word_list

# Key namespaces that name who or what a contest is about: two sides naming different ones are
# different contests ("IN-03" / "IN-07", "Bitcoin" / "Ethereum", "Kawhi Leonard" / "Giannis").
IDENTITY = (
    "district",
    "state:",
    "country:",
    "person:",
    "asset:",
    "org:",
    "event:",
    "office:",
    "party:",
    "num:",
    "league:",
)
# Identity slots that set the scene rather than name the subject: sharing one ("NBA", "the US")
# does not make two questions about the same thing, though naming two different ones separates them.
_CONTEXT = ("league:", "country:usa")


def names_subject(token: str) -> bool:
    """An identity token that names what a question is about (not a league, not the US)."""
    return token.startswith(IDENTITY) and not token.startswith(_CONTEXT)


# Venue boilerplate: words one venue adds and another leaves out without changing the contest.
SOFT_TOPIC = stemmed(word_list("soft_words"))


def topic_weight(token: str) -> float:
    """How much a topic token tells contests apart."""
    if token in SOFT_TOPIC or token.startswith("league:"):
        return 0.1
    if token == "country:usa":  # often left unsaid by US venues
        return 0.3
    if token.startswith(IDENTITY):
        return 1.0
    return weight(token)


def identity(tokens: frozenset[str]) -> dict[str, frozenset[str]]:
    """The identity tokens of a topic, by namespace."""
    out: dict[str, set[str]] = {}
    for t in tokens:
        for prefix in _slots(t):
            out.setdefault(prefix, set()).add(t)
    return {k: frozenset(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1 << 16)
def _slots(token: str) -> tuple[str, ...]:
    """The identity namespaces a token is in (memoised: every pair compared reads them)."""
    return tuple(prefix for prefix in IDENTITY if token.startswith(prefix))


@dataclass(frozen=True)
class TopicMatch:
    """How two topics compare: weighted containment of the lighter one, and what conflicts."""

    containment: float
    overlap: float
    conflicts: tuple[str, ...]
    only_a: frozenset[str]
    only_b: frozenset[str]


def compare_topics(ta: frozenset[str], tb: frozenset[str]) -> TopicMatch:
    """Weighted comparison of two topic word sets."""
    ia, ib = identity(ta), identity(tb)
    conflicts = tuple(
        f"{' '.join(sorted(ia[k]))} / {' '.join(sorted(ib[k]))}"
        for k in sorted(ia.keys() & ib.keys())
        if not ia[k] & ib[k]
    )
    wa = sum(topic_weight(t) for t in ta)
    wb = sum(topic_weight(t) for t in tb)
    common = sum(topic_weight(t) for t in ta & tb)
    lighter = min(wa, wb)
    containment = common / lighter if lighter > 0 else 0.0
    union = wa + wb - common
    overlap = common / union if union > 0 else 0.0
    return TopicMatch(containment, overlap, conflicts, ta - tb, tb - ta)


def words_of(tokens: frozenset[str]) -> str:
    """Tokens as sorted text for reasons ("-" when none)."""
    return " ".join(sorted(tokens)) or "-"


def name_like(tokens: frozenset[str]) -> frozenset[str]:
    """Rare plain words (a project, a tournament, a show): unseen in the catalogs' titles."""
    return frozenset(
        t
        for t in tokens
        if ":" not in t and t.isalpha() and len(t) >= 3 and t not in SOFT_TOPIC and weight(t) >= 0.9
    )


# Keys that recur in a family of templated contests ("X FDV above $N one day after launch?").
_TEMPLATE_KEYS = frozenset({"word:fdv", "word:launch", "word:ipo", "word:winner", "word:leader"})


def extra_weight(tokens: frozenset[str]) -> float:
    """Weight of what one side says and the other does not."""
    return sum(topic_weight(t) for t in tokens)


@dataclass(frozen=True)
class Subject:
    """Whether two topics are about the same thing: `same`, `related` or `unrelated`, and why."""

    verdict: str
    reason: str
    confidence: float


def same_subject(
    ta: frozenset[str],
    tb: frozenset[str],
    years_a: frozenset[int] = frozenset(),
    years_b: frozenset[int] = frozenset(),
    same_title: bool = False,
    deadlines_differ: bool = False,
    max_extra: float = 0.75,
) -> Subject:
    """Identity conflicts, named years, rare names, then weighted containment.

    `same` needs the lighter topic (by weight) contained at 0.8 or more in the other and little
    weight said by one side only (`max_extra`); identical titles and different deadlines (which
    explain extra words such as "during his term") lift the second condition.
    """
    match = compare_topics(ta, tb)
    if not ta - SOFT_TOPIC and not tb - SOFT_TOPIC:
        # Nothing but the outcome names the subject ("Will BTC hit $100k by 2026?"): the caller
        # decides by the outcome, the line and the dates.
        return Subject("same", "the same question about the named outcome", 0.75)
    if match.conflicts:
        return Subject("unrelated", f"about different things: {'; '.join(match.conflicts)}", 0.9)
    if years_a and years_b and not years_a & years_b:
        ya = " ".join(map(str, sorted(years_a)))
        yb = " ".join(map(str, sorted(years_b)))
        return Subject("unrelated", f"different years ({ya} / {yb})", 0.85)
    names_a, names_b = name_like(ta), name_like(tb)
    if (
        names_a
        and names_b
        and not names_a & names_b
        and not (ta & tb) - SOFT_TOPIC - _TEMPLATE_KEYS
    ):
        return Subject(
            "unrelated", f"different names: {words_of(names_a)} / {words_of(names_b)}", 0.85
        )
    shared_identity = any(names_subject(t) for t in ta & tb) or bool(names_a & names_b)
    only = f"{words_of(match.only_a)} / {words_of(match.only_b)}"
    if match.containment < 0.5:
        if shared_identity:
            return Subject("related", f"same subject, other questions: {only}", 0.5)
        return Subject("unrelated", f"different topics: {only}", 0.8)
    extra = max(extra_weight(match.only_a), extra_weight(match.only_b))
    if not same_title and (match.containment < 0.8 or (extra > max_extra and not deadlines_differ)):
        why = f"overlapping topics ({match.containment:.2f}): {only}"
        if shared_identity or match.containment >= 0.8:
            return Subject("related", why, 0.5)
        return Subject("unrelated", why, 0.5)
    return Subject("same", f"same subject ({words_of(ta & tb)})", 0.85)
