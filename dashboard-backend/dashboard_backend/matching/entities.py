"""The named entities a market question mentions, as lower-case words, aliases folded.

Two questions that embed almost identically but name different people, teams, countries or
leagues are different bets ("pardon Julian Assange" vs "pardon Ross Ulbricht", "Bucks vs. Lakers"
vs "Lakers vs. Kings", "China ... medal" vs "Kazakhstan ... medal"). `question_entities` extracts
the words of proper-noun phrases in one regex pass over capitalised words and acronyms:

| text                                              | entities                              |
| ------------------------------------------------- | ------------------------------------- |
| `Will Donald Trump pardon Julian Assange?`        | `donald`, `trump`, `julian`, `assange` |
| `Bucks vs. Lakers`                                | `bucks`, `lakers`                     |
| `Will the Los Angeles Kings win the NHL Stanley Cup?` | `los`, `angeles`, `kings`, `nhl`, `stanley`, `cup` |
| `Will BTC hit $100k by June 30?`                  | `bitcoin`                             |
| `Fed cuts rates?` / `Federal Reserve cuts rates?` | `fed`                                 |
| `U.S. recession?` / `United States recession?`    | `us`                                  |

Words, not phrases, because venues qualify names differently ("SSC Napoli" / "Napoli", "Donald
Trump" / "Trump", "Manchester City FC" / "Manchester City"): the matching filter lets a pair through
when one question's entities are a subset of the other's (filters.py), so a side that adds a
qualifier or names nothing is not a contradiction, while two sides that each name someone the
other does not are refused.

Dropped: question and function words that start a sentence ("Will", "What", "The"), Yes/No,
months and weekdays (numbers.py compares dates), time zones, and generic words that title-case
venues capitalise ("Winner", "Result", "Game", "Price", "FC"). Names of competitions ("Stanley
Cup", "Winter Olympics", "Finals") stay: they tell leagues and events apart. Lower-case names and
names spelt differently beyond the alias table are out of scope.
"""

from __future__ import annotations

import re

# A word: letters, digits, apostrophes, & and dotted initials (U.S.); only capitalised ones count
# (checked on the match: `re` has no Unicode upper-case class, and "Dončić" must stay one word).
# Hyphenated words are split, so "All-Time" gives "all", "time" (both dropped as generic).
# "76ers" and "49ers" are the only names that start with a digit and are kept as such.
_WORD = re.compile(r"(?<![\w'’])(?:[^\W\d_][\w'’&]*(?:\.(?:[^\W\d_]\.?)+)?|\d+ers\b)")
# After a text's first word: what shows it is part of a name ("Balance of Power", "Napoli vs").
_NAME_GOES_ON = re.compile(r" *(?:(?:of|de|the|and|&) +)?[A-Z]| *vs?\b")
# Multi-word aliases, applied to the lower-cased question before the words are read.
_PHRASES = {
    "united states of america": "US",
    "united states": "US",
    "united kingdom": "UK",
    "great britain": "UK",
    "federal reserve": "Fed",
    "republican party": "Republican",
    "democratic party": "Democrat",
    "new york city": "NYC",
    "european union": "EU",
}
_PHRASE = re.compile(r"\b(" + "|".join(map(re.escape, _PHRASES)) + r")\b", re.IGNORECASE)
_ALIASES = {
    "u.s": "us",
    "u.s.": "us",
    "usa": "us",
    "u.s.a": "us",
    "u.s.a.": "us",
    "america": "us",
    "american": "us",
    "u.k": "uk",
    "u.k.": "uk",
    "britain": "uk",
    "british": "uk",
    "btc": "bitcoin",
    "eth": "ethereum",
    "ether": "ethereum",
    "sol": "solana",
    "doge": "dogecoin",
    "fomc": "fed",
    "gop": "republican",
    "republicans": "republican",
    "rep": "republican",
    "democrats": "democrat",
    "democratic": "democrat",
    "dem": "democrat",
    "dems": "democrat",
    "e.u": "eu",
    "e.u.": "eu",
    "presidential": "president",
    "d": "democrat",
    "r": "republican",
}
# Names the alias table knows stay names even as a sentence's first word ("Ethereum above $4k").
_KNOWN = frozenset(_ALIASES) | frozenset(_ALIASES.values())
_STOP_WORDS = """
    will what who whom whose which when where why how does do did is are was were can could
    should would has have had the a an in on of by at to for and or not be this that if after
    before vs v yes no any all each every there it its his her their new
    jan january feb february mar march apr april may jun june jul july aug august sep sept
    september oct october nov november dec december mon monday tue tues tuesday wed wednesday
    thu thur thurs thursday fri friday sat saturday sun sunday today tomorrow tonight
    o u et est edt pt pst pdt ct cst cdt utc gmt am pm a.m p.m
    winner winners win wins result results game games match matches moneyline spread total
    totals over under up down above below price prices high low highest lowest top first second
    third half halftime fc cf sc more less than most least between exactly
    champion champions championship finals final playoffs playoff nominee
"""
_STOP = frozenset(_STOP_WORDS.split())


def question_entities(text: str) -> frozenset[str]:
    """The lower-case words of the proper nouns a question names (see the module docstring)."""
    text = _PHRASE.sub(lambda m: _PHRASES[m.group(1).lower()], text)
    out: set[str] = set()
    for m in _WORD.finditer(text):
        first = m.group()[0]
        if first.islower() or (first.isupper() and _sentence_case_start(text, m)):
            continue
        word = m.group().lower().rstrip(".")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        word = _ALIASES.get(word, word)
        if word and word not in _STOP:
            out.add(word)
    return frozenset(out)


def _sentence_case_start(text: str, m: re.Match[str]) -> bool:
    """A lone capitalised word that opens the text: capitalised for the sentence, not as a name.

    "Atlantic hurricanes 2026" / "Hurricane season 2026": neither first word is kept. It is kept
    when it is an acronym, a name the alias table knows, or starts a run of capitalised words or a "vs" pairing ("Napoli vs
    Bologna"); a name left out only loosens the filter (an empty side agrees with everything).
    """
    if text[: m.start()].strip(" \t\"'“‘¿¡([") or m.group().isupper():
        return False
    if m.group().lower() in _KNOWN:
        return False
    return not _NAME_GOES_ON.match(text, m.end())


def entities_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """One side's entities are a subset of the other's (an empty side always agrees)."""
    return a <= b or b <= a
