"""Relations between two events (groups of markets), built on the market cards.

An event is what a venue lists together: a game with its moneyline, spreads and totals, a
championship with one market per team, a House race with one market per party. Its view says
which fixture, contest or asset it is about (from the title and the markets), which bets it holds
(`families`: bet and period pairs), on which lines, and the words of its topic. `relate_events`
compares two views:

- different fixture / contest / asset -> `unrelated`;
- the same one with the same bets -> `equivalent` (outcomes aligned by name);
- the same one where one side's bets are implied by, or contained in, the other's -> a subset
  (an exact score implies the result, a winning margin implies the win, a single line is one
  leg of a ladder, top 5 implies top 10, an earlier deadline implies a later one);
- the same one with other bets (full time vs half time, totals vs result) -> related.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from dashboard_backend.matching.cards import (
    THRESHOLD,
    Card,
    MarketText,
    parse_card,
    read_threshold,
    topic_words,
)
from dashboard_backend.matching.lexicon import common_affixes
from dashboard_backend.matching.names import Name, make_name, same_name
from dashboard_backend.matching.text import phrase, words
from dashboard_backend.matching.verdict import Verdict, related, unrelated
from dashboard_backend.matching.word_weights import weight
from dashboard_backend.models import OutcomeLink, Relation


@dataclass(frozen=True)
class EventMarket:
    """One market of an event: its id and what it says."""

    id: str
    text: MarketText


@dataclass(frozen=True)
class Event:
    """An event as a venue lists it (`markets` may be a sample of `market_count`)."""

    venue: str
    id: str
    title: str
    markets: tuple[EventMarket, ...]
    market_count: int = 0
    about: datetime | None = None
    about_precision: str = ""
    league: str = ""


@dataclass(frozen=True)
class EventView:
    """What an event is about, read from its title and its markets."""

    event: Event
    title_card: Card
    cards: tuple[Card, ...]
    kind: str
    participants: tuple[Name, ...] = ()
    day: date | None = None
    families: frozenset[tuple[str, str]] = frozenset()
    lines: frozenset[tuple[str, str, float]] = frozenset()
    topic: frozenset[str] = frozenset()
    outcomes: tuple[Name | None, ...] = ()  # per market: the outcome its YES backs
    roles: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def bundle(self) -> bool:
        """The event mixes several kinds of bet (a game's "More Markets")."""
        return len(self.families) > 1


def _title_text(event: Event) -> MarketText:
    first = event.markets[0].text if event.markets else None
    return MarketText(
        question=event.title,
        venue=event.venue,
        event_ticker=first.event_ticker if first else "",
        about=event.about,
        about_precision=event.about_precision,
        league=event.league,
    )


def view_event(event: Event) -> EventView:
    """The view of one event."""
    title_card = parse_card(_title_text(event))
    cards = tuple(parse_card(m.text) for m in event.markets)
    game_cards = [c for c in (title_card, *cards) if c.kind == "game"]
    kind = title_card.kind
    if kind != "game" and game_cards and all(c.kind == "game" for c in cards):
        kind = "game"
    if kind == "game":
        return _game_view(event, title_card, cards)
    if kind == "candle":
        return EventView(event, title_card, cards, "candle", day=title_card.day, topic=title_card.topic)
    return _contest_view(event, title_card, cards)


def _game_view(event: Event, title_card: Card, cards: tuple[Card, ...]) -> EventView:
    participants = title_card.participants
    if len(participants) != 2:
        participants = next((c.participants for c in cards if len(c.participants) == 2), ())
    if len(participants) != 2:
        # "Will X win on <day>?" markets name one side each.
        sides: list[Name] = []
        for c in cards:
            if c.target is not None and c.target_role == "side" and not any(same_name(c.target, s) for s in sides):
                sides.append(c.target)
        participants = tuple(sides[:2]) if len(sides) == 2 else participants
    day = title_card.day or next((c.day for c in cards if c.day is not None), None)
    source = cards or (title_card,)
    families = frozenset((c.bet, c.period) for c in source)
    lines = frozenset((c.bet, c.period, c.line) for c in source if c.line is not None)
    return EventView(
        event,
        title_card,
        cards,
        "game",
        participants=participants,
        day=day,
        families=families,
        lines=lines,
        outcomes=tuple(c.target for c in cards),
        roles=tuple(c.target_role for c in cards),
        topic=title_card.topic,
    )


def _contest_view(event: Event, title_card: Card, cards: tuple[Card, ...]) -> EventView:
    """Topic: the title's words plus the words every market shares, outcome names left out."""
    title = event.title
    head = title.rsplit(":", 1)[0].strip() if ":" in title else ""
    # "Topic: Outcome" titles (Limitless, Predict) are one market's title: the tail is an outcome.
    if head and any(phrase(m.text.question).startswith(phrase(head)) for m in event.markets):
        title = head
    topic = topic_words(title)
    if cards:
        shared = frozenset.intersection(*(c.topic for c in cards))
        topic = topic | shared
    return EventView(
        event,
        title_card,
        cards,
        "contest",
        day=title_card.day,
        families=frozenset((c.bet, c.period) for c in cards)
        or frozenset({(title_card.bet, title_card.period)}),
        topic=topic,
        outcomes=tuple(c.target for c in cards),
        roles=tuple(c.target_role for c in cards),
    )


def same_fixture(a: EventView, b: EventView) -> tuple[bool, str]:
    """Whether two game views are the same fixture (both sides and the day agree)."""
    if len(a.participants) != 2 or len(b.participants) != 2:
        return False, "a side of the fixture could not be read"
    (a1, a2), (b1, b2) = a.participants, b.participants
    straight = same_name(a1, b1) and same_name(a2, b2)
    crossed = same_name(a1, b2) and same_name(a2, b1)
    if not (straight or crossed):
        return False, f"different fixtures: {a1.text} vs {a2.text} / {b1.text} vs {b2.text}"
    if a.day is not None and b.day is not None and a.day != b.day:
        return False, f"same teams on different days ({a.day} / {b.day})"
    return True, f"same fixture {a1.text} vs {a2.text}" + (f" on {a.day or b.day}" if a.day or b.day else "")


def _identical_titles(a: EventView, b: EventView) -> bool:
    return bool(phrase(a.event.title)) and phrase(a.event.title) == phrase(b.event.title)


_IMPLIED_BY_SCORE = frozenset({"winner", "btts", "spread", "total"})


def relate_game_events(a: EventView, b: EventView) -> Verdict:
    """Two game events: fixture, then bets."""
    same, why = same_fixture(a, b)
    if not same:
        return unrelated(why)
    fa, fb = a.families, b.families
    if fa == fb:
        if len(fa) == 1:
            ((bet, period),) = fa
            la = {line for (_, _, line) in a.lines}
            lb = {line for (_, _, line) in b.lines}
            if la and lb and la != lb:
                if la < lb:
                    return Verdict(Relation.SUBSET_A_IN_B, 0.7, (why, f"{bet} lines {sorted(la)} are legs of {sorted(lb)}"))
                if lb < la:
                    return Verdict(Relation.SUBSET_B_IN_A, 0.7, (why, f"{bet} lines {sorted(lb)} are legs of {sorted(la)}"))
                return related(f"{why}; {bet} on different lines")
            return Verdict(Relation.EQUIVALENT, 0.95, (why, f"same bet: {bet} ({period})"), _align(a, b))
        return Verdict(Relation.EQUIVALENT, 0.8, (why, "same set of bets"), _align(a, b))
    if _identical_titles(a, b) and (fa <= fb or fb <= fa):
        return Verdict(Relation.EQUIVALENT, 0.85, (why, "the same event listed on both venues"), _align(a, b))
    bets_a = {bet for bet, _ in fa}
    bets_b = {bet for bet, _ in fb}
    periods_a = {p for _, p in fa}
    periods_b = {p for _, p in fb}
    if periods_a == periods_b:
        if bets_a == {"exact_score"} and bets_b <= _IMPLIED_BY_SCORE:
            return Verdict(Relation.SUBSET_A_IN_B, 0.85, (why, "the exact score decides the other bet"))
        if bets_b == {"exact_score"} and bets_a <= _IMPLIED_BY_SCORE:
            return Verdict(Relation.SUBSET_B_IN_A, 0.85, (why, "the exact score decides the other bet"))
        if bets_a == {"spread"} and bets_b == {"winner"}:
            return Verdict(Relation.SUBSET_A_IN_B, 0.8, (why, "winning by a margin implies winning"))
        if bets_b == {"spread"} and bets_a == {"winner"}:
            return Verdict(Relation.SUBSET_B_IN_A, 0.8, (why, "winning by a margin implies winning"))
    if fa < fb:
        return Verdict(Relation.SUBSET_A_IN_B, 0.6, (why, "A's bets are among B's"))
    if fb < fa:
        return Verdict(Relation.SUBSET_B_IN_A, 0.6, (why, "B's bets are among A's"))
    return related(f"{why}; different bets ({_families(fa)} / {_families(fb)})")


def _families(families: frozenset[tuple[str, str]]) -> str:
    return ", ".join(sorted(f"{bet}" + ("" if period == "ft" else f"/{period}") for bet, period in families))


def _align(a: EventView, b: EventView) -> tuple[OutcomeLink, ...]:
    """Markets of A and B that back the same outcome (same participant, or both the draw)."""
    links: list[OutcomeLink] = []
    for i, (oa, ra) in enumerate(zip(a.outcomes, a.roles, strict=True)):
        for j, (ob, rb) in enumerate(zip(b.outcomes, b.roles, strict=True)):
            both_draw = ra == rb == "draw"
            both_named = ra == rb == "side" and oa is not None and ob is not None and same_name(oa, ob)
            if both_draw or both_named:
                ma, mb = a.event.markets[i], b.event.markets[j]
                links.append(OutcomeLink(a_token=ma.id, a_outcome=ma.text.question, b_token=mb.id, b_outcome=mb.text.question))
                break
    return tuple(links)


# Key namespaces that name who or what a contest is about: two sides naming different ones are
# different contests ("IN-03" / "IN-07", "Bitcoin" / "Ethereum", "Kawhi Leonard" / "Giannis").
_IDENTITY = ("district", "state:", "country:", "person:", "asset:", "org:", "event:", "office:")
# Venue boilerplate: words one venue adds and another leaves out without changing the contest.
SOFT_TOPIC = frozenset(
    """word:winner word:leader playoffs playoff finals final regular season award awards trophy
    memorial election series seat results cup mens finishers finisher highest most lead leads
    outright anyone candidate candidates person team teams club player players party parties
    pro official officially name named announced protocol labs lab finance network networks inc
    corp corporation company co foundation exchange dao""".split()
)


def topic_weight(token: str) -> float:
    """How much a topic token tells contests apart."""
    if token in SOFT_TOPIC or token.startswith("league:"):
        return 0.1
    if token == "country:usa":  # often left unsaid by US venues
        return 0.3
    if token.startswith(_IDENTITY):
        return 1.0
    return weight(token)


def _identity(tokens: frozenset[str]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for t in tokens:
        for prefix in _IDENTITY:
            if t.startswith(prefix):
                out.setdefault(prefix, set()).add(t)
    return {k: frozenset(v) for k, v in out.items()}


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
    ia, ib = _identity(ta), _identity(tb)
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


def _words(tokens: frozenset[str]) -> str:
    return " ".join(sorted(tokens)) or "-"


def _name_like(tokens: frozenset[str]) -> frozenset[str]:
    """Rare plain words (a project, a tournament, a show): unseen in the catalogs' titles."""
    return frozenset(
        t for t in tokens if ":" not in t and t.isalpha() and len(t) >= 3 and t not in SOFT_TOPIC and weight(t) >= 0.9
    )


def _years(view: EventView) -> frozenset[int]:
    """Years a contest names outright ("in 2026", "2025-26 season"), not deadlines."""
    readings = [view.title_card.dates, *(c.dates for c in view.cards)]
    return frozenset(r.year for r in readings if r.year is not None) | frozenset(
        r.month[0] for r in readings if r.month is not None
    )


def _deadlines(view: EventView) -> frozenset[date]:
    readings = [view.title_card.dates, *(c.dates for c in view.cards)]
    return frozenset(r.deadline for r in readings if r.deadline is not None)


def _thresholds(view: EventView) -> frozenset[tuple[str, float]]:
    return frozenset((c.comparator, c.line) for c in view.cards if c.comparator and c.line is not None)


def _ladder(a: frozenset[object], b: frozenset[object], what: str, why: str) -> Verdict | None:
    """One side's single value is a leg of the other's ladder -> subset; equal or overlapping
    ladders -> None (same); disjoint ladders -> related."""
    if not a or not b or a == b:
        return None
    if len(a) == 1 and len(b) > 1:
        return Verdict(Relation.SUBSET_A_IN_B, 0.75, (why, f"A's {what} is one leg of B's ladder"))
    if len(b) == 1 and len(a) > 1:
        return Verdict(Relation.SUBSET_B_IN_A, 0.75, (why, f"B's {what} is one leg of A's ladder"))
    if a & b:
        return None
    return related(f"{why}; different {what}s")


def relate_contest_events(a: EventView, b: EventView) -> Verdict:
    """Two contest events: identity conflicts, topic weights, then bets, lines and deadlines."""
    match = compare_topics(a.topic, b.topic)
    if match.conflicts:
        return unrelated(f"about different things: {'; '.join(match.conflicts)}")
    ya, yb = _years(a), _years(b)
    if ya and yb and not ya & yb:
        return unrelated(f"different years ({_words(frozenset(map(str, ya)))} / {_words(frozenset(map(str, yb)))})")
    names_a, names_b = _name_like(a.topic), _name_like(b.topic)
    if names_a and names_b and not names_a & names_b and not (a.topic & b.topic) - SOFT_TOPIC - _TEMPLATE_KEYS:
        return unrelated(f"different names: {_words(names_a)} / {_words(names_b)}")
    shared_identity = any(
        t.startswith(_IDENTITY) and t != "country:usa" for t in a.topic & b.topic
    ) or bool(names_a & names_b)
    if match.containment < 0.5:
        if shared_identity:
            return related(f"same subject, other questions: {_words(match.only_a)} / {_words(match.only_b)}", 0.5)
        return unrelated(f"different topics: {_words(match.only_a)} / {_words(match.only_b)}")
    same_title = _identical_titles(a, b)
    extra = max(_extra(match.only_a), _extra(match.only_b))
    deadlines_differ = bool(_deadlines(a)) and bool(_deadlines(b)) and _deadlines(a) != _deadlines(b)
    if not same_title and (match.containment < 0.8 or (extra > 0.75 and not deadlines_differ)):
        why = f"overlapping topics ({match.containment:.2f}): {_words(match.only_a)} / {_words(match.only_b)}"
        if shared_identity or match.containment >= 0.8:
            return related(why, 0.5)
        return unrelated(why, 0.5)
    why = f"same contest ({_words(a.topic & b.topic)})"
    stages_a = {t for t in a.topic if t.startswith("stage:")}
    stages_b = {t for t in b.topic if t.startswith("stage:")}
    if stages_a != stages_b and any(t.startswith(("office:", "district")) for t in a.topic | b.topic):
        return related(f"{why}; different stages of the race")
    periods_a = {c.period for c in a.cards} or {a.title_card.period}
    periods_b = {c.period for c in b.cards} or {b.title_card.period}
    if periods_a != periods_b:
        return related(f"{why}; different periods ({_words(frozenset(periods_a))} / {_words(frozenset(periods_b))})")
    ranks_a = frozenset(c.line for c in a.cards if c.bet == "top_n" and c.line is not None)
    ranks_b = frozenset(c.line for c in b.cards if c.bet == "top_n" and c.line is not None)
    if ranks_a and ranks_b and ranks_a != ranks_b:
        if max(ranks_a) < min(ranks_b):
            return Verdict(Relation.SUBSET_A_IN_B, 0.85, (why, f"top {max(ranks_a):g} implies top {min(ranks_b):g}"))
        if max(ranks_b) < min(ranks_a):
            return Verdict(Relation.SUBSET_B_IN_A, 0.85, (why, f"top {max(ranks_b):g} implies top {min(ranks_a):g}"))
        return related(f"{why}; different places")
    ladder = _ladder(_thresholds(a), _thresholds(b), "threshold", why)  # type: ignore[arg-type]
    if ladder is not None:
        return ladder
    da, db = _deadlines(a), _deadlines(b)
    if da and db and da != db:
        if len(da) == 1 and len(db) == 1:
            (x,), (y,) = da, db
            if x < y:
                return Verdict(Relation.SUBSET_A_IN_B, 0.8, (why, f"by {x} implies by {y}"))
            return Verdict(Relation.SUBSET_B_IN_A, 0.8, (why, f"by {y} implies by {x}"))
        ladder = _ladder(da, db, "deadline", why)  # type: ignore[arg-type]
        if ladder is not None:
            return ladder
    return Verdict(Relation.EQUIVALENT, 0.85, (why,), _align(a, b))


# Keys that recur in a family of templated contests ("X FDV above $N one day after launch?").
_TEMPLATE_KEYS = frozenset({"word:fdv", "word:launch", "word:ipo", "word:winner", "word:leader"})


def _extra(tokens: frozenset[str]) -> float:
    """Weight of what one side says and the other does not."""
    return sum(topic_weight(t) for t in tokens)


# Venues that list another venue's own markets: Predict.fun lists Polymarket conditions (the same
# on-chain condition ids), so an event there that repeats a Polymarket event's questions is that
# event — however many of its markets each side lists.
MIRROR_VENUES = frozenset({frozenset({"polymarket", "predict"})})
_ARROWS = str.maketrans({"↑": " high ", "↓": " low "})


def _outcome_parts(event: Event) -> list[str]:
    """Each market's question, and the part that varies across the event's markets."""
    texts = [words(m.text.question.translate(_ARROWS)) for m in event.markets]
    prefix, suffix = common_affixes(texts)
    parts = [" ".join(t) for t in texts]
    if len(texts) >= 2:
        parts += [" ".join(t[prefix : len(t) - suffix]) for t in texts]
    return [p for p in parts if p]


def mirrored(a: Event, b: Event) -> bool:
    """Whether one event repeats the other's questions: same title, or the smaller one's listed
    markets are the other's (by question, by the part that varies, or by threshold) — at least one,
    and at least half of them unless the smaller one's markets name no topic of their own."""
    if frozenset({a.venue, b.venue}) not in MIRROR_VENUES:
        return False
    if phrase(a.title) and phrase(a.title) == phrase(b.title):
        return True
    return _repeats(a, b) or _repeats(b, a)


def _repeats(small: Event, large: Event) -> bool:
    """Whether `small`'s listed markets are markets of `large` (see `mirrored`)."""
    if not small.markets:
        return False
    known = set(_outcome_parts(large))
    large_lines = {read_threshold(m.text.question.translate(_ARROWS)) for m in large.markets} - {None}
    hits = 0
    bare = True
    for m in small.markets:
        question = m.text.question.translate(_ARROWS)
        line = read_threshold(question)
        bare = bare and not topic_words(THRESHOLD.sub(" ", question))
        hits += " ".join(words(question)) in known or (line is not None and line in large_lines)
    return hits >= 1 and (bare or 2 * hits >= len(small.markets))


def relate_events(a: Event, b: Event) -> Verdict:
    """The relation between two events."""
    va, vb = view_event(a), view_event(b)
    if mirrored(a, b):
        if va.kind == vb.kind == "game" and va.day and vb.day and va.day != vb.day:
            return unrelated(f"same listing on different days ({va.day} / {vb.day})")
        return Verdict(
            Relation.EQUIVALENT,
            0.9,
            (f"{b.venue if a.venue == 'polymarket' else a.venue} lists the same Polymarket questions",),
            _align(va, vb),
        )
    if va.kind != vb.kind:
        shared = {t for t in va.topic & vb.topic if t.startswith(_IDENTITY) and t != "country:usa"}
        if shared:
            return related(f"different kinds of question about {_words(frozenset(shared))}", 0.5)
        return unrelated(f"different kinds of question ({va.kind} / {vb.kind})", 0.7)
    if va.kind == "game":
        return relate_game_events(va, vb)
    if va.kind == "candle":
        return relate_candles(va, vb)
    return relate_contest_events(va, vb)


def relate_candles(a: EventView, b: EventView) -> Verdict:
    """Up/down candles: same asset and the same window."""
    ca, cb = a.title_card, b.title_card
    if ca.asset != cb.asset or not ca.asset:
        return unrelated(f"different assets ({ca.asset or '?'} / {cb.asset or '?'})")
    wa = (ca.dates.day, ca.dates.start, ca.dates.end, ca.dates.hour)
    wb = (cb.dates.day, cb.dates.start, cb.dates.end, cb.dates.hour)
    if wa == wb:
        return Verdict(Relation.EQUIVALENT, 0.95, (f"same {ca.asset} window",))
    if ca.dates.day != cb.dates.day:
        return unrelated(f"{ca.asset} on different days")
    return related(f"{ca.asset} windows differ", 0.8)


def events_from(items: Sequence[Event]) -> list[EventView]:
    """Views of several events."""
    return [view_event(e) for e in items]


def name_of(text: str) -> Name:
    """A participant name (exported for callers that align outcomes themselves)."""
    return make_name(text)
