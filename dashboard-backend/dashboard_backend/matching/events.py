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

from dashboard_backend.matching.cards import Card, MarketText, parse_card, topic_words
from dashboard_backend.matching.lexicon import common_affixes
from dashboard_backend.matching.names import Name, make_name, same_name
from dashboard_backend.matching.text import phrase, words
from dashboard_backend.matching.verdict import Verdict, related, unrelated
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
    """Topic: the title's words plus what every market's text shares, minus outcome names."""
    texts = [words(m.text.question) for m in event.markets]
    outcome_words: set[str] = set()
    shared = ""
    if len(texts) >= 2:
        prefix, suffix = common_affixes(texts)
        for t in texts:
            outcome_words.update(t[prefix : len(t) - suffix])
        first = texts[0]
        shared = " ".join((*first[:prefix], *first[len(first) - suffix :]))
    names = tuple(c.target for c in cards if c.target is not None)
    title = event.title
    # "Topic: Outcome" titles (one market's own title) name an outcome after the colon.
    if ":" in title and any(phrase(title) == phrase(m.text.question) for m in event.markets):
        title = title.rsplit(":", 1)[0]
    topic = topic_words(" ".join((title, shared)), exclude=names)
    topic = frozenset(t for t in topic if t not in outcome_words or t.startswith(("league:", "word:", "district", "state:")))
    return EventView(
        event,
        title_card,
        cards,
        "contest",
        day=title_card.day,
        families=frozenset((c.bet, c.period) for c in cards) or frozenset({(title_card.bet, title_card.period)}),
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


def relate_contest_events(a: EventView, b: EventView) -> Verdict:
    """Two contest events: topic words, then year."""
    ta, tb = a.topic, b.topic
    soft = {t for t in ta ^ tb if t.startswith("league:") or t in _SOFT_TOPIC}
    hard_a, hard_b = ta - soft, tb - soft
    if not (hard_a or hard_b):
        return related("nothing but generic words to compare", 0.4)
    if hard_a == hard_b:
        return Verdict(Relation.EQUIVALENT, 0.85, (f"same contest: {' '.join(sorted(hard_a))}",), _align(a, b))
    common = hard_a & hard_b
    if not common:
        return unrelated(f"different topics: {' '.join(sorted(hard_a))} / {' '.join(sorted(hard_b))}")
    return unrelated(
        f"different contests: {' '.join(sorted(hard_a - hard_b))} / {' '.join(sorted(hard_b - hard_a))}", 0.6
    )


# Words that one venue adds and another leaves out without changing the contest.
_SOFT_TOPIC = frozenset(
    {"word:winner", "playoffs", "finals", "final", "regular", "season", "award", "trophy",
     "memorial", "election", "series", "seat", "results", "cup", "men's", "mens"}
)


def relate_events(a: Event, b: Event) -> Verdict:
    """The relation between two events."""
    va, vb = view_event(a), view_event(b)
    if va.kind != vb.kind:
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
