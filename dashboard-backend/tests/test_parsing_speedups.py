"""The card parser's shortcuts find what the plain way finds: guarded regular expressions
(`fast_re`) and the alias scan's skips."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import pytest

from dashboard_backend.matching.aliases import AliasTable, Entity, Mention
from dashboard_backend.matching.cards import THRESHOLD
from dashboard_backend.matching.fast_re import compile_fast, first_chars

PATTERNS = [
    (r"\babove\b|\bover\b|\bhits?\b|\bat least\b|↑|[$€£]\s*\d+", re.IGNORECASE),
    (r"\b20\d\d-\d\d-\d\d\b|\b(?:jan|feb|may)[a-z]*\.? \d{1,2}(?:st|nd)?|\btop (?:\d+|five)\b", 0),
    (r"(?P<cur>[$€£])?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<plus>\+)?", 0),
    (r"\(bo[1357]\)|\bbest of [1357]\b|\bseries\b|counter-strike|\bmap \d\b", 0),
    (r"(?<=[A-Za-z]) x (?=[A-Z])", 0),
    (r"\s*(?:-|–|—|to)\s*", re.IGNORECASE),
]
TEXTS = [
    "Will BTC be above $100,000 on May 5?",
    "over 2.5 goals; Over 3; hits 40 at least 7 ↑ 9 £ 12",
    "2026-05-03 jan 4th feb. 12 may 1st top five top 10 tops 3",
    "$1,000+ or 3.5 +; 12 to 14 - 15 – 16 TO 17",
    "Russia x Ukraine ceasefire; a x b; NAVI vs G2 (BO3) best of 3 series map 2 Counter-Strike",
    "",
    "no digits here at all",
]


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    return [(m.span(), m.groups(), m.groupdict()) for m in pattern.finditer(text)]


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_fast_patterns_find_the_same_matches(pattern: str, flags: int) -> None:
    plain, fast = re.compile(pattern, flags), compile_fast(pattern, flags)
    assert fast.pattern.startswith("(?=[")  # guarded: these begin with anchors or options
    for text in TEXTS:
        assert _found(fast, text) == _found(plain, text)
        assert fast.sub("_", text) == plain.sub("_", text)
        assert bool(fast.match(text)) == bool(plain.match(text))
        assert fast.split(text) == plain.split(text)


def test_first_characters_of_a_pattern() -> None:
    assert first_chars(r"\babove\b|\b(?:jan|feb)\b|[$€£]\d", re.IGNORECASE) == "[\\$afj£€]"
    # Not guarded: `re` skips by itself (an anchor, a first character), or no first character
    # can be told (empty matches, any character, a negated class, a back reference).
    for pattern in (r"^will (\w+)", r"(?:^|:\s+)will", r"abc|abd", r"\bx?", r".a", r"\b[^a]b"):
        assert first_chars(pattern) is None, pattern
        assert compile_fast(pattern).pattern == pattern
    assert THRESHOLD.pattern.startswith("(?=[")  # the card parser's patterns are guarded


def _reference_scan(table: AliasTable, ws: Sequence[str], kinds: set[str] | None) -> list[Mention]:
    """The scan without skips: at each word the longest name, unless one starting inside it
    reaches further."""

    def at(i: int) -> Mention | None:
        for end in range(len(ws), i, -1):
            keys = table.lookup(ws[i:end])
            if kinds is not None:
                keys = frozenset(k for k in keys if table.kind(k) in kinds)
            if keys:
                return Mention(i, end, keys, frozenset(table.kind(k) for k in keys))
        return None

    out: list[Mention] = []
    i = 0
    while i < len(ws):
        found = at(i)
        if found is None or any(
            (later := at(j)) is not None and later.end > found.end for j in range(i + 1, found.end)
        ):
            i += 1
        else:
            out.append(found)
            i = found.end
    return out


def test_alias_scan_finds_what_a_plain_scan_finds() -> None:
    table = AliasTable(
        [
            Entity("event:masters", "event", ("the masters", "masters tournament")),
            Entity("team:nycfc", "team", ("new york city fc", "nycfc")),
            Entity("city:nyc", "place", ("new york", "new york city")),
            Entity("team:york", "team", ("york city",)),
            Entity("asset:btc", "asset", ("bitcoin", "btc")),
            Entity("team:city", "team", ("city",)),
            Entity("person:a", "person", ("a b c d e",)),
        ]
    )
    vocabulary = [
        "the",
        "masters",
        "tournament",
        "new",
        "york",
        "city",
        "fc",
        "bitcoin",
        "btc",
        "a",
        "b",
        "c",
        "d",
        "e",
        "win",
    ]
    rng = random.Random(5)
    for _ in range(3000):
        ws = tuple(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
        for kinds in (None, {"team"}, {"asset", "place"}):
            assert table.scan(ws, kinds) == _reference_scan(table, ws, kinds), (ws, kinds)
    ws = ("the", "masters", "tournament")
    first = table.scan(ws)
    assert [m.keys for m in first] == [frozenset({"event:masters"})]
    first.clear()  # a caller's list is its own: the remembered scan is unchanged
    assert table.scan(ws) == _reference_scan(table, ws, None) != []
