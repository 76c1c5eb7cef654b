"""How two propositions (one outcome of a market each) relate: the logic of one pair of cards.

A proposition is a card whose `target` says which outcome it backs ("Spain wins", "over 2.5
goals", "the draw", "Alexander Albon wins the F1 title"). Between two propositions P (of A) and
Q (of B) the answer is one of:

- `same`: P and Q win together;
- `a_implies_b` / `b_implies_a`: a stricter line or an earlier deadline implies the easier one
  ("wins by 2+" -> "wins"; "over 3.5" -> "over 2.5"; "top 5" -> "top 10"; an exact score ->
  the result it decides);
- `exclusive`: never both (two different winners of one game or contest); `complement` when
  exactly one of them wins (the two sides of a game that cannot be drawn, over / under a line);
- `related`: same game or contest, a different question; `unrelated`: different subjects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dashboard_backend.matching.cards import Card
from dashboard_backend.matching.dates import month_end
from dashboard_backend.matching.entailments import Entailment, entailment
from dashboard_backend.matching.names import Name, make_name, same_name
from dashboard_backend.matching.stages import StageLadder, stage_ladder
from dashboard_backend.matching.text import words as name_words
from dashboard_backend.matching.topics import SOFT_TOPIC, same_subject
from dashboard_backend.matching.word_weights import weight

SAME = "same"
A_IMPLIES_B = "a_implies_b"
B_IMPLIES_A = "b_implies_a"
EXCLUSIVE = "exclusive"
COMPLEMENT = "complement"
RELATED = "related"
UNRELATED = "unrelated"


@dataclass(frozen=True)
class PropRelation:
    """The relation of two propositions, with its reason and confidence."""

    kind: str
    reason: str
    confidence: float = 0.8


def _flip(rel: PropRelation) -> PropRelation:
    swap = {A_IMPLIES_B: B_IMPLIES_A, B_IMPLIES_A: A_IMPLIES_B}
    return PropRelation(swap.get(rel.kind, rel.kind), rel.reason, rel.confidence)


_DOUBLEHEADER = timedelta(hours=3)  # start times further apart than this are two games


def same_fixture(a: Card, b: Card) -> tuple[bool, str]:
    """Both sides of the two games and their days agree."""
    if len(a.participants) != 2 or len(b.participants) != 2:
        return False, "a side of the fixture could not be read"
    (a1, a2), (b1, b2) = a.participants, b.participants
    if not ((same_name(a1, b1) and same_name(a2, b2)) or (same_name(a1, b2) and same_name(a2, b1))):
        return False, f"different fixtures ({a1.text} vs {a2.text} / {b1.text} vs {b2.text})"
    if a.day is not None and b.day is not None and a.day != b.day:
        return False, f"same teams on different days ({a.day} / {b.day})"
    if (
        a.kickoff is not None
        and b.kickoff is not None
        and abs(a.kickoff - b.kickoff) > _DOUBLEHEADER
    ):
        # Two games of one day (a doubleheader): told apart by their start times.
        return False, f"same teams at different times ({a.kickoff:%H:%M} / {b.kickoff:%H:%M} ET)"
    day = a.day or b.day
    return True, f"{a1.text} vs {a2.text}" + (f" on {day}" if day else "")


def _winner_of_score(card: Card) -> Name | None:
    """The side an exact score makes the winner (None for a draw or an unknown score)."""
    if card.score is None or len(card.participants) != 2 or card.score[0] == card.score[1]:
        return None
    return card.participants[0] if card.score[0] > card.score[1] else card.participants[1]


def _same_target(a: Card, b: Card) -> bool | None:
    """Whether two cards back the same outcome (None when either backs none that can be told)."""
    if a.target_role == "draw" or b.target_role == "draw":
        return a.target_role == b.target_role
    if a.target is None or b.target is None:
        return None
    return same_name(a.target, b.target)


def _target_keys(card: Card) -> frozenset[str]:
    """The alias keys of the outcome a card backs ("person:trump")."""
    return (
        card.target.keys if card.target is not None and card.target_role == "side" else frozenset()
    )


def _entailment(x: Card, y: Card) -> Entailment | None:
    """What X's words settle of Y's; X's outcome counts as one of its words when it settles Y's
    outcome or words (a head of state acts for the country: "Trump acquires" / "the US
    acquires")."""
    found = entailment(x.topic, y.topic)
    if found is not None and _same_target(x, y) is True:
        return found
    mine = _target_keys(x)
    wider = entailment(x.topic | mine, y.topic | _target_keys(y)) if mine else None
    if wider is not None and mine.intersection(wider.words):
        return wider
    return found


def _target_settles(x: Card, y: Card, found: Entailment) -> bool:
    """X's outcome is among the words that settled Y's, and Y backs no other outcome."""
    if not _target_keys(x).intersection(found.words):
        return False
    return y.target is None or bool(_target_keys(y) & found.settled)


def relate_game_props(a: Card, b: Card) -> PropRelation:
    """Two propositions about games."""
    same, where = same_fixture(a, b)
    if not same:
        return PropRelation(UNRELATED, where, 0.9)
    if a.day is None or b.day is None:
        # No day to pin the game: words naming a stage or a competition must not disagree
        # ("preliminary match" / "quarterfinals series" are two meetings of the same players).
        only_a, only_b = _own_words(a, b), _own_words(b, a)
        if only_a and only_b:
            return PropRelation(
                RELATED, f"{where}: {' '.join(sorted(only_a))} / {' '.join(sorted(only_b))}", 0.6
            )
    if a.game_number != b.game_number:
        if a.game_number is not None and b.game_number is not None:
            return PropRelation(
                UNRELATED, f"{where}: game {a.game_number} / game {b.game_number} of a series", 0.9
            )
        return PropRelation(RELATED, f"{where}: only one names the game of the series", 0.6)
    if a.period != b.period:
        return PropRelation(RELATED, f"{where}: different periods ({a.period} / {b.period})")
    if a.bet == "exact_score" and b.bet != "exact_score":
        return _flip(_score_implies(b, a, where))
    if b.bet == "exact_score" and a.bet != "exact_score":
        return _score_implies(a, b, where)
    if a.bet == "spread" and b.bet == "winner":
        return _margin_implies(a, b, where)
    if b.bet == "spread" and a.bet == "winner":
        return _flip(_margin_implies(b, a, where))
    if a.bet != b.bet:
        return PropRelation(RELATED, f"{where}: different bets ({a.bet} / {b.bet})")
    if a.bet in ("winner", "series"):
        same_target = _same_target(a, b)
        if same_target is None:
            return PropRelation(RELATED, f"{where}: an outcome could not be read", 0.5)
        if same_target:
            return PropRelation(SAME, f"{where}: both back {_label(a)}", 0.95)
        draw = a.draw_possible or b.draw_possible
        return PropRelation(
            EXCLUSIVE if draw else COMPLEMENT, f"{where}: {_label(a)} / {_label(b)}", 0.95
        )
    if a.bet in ("spread", "total", "total_maps", "player_prop"):
        return _lines(a, b, where)
    if a.bet == "exact_score":
        if a.score == b.score or (
            a.score and b.score and a.score == b.score[::-1] and _crossed(a, b)
        ):
            return PropRelation(SAME, f"{where}: the same exact score", 0.9)
        return PropRelation(EXCLUSIVE, f"{where}: different exact scores", 0.9)
    return PropRelation(SAME, f"{where}: {a.bet}", 0.85)


def _own_words(a: Card, b: Card) -> frozenset[str]:
    """Telling words of `a`'s topic that `b`'s lacks (boilerplate and bet words aside)."""
    return frozenset(
        t
        for t in a.topic - b.topic
        if t not in SOFT_TOPIC and not t.startswith(("word:", "league:")) and weight(t) >= 0.6
    )


def _crossed(a: Card, b: Card) -> bool:
    return same_name(a.participants[0], b.participants[1])


def _label(card: Card) -> str:
    if card.target_role == "draw":
        return "the draw"
    return card.target.text if card.target is not None else card.target_role or "?"


def _score_implies(other: Card, score: Card, where: str) -> PropRelation:
    """The exact score (B) decides `other` (A): implies it or excludes it."""
    if other.bet != "winner":
        return PropRelation(RELATED, f"{where}: an exact score and a {other.bet} bet", 0.6)
    winner = _winner_of_score(score)
    if other.target_role == "draw":
        wins = winner is None and score.score is not None
    elif other.target is not None and winner is not None:
        wins = same_name(other.target, winner)
    else:
        return PropRelation(RELATED, f"{where}: an exact score", 0.5)
    if wins:
        return PropRelation(
            B_IMPLIES_A, f"{where}: the score {score.score} means {_label(other)}", 0.9
        )
    return PropRelation(
        EXCLUSIVE, f"{where}: the score {score.score} rules out {_label(other)}", 0.9
    )


def _margin_implies(spread: Card, winner: Card, where: str) -> PropRelation:
    """Winning by a margin (A) implies winning (B), and rules out the other side or the draw."""
    same_target = _same_target(spread, winner)
    if same_target is None:
        return PropRelation(RELATED, f"{where}: a spread and a result", 0.5)
    if same_target:
        return PropRelation(
            A_IMPLIES_B, f"{where}: winning by {spread.line:g}+ implies winning", 0.9
        )
    return PropRelation(
        EXCLUSIVE, f"{where}: {_label(spread)} by a margin rules out {_label(winner)}", 0.9
    )


def _lines(a: Card, b: Card, where: str) -> PropRelation:
    """Same bet on lines: same line -> same; the stricter line implies the easier one."""
    if a.bet == "player_prop" and (
        a.target is None or b.target is None or not same_name(a.target, b.target)
    ):
        return PropRelation(RELATED, f"{where}: different players", 0.7)
    if a.bet == "spread":
        same_target = _same_target(a, b)
        if same_target is False:
            return PropRelation(EXCLUSIVE, f"{where}: margins for different sides", 0.85)
    if a.line is None or b.line is None:
        return PropRelation(RELATED, f"{where}: a line could not be read", 0.5)
    under_a, under_b = a.target_role == "under", b.target_role == "under"
    if under_a != under_b:
        if a.line == b.line:
            return PropRelation(COMPLEMENT, f"{where}: over / under {a.line:g}", 0.9)
        return PropRelation(RELATED, f"{where}: over and under different lines", 0.6)
    if a.line == b.line:
        return PropRelation(SAME, f"{where}: {a.bet} {a.line:g}", 0.95)
    stricter_a = (a.line > b.line) != under_a
    if stricter_a:
        return PropRelation(A_IMPLIES_B, f"{where}: {a.bet} {a.line:g} implies {b.line:g}", 0.9)
    return PropRelation(B_IMPLIES_A, f"{where}: {a.bet} {b.line:g} implies {a.line:g}", 0.9)


def anchor(card: Card) -> tuple[str, date | None, date | None] | None:
    """When a proposition is about, as (kind, first day, last day): `on` a day, `during` a
    window, month or year, `by` a deadline; None when the text names no time."""
    d = card.dates
    if d.deadline is not None and d.day is None:
        # "by Nov 30" in the words wins over a ticker's date (`-25NOV30`), which is the deadline.
        return ("by", None, d.deadline)
    if card.day is not None and (d.day is not None or d.month is None):
        # A month in the words wins over a ticker's day too (`-26JUL31` closes July's ladder).
        return ("on", card.day, card.day)
    if d.first_day is not None and d.last_day is not None:
        return ("during", d.first_day, d.last_day)
    if d.month is not None:
        year, month = d.month
        return ("during", date(year, month, 1), month_end(year, month))
    if card.day is not None:
        return ("on", card.day, card.day)
    if d.deadline is not None:
        return ("by", None, d.deadline)
    if d.year is not None:
        return ("during", date(d.year, 1, 1), date(d.year, 12, 31))
    return None


def _anchors_agree(a: Card, b: Card) -> bool:
    """The same time, or one side naming none (a venue that leaves the year of a season unsaid)
    when the markets' own years (their close times) are at most a year apart."""
    ta, tb = anchor(a), anchor(b)
    if ta is None or tb is None:
        ya = ta[2].year if ta is not None and ta[2] is not None else a.context_year
        yb = tb[2].year if tb is not None and tb[2] is not None else b.context_year
        return ya is None or yb is None or abs(ya - yb) <= 1
    if ta == tb:
        return True
    # "in 2026" (during the whole year) and "by the end of 2026" ask about the same stretch.
    if {ta[0], tb[0]} == {"by", "during"} and ta[2] == tb[2] and ta[2] is not None:
        during = ta if ta[0] == "during" else tb
        return during[1] == date(ta[2].year, 1, 1)
    return False


def _mentions(card: Card, name: Name) -> bool:
    """The card's text names `name` somewhere (its question or event title)."""
    words = set(name_words(card.text))
    return bool(name.words) and set(name.words) <= words


def relate_contest_props(a: Card, b: Card, same_title: bool = False) -> PropRelation:
    """Two propositions about contests or the world (who wins a race; X happens by a date).

    Same bet only when the subject, the outcome backed, the amounts and the time all agree; one
    side's stricter line, earlier deadline or higher place implies the other when everything else
    agrees; two entrants of one single-winner contest exclude each other; the rest is related or
    unrelated by subject.
    """
    if len(a.participants) == 2 and len(b.participants) == 2:
        same, where = same_fixture(a, b)
        if not same:
            return PropRelation(UNRELATED, where, 0.85)
    years_a = frozenset(y for y in (a.dates.year,) if y is not None)
    years_b = frozenset(y for y in (b.dates.year,) if y is not None)
    ladder = stage_ladder(a.topic, b.topic)
    if ladder is not None:
        staged = _stages(a, b, ladder, years_a, years_b)
        if staged is not None:
            return staged
    for one, other, kind in ((a, b, A_IMPLIES_B), (b, a, B_IMPLIES_A)):
        found = _entailment(one, other)
        if found is not None and (implied := _entailed(one, other, found, kind)) is not None:
            return implied
    # Between single markets, words one side adds weigh more than between events: an extra
    # "file", "another" or a second name is another question (max_extra 0.5, no deadline lift).
    subject = same_subject(a.topic, b.topic, years_a, years_b, same_title, False, max_extra=0.5)
    if subject.verdict == "unrelated":
        return PropRelation(UNRELATED, subject.reason, subject.confidence)
    if subject.verdict == "related":
        return PropRelation(RELATED, subject.reason, subject.confidence)
    where = subject.reason
    if a.period != b.period:
        return PropRelation(RELATED, f"{where}: different periods ({a.period} / {b.period})")
    same_target = _same_target(a, b)
    if same_target is None and (a.target is not None or b.target is not None):
        named, other = (a.target, b) if a.target is not None else (b.target, a)
        if named is None or not _mentions(other, named):
            return PropRelation(
                RELATED, f"{where}: only one side names {_label(a if a.target else b)}", 0.5
            )
    if (
        same_target is None
        and a.lead
        and b.lead
        and not same_name(make_name(a.lead), make_name(b.lead))
    ):
        # The same words with other names in the lead ("Will Mayweather KO Paul?" / "Will Paul KO
        # Mayweather?"): roles swapped, another question.
        return PropRelation(RELATED, f"{where}: about {a.lead} / {b.lead}", 0.6)
    if same_target is False:
        if a.target_role == "field" or b.target_role == "field":
            return PropRelation(RELATED, f"{where}: a named outcome and the field", 0.6)
        # Two entrants of one contest with a single winner never both win; two propositions
        # about different subjects ("BTC hits $100k" / "ETH hits $5k") have nothing to do.
        one_winner = (
            a.bet == b.bet == "winner" and bool(a.topic - SOFT_TOPIC) and bool(b.topic - SOFT_TOPIC)
        )
        if one_winner and _anchors_agree(a, b):
            return PropRelation(EXCLUSIVE, f"{where}: {_label(a)} / {_label(b)}", 0.8)
        return PropRelation(UNRELATED, f"different subjects: {_label(a)} / {_label(b)}", 0.8)
    if a.bucket is not None or b.bucket is not None:
        return _buckets(a, b, where)
    lines = {str(int(x)) if x.is_integer() else str(x) for x in (a.line, b.line) if x is not None}
    lines |= {f"{x}%" for x in lines}  # "Above 6%": the line is 6, the amount "6%"
    if (a.amounts - lines) != (b.amounts - lines):
        return PropRelation(
            RELATED,
            f"{where}: different amounts ({' '.join(sorted(a.amounts)) or '-'} / {' '.join(sorted(b.amounts)) or '-'})",
            0.7,
        )
    if (
        a.bet == "top_n"
        and b.bet == "top_n"
        and a.line is not None
        and b.line is not None
        and a.line != b.line
    ):
        if not _anchors_agree(a, b):
            return PropRelation(RELATED, f"{where}: different places and times", 0.6)
        kind = A_IMPLIES_B if a.line < b.line else B_IMPLIES_A
        return PropRelation(
            kind, f"{where}: top {min(a.line, b.line):g} implies top {max(a.line, b.line):g}", 0.85
        )
    if (a.bet == "top_n") != (b.bet == "top_n"):
        top, other = (a, b) if a.bet == "top_n" else (b, a)
        if other.bet == "winner" and top.line is not None and _anchors_agree(a, b):
            # First place is in the top N.
            kind = A_IMPLIES_B if other is a else B_IMPLIES_A
            return PropRelation(kind, f"{where}: winning implies the top {top.line:g}", 0.8)
        return PropRelation(RELATED, f"{where}: a place on one side only", 0.6)
    if bool(a.comparator) != bool(b.comparator):
        return PropRelation(RELATED, f"{where}: a threshold on one side only", 0.6)
    if a.comparator and b.comparator and a.line is not None and b.line is not None:
        if (anchor(a) is None) != (anchor(b) is None):
            # "When will Bitcoin hit $150k?" / "Bitcoin above $115k on August 11?": a price at
            # any time is not a price on a day, whichever bar is higher.
            return PropRelation(RELATED, f"{where}: a threshold at a stated time on one side", 0.6)
        if not _anchors_agree(a, b):
            for one, other, kind in ((a, b, A_IMPLIES_B), (b, a, B_IMPLIES_A)):
                if _within(one, other) and _bar_implies(one, other):
                    # "above $120k in June" / "reach $100k by June 30": a higher bar, inside the
                    # other's window.
                    return PropRelation(kind, f"{where}: {_when(one)} inside {_when(other)}", 0.8)
            return PropRelation(RELATED, f"{where}: thresholds at different times", 0.7)
        if a.dates.hour != b.dates.hour:
            # "above 6,345 on Aug 6 at 3pm EDT" / "above 6,345 on August 6" (the close).
            return PropRelation(RELATED, f"{where}: thresholds at different times of day", 0.7)
        return _thresholds(a, b, where)
    da, db = a.dates.deadline, b.dates.deadline
    by_both = all((x := anchor(c)) is not None and x[0] == "by" for c in (a, b))
    if da is not None and db is not None and da != db and by_both:
        kind = A_IMPLIES_B if da < db else B_IMPLIES_A
        return PropRelation(kind, f"{where}: by {min(da, db)} implies by {max(da, db)}", 0.85)
    if not _anchors_agree(a, b):
        for one, other, kind in ((a, b, A_IMPLIES_B), (b, a, B_IMPLIES_A)):
            if _within(one, other):
                return PropRelation(kind, f"{where}: {_when(one)} inside {_when(other)}", 0.8)
        return PropRelation(RELATED, f"{where}: different times ({_when(a)} / {_when(b)})", 0.7)
    return PropRelation(SAME, where, subject.confidence)


def _buckets(a: Card, b: Card, where: str) -> PropRelation:
    """Ranges and bars on one quantity at one time: a range inside another or past a bar implies
    it, ranges that cannot both hold exclude each other, equal ranges are the same bet."""
    if (
        (anchor(a) is None) != (anchor(b) is None)
        or not _anchors_agree(a, b)
        or a.dates.hour != b.dates.hour
    ):
        # "When will Bitcoin hit $150k?" says nothing of where it is on August 8.
        return PropRelation(RELATED, f"{where}: ranges at different times", 0.7)
    if a.bucket is not None and b.bucket is not None:
        (alo, ahi), (blo, bhi) = a.bucket, b.bucket
        shown = f"{where}: {alo:g}..{ahi:g} / {blo:g}..{bhi:g}"
        if a.bucket == b.bucket:
            return PropRelation(SAME, shown, 0.9)
        if blo <= alo and ahi <= bhi:
            return PropRelation(A_IMPLIES_B, f"{shown}: inside", 0.85)
        if alo <= blo and bhi <= ahi:
            return PropRelation(B_IMPLIES_A, f"{shown}: inside", 0.85)
        if ahi < blo or bhi < alo:
            return PropRelation(EXCLUSIVE, f"{shown}: apart", 0.85)
        return PropRelation(RELATED, f"{shown}: overlapping", 0.7)
    ranged, barred, kind = (a, b, A_IMPLIES_B) if a.bucket is not None else (b, a, B_IMPLIES_A)
    if not barred.comparator or barred.line is None or ranged.bucket is None:
        return PropRelation(RELATED, f"{where}: a range on one side only", 0.6)
    low, high = ranged.bucket
    line, inclusive = barred.line, barred.inclusive
    if barred.comparator == ">":
        passes = low > line or (low == line and inclusive)
        fails = high < line or (high == line and not inclusive)
    else:
        passes = high < line or (high == line and inclusive)
        fails = low > line or (low == line and not inclusive)
    shown = f"{where}: {low:g}..{high:g} / {barred.comparator} {line:g}"
    if passes:
        return PropRelation(kind, f"{shown}: the range is past the bar", 0.85)
    if fails:
        return PropRelation(EXCLUSIVE, f"{shown}: the range misses the bar", 0.85)
    return PropRelation(RELATED, f"{shown}: the bar cuts the range", 0.7)


def _within(x: Card, y: Card) -> bool:
    """X's time lies inside Y's "by" window: on June 15, during June, or by June 30 against by
    June 30 or later ("happens in June" implies "happens by June 30")."""
    tx, ty = anchor(x), anchor(y)
    if tx is None or ty is None or ty[0] != "by" or ty[2] is None or tx[2] is None:
        return False
    return tx[2] <= ty[2]


def _bar_implies(x: Card, y: Card) -> bool:
    """X's bar is at least as hard to pass as Y's (same direction; strict beats inclusive)."""
    if x.comparator != y.comparator or x.line is None or y.line is None:
        return False
    if x.line == y.line:
        return x.inclusive == y.inclusive or not x.inclusive or _continuous(x, y)
    return (x.line > y.line) == (x.comparator == ">")


def _continuous(a: Card, b: Card) -> bool:
    """Both bars are on one asset's price, which is never exactly on a bar in practice: "above
    $100" and "reach $100" are the same bar there (not for rates or counts, which land on it)."""
    assets = {t for t in a.topic if t.startswith("asset:")}
    return bool(assets) and assets == {t for t in b.topic if t.startswith("asset:")}


def _stages(
    a: Card, b: Card, ladder: StageLadder, years_a: frozenset[int], years_b: frozenset[int]
) -> PropRelation | None:
    """Two stages of one competition: the later one implies the earlier for the same team at the
    same time; None when the rest of the topics are not the same competition."""
    subject = same_subject(ladder.rest_a, ladder.rest_b, years_a, years_b, max_extra=0.5)
    if subject.verdict != "same" or a.period != b.period:
        return None
    where = f"{subject.reason}: stage {ladder.rank_a} / {ladder.rank_b}"
    if _same_target(a, b) is not True:
        return PropRelation(RELATED, f"{where}; not the same outcome", 0.6)
    if not _anchors_agree(a, b):
        return PropRelation(RELATED, f"{where}; at different times", 0.6)
    kind = A_IMPLIES_B if ladder.rank_a > ladder.rank_b else B_IMPLIES_A
    return PropRelation(kind, f"{where}; a later stage implies the earlier one", 0.8)


def _entailed(x: Card, y: Card, found: Entailment, kind: str) -> PropRelation | None:
    """X says a word that settles what Y says ("resign" / "out"): X implies Y when the rest is the
    same subject, about the same outcome, by a deadline no later than Y's; None when the rest is
    another subject."""
    subject = same_subject(found.rest_a, found.rest_b, max_extra=0.5)
    if subject.verdict != "same" or x.period != y.period:
        return None
    where = f"{subject.reason}: {found.word} settles {' '.join(sorted(found.settled))}"
    if _same_target(x, y) is not True and not _target_settles(x, y, found):
        return PropRelation(RELATED, f"{where}; not the same outcome", 0.6)
    dx, dy = x.dates.deadline, y.dates.deadline
    if not (_anchors_agree(x, y) or (dx is not None and dy is not None and dx <= dy)):
        return PropRelation(RELATED, f"{where}; at different times", 0.6)
    return PropRelation(kind, where, 0.75)


def _thresholds(a: Card, b: Card, where: str) -> PropRelation:
    """Thresholds on one quantity ("above $500M"): the higher bar implies the lower one."""
    if a.line is None or b.line is None:
        return PropRelation(RELATED, f"{where}: a threshold could not be read", 0.5)
    if a.comparator != b.comparator:
        return PropRelation(RELATED, f"{where}: above and below", 0.6)
    if a.line == b.line:
        if a.inclusive != b.inclusive and not _continuous(a, b):
            # "above 6%" passes the bar that "at least 6%" / "reach 6%" only touches: exactly 6%
            # settles them apart, so the strict one implies the other and is not the same bet.
            kind = B_IMPLIES_A if a.inclusive else A_IMPLIES_B
            return PropRelation(
                kind, f"{where}: {a.comparator} {a.line:g}, strictly on one side only", 0.8
            )
        return PropRelation(SAME, f"{where}: {a.comparator} {a.line:g}", 0.9)
    stricter_a = (a.line > b.line) == (a.comparator == ">")
    kind = A_IMPLIES_B if stricter_a else B_IMPLIES_A
    return PropRelation(
        kind, f"{where}: {a.comparator} {a.line:g} / {b.comparator} {b.line:g}", 0.85
    )


def _when(card: Card) -> str:
    found = anchor(card)
    if found is None:
        return "unsaid"
    kind, first, last = found
    return f"{kind} {first or ''}..{last or ''}".replace("on ", "on ").strip()


def relate_candle_props(a: Card, b: Card) -> PropRelation:
    """Up/down candles: the same asset over the same window."""
    if not a.asset or a.asset != b.asset:
        return PropRelation(
            UNRELATED, f"different assets ({a.asset or '?'} / {b.asset or '?'})", 0.9
        )
    wa = (a.dates.day, a.dates.start, a.dates.end, a.dates.hour)
    wb = (b.dates.day, b.dates.start, b.dates.end, b.dates.hour)
    if a.dates.day is None or b.dates.day is None:
        return PropRelation(RELATED, f"{a.asset}: a window could not be read", 0.5)
    if wa != wb:
        if a.dates.day != b.dates.day:
            return PropRelation(UNRELATED, f"{a.asset} on different days", 0.9)
        return PropRelation(RELATED, f"{a.asset}: different windows", 0.8)
    if a.target_role != b.target_role and "" not in (a.target_role, b.target_role):
        return PropRelation(COMPLEMENT, f"{a.asset}: up / down over the same window", 0.9)
    return PropRelation(SAME, f"the same {a.asset} window", 0.95)


def relate_props(a: Card, b: Card, same_title: bool = False) -> PropRelation:
    """The relation of two propositions of any kind."""
    if a.kind != b.kind:
        return PropRelation(UNRELATED, f"different kinds of question ({a.kind} / {b.kind})", 0.7)
    if a.kind == "game":
        return relate_game_props(a, b)
    if a.kind == "candle":
        return relate_candle_props(a, b)
    return relate_contest_props(a, b, same_title)
