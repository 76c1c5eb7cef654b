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
A key shared by more than `MAX_POSTINGS` markets is too common to tell anything and is skipped
(a market counts once per key, whichever of its groups holds it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

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
        return _game_keys(card, card.day.isoformat() if card.day is not None else "*")
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


def _game_keys(card: Card, day: str) -> list[tuple[str, frozenset[str]]]:
    """A game's keys on `day` (an ISO day, or `*` for none)."""
    prefix = f"g|{day}|{_BET_GROUPS.get(card.bet, card.bet)}|{card.period}|"
    return [
        ("side1", frozenset(prefix + k for k in name_keys(card.participants[0]))),
        ("side2", frozenset(prefix + k for k in name_keys(card.participants[1]))),
    ]


def undated_keys(card: Card) -> list[tuple[str, frozenset[str]]]:
    """The day-free keys of a dated game (what an undated game of the same sides looks up):
    its keys as if its day were unread (no copy of the card made to say so)."""
    if card.kind != "game" or card.day is None or len(card.participants) != 2:
        return []
    return _game_keys(card, "*")


Groups = list[tuple[str, frozenset[str]]]


def posted_keys(card: Card, groups: Groups) -> frozenset[str]:
    """Every key a market is listed under: its own, and a dated game's day-free ones."""
    return frozenset(k for _, keys in [*groups, *undated_keys(card)] for k in keys)


def _counts(size: int) -> bool:
    """Whether a key held by `size` markets proposes pairs."""
    return 1 < size <= MAX_POSTINGS


class BlockIndex:
    """Postings of the blocking keys, kept between passes and updated by the markets that changed.

    `found[m]` holds the markets that share a key with `m` in every group of `m`'s card (keys with
    more than `MAX_POSTINGS` markets, or only one, skipped), across sides when sides are given
    (side -1: none). A market's `found` depends only on its own keys and on who else holds them,
    so after a change only the changed markets are recomputed, with the holders of a key that
    starts or stops counting; the other holders of their old and new keys only check them.
    """

    def __init__(self) -> None:
        # market -> (the keys it looks up, by group; the keys it is listed under; its side)
        self.groups: dict[str, tuple[Groups, frozenset[str], int]] = {}
        self.postings: dict[str, set[str]] = defaultdict(set)
        self.found: dict[str, frozenset[str]] = {}

    def update(
        self,
        current: Mapping[str, tuple[Groups, frozenset[str], int]],
        changed: Iterable[str],
        gone: Iterable[str] = (),
    ) -> set[str]:
        """Bring the index up to date, given the markets new or changed since the last update
        (`current` holds their keys and sides) and the markets removed; returns the markets
        whose `found` changed (or was recomputed).

        Holders of a key that starts or stops counting are recomputed in full; holders of a key
        that counts before and after only check the markets that joined or left it.
        """
        before: dict[str, int] = {}  # touched keys -> how many markets held them before
        movers: dict[str, set[str]] = defaultdict(set)  # touched key -> who joined or left
        redo: set[str] = set()
        changed = list(changed)

        def touch(key: str, m: str) -> None:
            if key not in before:
                before[key] = len(self.postings.get(key, ()))
            movers[key].add(m)

        for m in [*gone, *changed]:
            old = self.groups.pop(m, None)
            if old is not None:
                for key in old[1]:
                    touch(key, m)
                    self.postings[key].discard(m)
            self.found.pop(m, None)
        for m in changed:
            self.groups[m] = current[m]
            redo.add(m)
            for key in current[m][1]:
                touch(key, m)
                self.postings[key].add(m)
        check: dict[str, set[str]] = defaultdict(set)  # holder -> markets to check against it
        for key, size in before.items():
            members = self.postings.get(key)
            if members is not None and not members:
                del self.postings[key]
            elif not members:
                continue
            elif _counts(size) != _counts(len(members)):
                redo.update(members)  # the key starts or stops counting: all its holders
            elif _counts(size):
                for x in members:
                    check[x] |= movers[key]
        for m in redo:
            self._find(m)
        for x, others in check.items():
            if x not in redo and self._recheck(x, others):
                redo.add(x)
        return redo

    def _recheck(self, x: str, others: set[str]) -> bool:
        """Update whether `x` finds each of `others` (nothing else about `x` changed); whether
        its `found` changed."""
        had = self.found.get(x, frozenset())
        found = set(had)
        for y in others:
            if y != x and y in self.groups and self._finds(x, y):
                found.add(y)
            else:
                found.discard(y)
        if found == had:
            return False
        if found:
            self.found[x] = frozenset(found)
        else:
            self.found.pop(x, None)
        return True

    def _finds(self, x: str, y: str) -> bool:
        """Whether `x` finds `y`: `y` holds a counting key of every group of `x` (other sides)."""
        groups, _, side = self.groups[x]
        _, posted, y_side = self.groups[y]
        if not groups or (side >= 0 and y_side == side):
            return False
        postings = self.postings
        return all(
            any(k in posted and _counts(len(postings[k])) for k in keys) for _, keys in groups
        )

    def _find(self, m: str) -> None:
        groups, _, side = self.groups[m]
        found: set[str] | None = None
        for _, keys in groups:
            hits: set[str] = set()
            for key in keys:
                members = self.postings.get(key)
                if members is not None and 1 < len(members) <= MAX_POSTINGS:
                    hits |= members
            hits.discard(m)
            found = hits if found is None else found & hits
            if not found:
                break
        if side >= 0:
            found = {j for j in found or () if self.groups[j][2] != side}
        if found:
            self.found[m] = frozenset(found)
        else:
            self.found.pop(m, None)

    def pairs(self, position: dict[str, int]) -> set[tuple[int, int]]:
        """Unordered position pairs (i < j) where one of the two markets found the other."""
        out: set[tuple[int, int]] = set()
        for m, found in self.found.items():
            i = position[m]
            for other in found:
                j = position[other]
                out.add((i, j) if i < j else (j, i))
        return out


def block_pairs(cards: Sequence[Card], sides: Sequence[int] | None = None) -> set[tuple[int, int]]:
    """Unordered index pairs (i < j) that share a key in every group of their cards."""
    index = BlockIndex()
    names = [str(i) for i in range(len(cards))]
    current: dict[str, tuple[Groups, frozenset[str], int]] = {}
    for i, card in enumerate(cards):
        groups = card_keys(card)
        side = -1 if sides is None else sides[i]
        current[names[i]] = (groups, posted_keys(card, groups), side)
    index.update(current, names)
    return index.pairs({name: i for i, name in enumerate(names)})
