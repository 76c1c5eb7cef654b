"""Candidate pairs from the cards alone: markets that name the same game, contest or candle.

Embeddings miss pairs that venues word very differently ("San Antonio at Minnesota Winner?" /
"Spurs vs. Timberwolves"); the cards do not. Each card yields blocking keys; two markets sharing
a key are candidates (the relation engine decides). Keys are narrow on purpose, so a 300,000-market
catalog yields a few pairs per market, not all the markets of a busy day:

| card                         | key                                                        |
| ---------------------------- | ---------------------------------------------------------- |
| game                         | (day or `*`, bet group, each side's name key) - both sides must hit; a game without a day also meets dated games of its sides |
| candle                       | (asset, day, window start)                                 |
| contest with a named outcome | (outcome name key, a rare topic word)                      |

A name key is an alias key (`nba:sas`) when the tables know the name, else its significant words.
A key shared by more than `MAX_POSTINGS` markets is too common to tell anything and is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from dashboard_backend.matching.cards import Card
from dashboard_backend.matching.names import Name
from dashboard_backend.matching.topics import IDENTITY, SOFT_TOPIC, topic_weight

MAX_POSTINGS = 400
# Bets that can relate to one another through an implication (an exact score decides the result).
_BET_GROUPS = {"winner": "result", "spread": "result", "exact_score": "result", "series": "result"}


def name_keys(name: Name) -> frozenset[str]:
    """Keys of a participant: its alias keys, else its significant words."""
    if name.keys:
        return name.keys
    return frozenset(f"w:{w}" for w in name.words if len(w) >= 3)


def _topic_keys(card: Card) -> frozenset[str]:
    return frozenset(
        t
        for t in card.topic
        if t not in SOFT_TOPIC and (t.startswith(IDENTITY) or topic_weight(t) >= 0.6)
    )


def card_keys(card: Card) -> list[tuple[str, frozenset[str]]]:
    """(group, keys) of a card; a pair is a candidate when it shares a key in every group.

    A game with a day is keyed by its day; a game whose day could not be read is keyed without
    one (`*`) and also looked up against dated games of the same sides (`undated_keys`)."""
    if card.kind == "game" and len(card.participants) == 2:
        day = card.day.isoformat() if card.day is not None else "*"
        prefix = f"g|{day}|{_BET_GROUPS.get(card.bet, card.bet)}|{card.period}|"
        return [
            ("side1", frozenset(prefix + k for k in name_keys(card.participants[0]))),
            ("side2", frozenset(prefix + k for k in name_keys(card.participants[1]))),
        ]
    if card.kind == "candle" and card.asset:
        window = card.dates.start or card.dates.hour
        stamp = window.isoformat() if window else (card.day.isoformat() if card.day else "")
        return [("candle", frozenset({f"c|{card.asset}|{stamp}"}))]
    if card.kind == "contest" and card.target is not None and not card.target.empty:
        topic = _topic_keys(card)
        if topic:
            return [
                ("target", frozenset(f"t|{k}" for k in name_keys(card.target))),
                ("topic", frozenset(f"o|{k}" for k in topic)),
            ]
    return []


def undated_keys(card: Card) -> list[tuple[str, frozenset[str]]]:
    """The day-free keys of a dated game (what an undated game of the same sides looks up)."""
    if card.kind != "game" or card.day is None or len(card.participants) != 2:
        return []
    return card_keys(replace(card, day=None))


def block_pairs(cards: Sequence[Card], sides: Sequence[int] | None = None) -> set[tuple[int, int]]:
    """Unordered index pairs (i < j) that share a key in every group of their cards."""
    keyed = [card_keys(c) for c in cards]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, card in enumerate(cards):
        for _, keys in [*keyed[i], *undated_keys(card)]:
            for key in keys:
                postings[key].append(i)
    out: set[tuple[int, int]] = set()
    for i, groups in enumerate(keyed):
        if not groups:
            continue
        found: set[int] | None = None
        for _, keys in groups:
            hits = set(_neighbours(postings, keys, i))
            found = hits if found is None else found & hits
            if not found:
                break
        for j in found or ():
            if sides is None or sides[i] != sides[j]:
                out.add((min(i, j), max(i, j)))
    return out


def _neighbours(postings: dict[str, list[int]], keys: Iterable[str], i: int) -> Iterable[int]:
    for key in keys:
        members = postings.get(key, [])
        if 1 < len(members) <= MAX_POSTINGS:
            yield from (j for j in members if j != i)
