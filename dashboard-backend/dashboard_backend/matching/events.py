"""Relations between two events (groups of markets), built on the market cards.

An event is what a venue lists together: a game with its moneyline, spreads and totals, a
championship with one market per team, a House race with one market per party. Its view says
which fixture, contest or asset it is about (from the title and the markets), which bets it holds
(`families`: bet and period pairs), on which lines, and the words of its topic. `relate_events`
compares two views:

- a mirror listing (`mirror.py`) -> `equivalent`;
- different fixture / contest / asset -> `unrelated`;
- the same one with the same bets -> `equivalent` (outcomes aligned by name);
- the same one where one side's bets are implied by, or contained in, the other's -> a subset
  (an exact score implies the result, a winning margin implies the win, a single line is one
  leg of a ladder, top 5 implies top 10, an earlier deadline implies a later one);
- the same one with other bets (full time vs half time, totals vs result) -> related.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from dashboard_backend.matching.cards import Card, MarketText, parse_card, topic_words
from dashboard_backend.matching.entailments import Entailment, entailment
from dashboard_backend.matching.events_model import Event, EventMarket
from dashboard_backend.matching.mirror import mirrored
from dashboard_backend.matching.names import Name, same_name
from dashboard_backend.matching.stages import StageLadder, stage_ladder
from dashboard_backend.matching.stems import stemmed
from dashboard_backend.matching.text import phrase, words
from dashboard_backend.matching.topics import names_subject, same_subject, words_of
from dashboard_backend.matching.verdict import Verdict, related, unrelated
from dashboard_backend.models import OutcomeLink, Relation

__all__ = ["Event", "EventMarket", "EventView", "relate_events", "view_event"]


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
    lines: frozenset[float] = frozenset()
    topic: frozenset[str] = frozenset()

    @property
    def readings(self) -> list[Card]:
        """The title's card and every market's."""
        return [self.title_card, *self.cards]


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
    kind = title_card.kind
    if kind != "game" and cards and all(c.kind == "game" for c in cards):
        kind = "game"
    if kind == "game":
        return _game_view(event, title_card, cards)
    if kind == "candle":
        return EventView(
            event, title_card, cards, "candle", day=title_card.day, topic=title_card.topic
        )
    return _contest_view(event, title_card, cards)


def _game_view(event: Event, title_card: Card, cards: tuple[Card, ...]) -> EventView:
    participants = title_card.participants
    if len(participants) != 2:
        participants = next((c.participants for c in cards if len(c.participants) == 2), ())
    if len(participants) != 2:
        # "Will X win on <day>?" markets name one side each.
        sides: list[Name] = []
        for c in cards:
            if (
                c.target is not None
                and c.target_role == "side"
                and not any(same_name(c.target, s) for s in sides)
            ):
                sides.append(c.target)
        participants = tuple(sides[:2]) if len(sides) == 2 else participants
    day = title_card.day or next((c.day for c in cards if c.day is not None), None)
    families = {(c.bet, c.period) for c in cards or (title_card,)}
    # A Polymarket game event titled by its fixture alone ("Cubs vs. Braves") holds the game's
    # result besides what it lists (its other bets live in "- More Markets" events).
    if cards and event.venue in _GAME_EVENT_VENUES and _plain_fixture(event.title, participants):
        families.add(("winner", "ft"))
    return EventView(
        event,
        title_card,
        cards,
        "game",
        participants=participants,
        day=day,
        families=frozenset(families),
        lines=frozenset(c.line for c in cards if c.line is not None),
        topic=title_card.topic,
    )


_GAME_EVENT_VENUES = frozenset({"polymarket", "predict"})


def _plain_fixture(title: str, participants: tuple[Name, ...]) -> bool:
    """The title is the two sides and nothing else ("Cubs vs. Braves")."""
    if len(participants) != 2:
        return False
    rest = set(words(title)) - set(words(participants[0].text)) - set(words(participants[1].text))
    return rest <= {"vs", "v", "at"}


def _contest_view(event: Event, title_card: Card, cards: tuple[Card, ...]) -> EventView:
    """Topic: the title's words plus the words every market shares, outcome names left out."""
    title = event.title
    head = title.rsplit(":", 1)[0].strip() if ":" in title else ""
    # "Topic: Outcome" titles (Limitless, Predict) are one market's title: the tail is an outcome.
    if head and any(phrase(m.text.question).startswith(phrase(head)) for m in event.markets):
        title = head
    topic = topic_words(title)
    if cards:
        topic |= frozenset.intersection(*(c.topic for c in cards))
    families = frozenset((c.bet, c.period) for c in cards) or frozenset(
        {(title_card.bet, title_card.period)}
    )
    return EventView(
        event, title_card, cards, "contest", day=title_card.day, families=families, topic=topic
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
    day = a.day or b.day
    return True, f"same fixture {a1.text} vs {a2.text}" + (f" on {day}" if day else "")


def _identical_titles(a: EventView, b: EventView) -> bool:
    return bool(phrase(a.event.title)) and phrase(a.event.title) == phrase(b.event.title)


_IMPLIED_BY_SCORE = frozenset({"winner", "btts", "spread", "total"})


def _families(families: frozenset[tuple[str, str]]) -> str:
    return ", ".join(
        sorted(bet + ("" if period == "ft" else f"/{period}") for bet, period in families)
    )


def relate_game_events(a: EventView, b: EventView) -> Verdict:
    """Two game events: fixture, then bets, then lines."""
    same, why = same_fixture(a, b)
    if not same:
        return unrelated(why)
    fa, fb = a.families, b.families
    if fa == fb:
        la, lb = a.lines, b.lines
        if la and lb and la != lb:
            if la < lb:
                return Verdict(
                    Relation.SUBSET_A_IN_B,
                    0.7,
                    (why, f"lines {sorted(la)} are legs of {sorted(lb)}"),
                )
            if lb < la:
                return Verdict(
                    Relation.SUBSET_B_IN_A,
                    0.7,
                    (why, f"lines {sorted(lb)} are legs of {sorted(la)}"),
                )
            return related(f"{why}; the same bets on different lines")
        return Verdict(
            Relation.EQUIVALENT,
            0.95 if len(fa) == 1 else 0.8,
            (why, f"same bets: {_families(fa)}"),
            align(a, b),
        )
    bets_a, bets_b = {bet for bet, _ in fa}, {bet for bet, _ in fb}
    if {p for _, p in fa} == {p for _, p in fb}:
        if bets_a == {"exact_score"} and bets_b <= _IMPLIED_BY_SCORE:
            return Verdict(
                Relation.SUBSET_A_IN_B, 0.85, (why, "the exact score decides the other bet")
            )
        if bets_b == {"exact_score"} and bets_a <= _IMPLIED_BY_SCORE:
            return Verdict(
                Relation.SUBSET_B_IN_A, 0.85, (why, "the exact score decides the other bet")
            )
        if bets_a == {"spread"} and bets_b == {"winner"}:
            return Verdict(
                Relation.SUBSET_A_IN_B, 0.8, (why, "winning by a margin implies winning")
            )
        if bets_b == {"spread"} and bets_a == {"winner"}:
            return Verdict(
                Relation.SUBSET_B_IN_A, 0.8, (why, "winning by a margin implies winning")
            )
    # One side's bets among the other's: a subset, unless its lines are not the other's lines
    # (a ladder of totals against a bundle holding one of them is a different grid).
    if fa < fb and a.lines <= b.lines and _room_for(a, b):
        return Verdict(Relation.SUBSET_A_IN_B, 0.6, (why, "A's bets are among B's"))
    if fb < fa and b.lines <= a.lines and _room_for(b, a):
        return Verdict(Relation.SUBSET_B_IN_A, 0.6, (why, "B's bets are among A's"))
    return related(f"{why}; different bets ({_families(fa)} / {_families(fb)})")


_LADDER_BETS = frozenset({"total", "spread"})


def _room_for(small: EventView, big: EventView) -> bool:
    """Whether `big` can hold every line `small` lists of a ladder bet (totals, spreads: one
    market a line on every venue): a ladder of eleven totals is not among a bundle whose one
    total is all it has, even when the ladder's lines cannot be read."""
    unlisted = max(big.event.market_count - len(big.event.markets), 0)
    for family in small.families:
        if family[0] not in _LADDER_BETS:
            continue
        mine = sum(1 for c in small.cards if (c.bet, c.period) == family)
        if mine == len(small.cards):
            mine = max(mine, small.event.market_count)
        theirs = sum(1 for c in big.cards if (c.bet, c.period) == family)
        if mine > theirs + unlisted:
            return False
    return True


def align(a: EventView, b: EventView) -> tuple[OutcomeLink, ...]:
    """Markets of A and B that back the same outcome (same participant, or both the draw); two
    one-market events that are the same bet link their markets."""
    if len(a.event.markets) == 1 and len(b.event.markets) == 1:
        (ma,), (mb,) = a.event.markets, b.event.markets
        return (
            OutcomeLink(
                a_token=ma.id, a_outcome=ma.text.question, b_token=mb.id, b_outcome=mb.text.question
            ),
        )
    links: list[OutcomeLink] = []
    for ma, ca in zip(a.event.markets, a.cards, strict=True):
        for mb, cb in zip(b.event.markets, b.cards, strict=True):
            both_draw = ca.target_role == cb.target_role == "draw"
            both_named = (
                ca.target_role == cb.target_role == "side"
                and ca.target is not None
                and cb.target is not None
                and same_name(ca.target, cb.target)
            )
            if both_draw or both_named:
                links.append(
                    OutcomeLink(
                        a_token=ma.id,
                        a_outcome=ma.text.question,
                        b_token=mb.id,
                        b_outcome=mb.text.question,
                    )
                )
                break
    return tuple(links)


def _years(view: EventView) -> frozenset[int]:
    """Years a contest names outright ("in 2026", "2025-26 season"), not deadlines."""
    out: set[int] = set()
    for card in view.readings:
        if card.dates.year is not None:
            out.add(card.dates.year)
        if card.dates.month is not None:
            out.add(card.dates.month[0])
    return frozenset(out)


def _deadlines(view: EventView) -> frozenset[date]:
    return frozenset(c.dates.deadline for c in view.readings if c.dates.deadline is not None)


def _ladder(a: frozenset[object], b: frozenset[object], what: str, why: str) -> Verdict | None:
    """One side's single value is a leg of the other's ladder -> subset; equal or overlapping
    ladders -> None (the same ladder); disjoint ladders -> related."""
    if not a or not b or a == b:
        return None
    if len(a) == 1 and len(b) > 1:
        return Verdict(Relation.SUBSET_A_IN_B, 0.75, (why, f"A's {what} is one leg of B's ladder"))
    if len(b) == 1 and len(a) > 1:
        return Verdict(Relation.SUBSET_B_IN_A, 0.75, (why, f"B's {what} is one leg of A's ladder"))
    if a & b:
        return None
    return related(f"{why}; different {what}s")


def _targets(view: EventView) -> list[Name]:
    return [c.target for c in view.cards if c.target is not None and c.target_role == "side"]


def _covers(big: EventView, small: EventView) -> bool:
    """Every outcome `small` names is among `big`'s, or `big` lists only some of its markets."""
    mine, theirs = _targets(small), _targets(big)
    if not mine:
        return False
    if big.event.market_count > len(big.event.markets):
        return True
    return all(any(same_name(t, u) for u in theirs) for t in mine)


def _event_stages(a: EventView, b: EventView, ladder: StageLadder) -> Verdict | None:
    """Two events about different stages of one competition ("winner" / "to reach the final"):
    the later stage's outcomes imply the earlier stage's; None when not one competition."""
    subject = same_subject(ladder.rest_a, ladder.rest_b, _years(a), _years(b))
    if subject.verdict != "same":
        return None
    why = f"{subject.reason}; stage {ladder.rank_a} / {ladder.rank_b}"
    later, earlier = (a, b) if ladder.rank_a > ladder.rank_b else (b, a)
    if not _covers(earlier, later):
        return related(f"{why}; other outcomes", 0.6)
    relation = Relation.SUBSET_A_IN_B if later is a else Relation.SUBSET_B_IN_A
    return Verdict(relation, 0.7, (why, "a later stage implies the earlier one"))


def _event_entailed(
    x: EventView, y: EventView, found: Entailment, relation: Relation
) -> Verdict | None:
    """X says a word that settles what Y says ("resign" / "out"), about the same subject, by a
    deadline no later than Y's: X implies Y; None when the rest is another subject."""
    subject = same_subject(found.rest_a, found.rest_b, _years(x), _years(y), max_extra=0.5)
    if subject.verdict != "same":
        return None
    why = f"{subject.reason}; {found.word} settles {' '.join(sorted(found.settled))}"
    dx, dy = _deadlines(x), _deadlines(y)
    if dx and dy and max(dx) > min(dy):
        return related(f"{why}; a later deadline", 0.6)
    return Verdict(relation, 0.7, (why,))


# Words that name a list of the members of one identity slot ("Which countries will Trump visit?").
_LIST_WORDS = {
    "country:": stemmed({"countries", "country", "nations", "nation"}),
    "state:": stemmed({"states", "state"}),
    "person:": stemmed({"people", "persons", "person"}),
    "org:": stemmed({"companies", "company", "organizations", "organisations"}),
}


def _flipped(verdict: Verdict) -> Verdict:
    """A verdict found with the sides swapped, told from A's side again."""
    swap = {
        Relation.SUBSET_A_IN_B: Relation.SUBSET_B_IN_A,
        Relation.SUBSET_B_IN_A: Relation.SUBSET_A_IN_B,
    }
    return replace(verdict, relation=swap.get(verdict.relation, verdict.relation))


def _member_of_list(one: EventView, family: EventView) -> Verdict | None:
    """`one` is about a single member of what `family` lists market by market ("When will Trump
    visit China?" / "Which countries will Trump visit in 2026?"): `one` implies that member's
    market. None when `family` lists nothing of the kind or the rest is another subject."""
    if len(family.cards) < 2:
        return None
    for prefix, list_words in _LIST_WORDS.items():
        members = [frozenset(t for t in c.topic if t.startswith(prefix)) for c in family.cards]
        if not all(len(m) == 1 for m in members) or len(set(members)) < 2:
            continue
        mine = frozenset(t for t in one.topic if t.startswith(prefix)) - family.topic
        if len(mine) != 1:
            continue
        subject = same_subject(
            one.topic - mine, family.topic - list_words, _years(one), _years(family), max_extra=0.5
        )
        if subject.verdict != "same":
            continue
        listed = mine in members or family.event.market_count > len(family.event.markets)
        if not listed:
            return related(f"{subject.reason}; {words_of(mine)} is not among the markets", 0.6)
        return Verdict(
            Relation.SUBSET_A_IN_B,
            0.7,
            (subject.reason, f"about {words_of(mine)}, one of the members the other lists"),
        )
    return None


def relate_contest_events(a: EventView, b: EventView) -> Verdict:
    """Two contest events: the subject (topics), then stages, periods, places, lines, deadlines."""
    stages = stage_ladder(a.topic, b.topic)
    if stages is not None and (staged := _event_stages(a, b, stages)) is not None:
        return staged
    if (member := _member_of_list(a, b)) is not None:
        return member
    if (member := _member_of_list(b, a)) is not None:
        return _flipped(member)
    for one, other, relation in ((a, b, Relation.SUBSET_A_IN_B), (b, a, Relation.SUBSET_B_IN_A)):
        found = entailment(one.topic, other.topic)
        if (
            found is not None
            and (implied := _event_entailed(one, other, found, relation)) is not None
        ):
            return implied
    da, db = _deadlines(a), _deadlines(b)
    subject = same_subject(
        a.topic,
        b.topic,
        _years(a),
        _years(b),
        _identical_titles(a, b),
        bool(da and db and da != db),
    )
    if subject.verdict == "unrelated":
        return unrelated(subject.reason, subject.confidence)
    if subject.verdict == "related":
        return related(subject.reason, subject.confidence)
    why = subject.reason
    stages_a = {t for t in a.topic if t.startswith("stage:")}
    stages_b = {t for t in b.topic if t.startswith("stage:")}
    if stages_a != stages_b and any(
        t.startswith(("office:", "district")) for t in a.topic | b.topic
    ):
        return related(f"{why}; different stages of the race")
    periods_a = {c.period for c in a.cards} or {a.title_card.period}
    periods_b = {c.period for c in b.cards} or {b.title_card.period}
    if periods_a != periods_b:
        return related(
            f"{why}; different periods ({' '.join(sorted(periods_a))} / {' '.join(sorted(periods_b))})"
        )
    ranks_a = frozenset(c.line for c in a.cards if c.bet == "top_n" and c.line is not None)
    ranks_b = frozenset(c.line for c in b.cards if c.bet == "top_n" and c.line is not None)
    if ranks_a and ranks_b and ranks_a != ranks_b:
        if max(ranks_a) < min(ranks_b):
            return Verdict(
                Relation.SUBSET_A_IN_B,
                0.85,
                (why, f"top {max(ranks_a):g} implies top {min(ranks_b):g}"),
            )
        if max(ranks_b) < min(ranks_a):
            return Verdict(
                Relation.SUBSET_B_IN_A,
                0.85,
                (why, f"top {max(ranks_b):g} implies top {min(ranks_a):g}"),
            )
        return related(f"{why}; different places")
    lines_a = frozenset(
        (c.comparator, c.line) for c in a.cards if c.comparator and c.line is not None
    )
    lines_b = frozenset(
        (c.comparator, c.line) for c in b.cards if c.comparator and c.line is not None
    )
    ladder = _ladder(lines_a, lines_b, "threshold", why)
    if ladder is not None:
        return ladder
    if da and db and da != db:
        if len(da) == 1 and len(db) == 1:
            (x,), (y,) = da, db
            if x < y:
                return Verdict(Relation.SUBSET_A_IN_B, 0.8, (why, f"by {x} implies by {y}"))
            return Verdict(Relation.SUBSET_B_IN_A, 0.8, (why, f"by {y} implies by {x}"))
        ladder = _ladder(da, db, "deadline", why)
        if ladder is not None:
            return ladder
    return Verdict(Relation.EQUIVALENT, subject.confidence, (why,), align(a, b))


def relate_candles(a: EventView, b: EventView) -> Verdict:
    """Up/down candles: same asset and the same window."""
    ca, cb = a.title_card, b.title_card
    if ca.asset != cb.asset or not ca.asset:
        return unrelated(f"different assets ({ca.asset or '?'} / {cb.asset or '?'})")
    wa = (ca.dates.day, ca.dates.start, ca.dates.end, ca.dates.hour)
    wb = (cb.dates.day, cb.dates.start, cb.dates.end, cb.dates.hour)
    if ca.dates.day is None or cb.dates.day is None:
        return related(f"{ca.asset}: a window could not be read", 0.5)
    if wa == wb:
        return Verdict(Relation.EQUIVALENT, 0.95, (f"same {ca.asset} window",), align(a, b))
    if ca.dates.day != cb.dates.day:
        return unrelated(f"{ca.asset} on different days")
    return related(f"{ca.asset} windows differ", 0.8)


def relate_events(a: Event, b: Event) -> Verdict:
    """The relation between two events."""
    va, vb = view_event(a), view_event(b)
    if mirrored(a, b):
        if va.kind == vb.kind == "game" and va.day and vb.day and va.day != vb.day:
            return unrelated(f"same listing on different days ({va.day} / {vb.day})")
        mirror_venue = b.venue if a.venue == "polymarket" else a.venue
        return Verdict(
            Relation.EQUIVALENT,
            0.9,
            (f"{mirror_venue} lists the same Polymarket questions",),
            align(va, vb),
        )
    if va.kind != vb.kind:
        shared = frozenset(t for t in va.topic & vb.topic if names_subject(t))
        if shared:
            return related(f"different kinds of question about {words_of(shared)}", 0.5)
        return unrelated(f"different kinds of question ({va.kind} / {vb.kind})", 0.7)
    if va.kind == "game":
        return relate_game_events(va, vb)
    if va.kind == "candle":
        return relate_candles(va, vb)
    return relate_contest_events(va, vb)
