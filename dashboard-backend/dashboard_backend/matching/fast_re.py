"""Regular expressions that skip, before trying their alternatives, the positions where no match
can start.

Python's `re` tries every alternative of a pattern at every position of the text; a pattern made
of many `\\b`-anchored alternatives (`\\babove\\b|\\bover\\b|...`) costs that at every character.
`compile_fast` prefixes the pattern with a lookahead on the characters a match can begin with,
read from the parsed pattern, so those positions fail at once. Every match consumes its first
character, which is in that set, so `search`, `match`, `sub`, `finditer` and `split` find the
same matches, groups included. A pattern whose first character cannot be told (one that can match
empty text, begins with `.` or a negated class, or uses a construct not read here) is compiled as
it is.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# The parser's private modules: typed as Any (typeshed describes them in some versions only).
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

_CATEGORY = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_WORD: r"\w"}


class _UnknownError(Exception):
    """A construct whose first characters are not read here."""


def _char(code: int) -> str:
    return re.escape(chr(code))


def _first(items: Any) -> tuple[set[str], bool]:
    """The class parts a match of the sequence can begin with, and whether it can be empty."""
    out: set[str] = set()
    for op, av in items:
        parts, empty = _first_of(op, av)
        out |= parts
        if not empty:
            return out, False
    return out, True


def _first_of(op: Any, av: Any) -> tuple[set[str], bool]:
    if op is sre.LITERAL:
        return {_char(av)}, False
    if op is sre.IN:
        parts: set[str] = set()
        for kind, value in av:
            if kind is sre.LITERAL:
                parts.add(_char(value))
            elif kind is sre.RANGE:
                parts.add(f"{_char(value[0])}-{_char(value[1])}")
            elif kind is sre.CATEGORY and value in _CATEGORY:
                parts.add(_CATEGORY[value])
            else:
                raise _UnknownError(kind)
        return parts, False
    if op is sre.AT or op is sre.ASSERT or op is sre.ASSERT_NOT:
        return set(), True  # zero width: the next item consumes the first character
    if op is sre.BRANCH:
        out: set[str] = set()
        empty = False
        for branch in av[1]:
            parts, branch_empty = _first(branch)
            out |= parts
            empty = empty or branch_empty
        return out, empty
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        if add_flags or del_flags:
            raise _UnknownError(op)
        return _first(body)
    if op is sre.MAX_REPEAT or op is sre.MIN_REPEAT or op is sre.POSSESSIVE_REPEAT:
        low, _high, body = av
        parts, empty = _first(body)
        return parts, empty or low == 0
    raise _UnknownError(op)


def _leads_with(items: Any, wanted: Any) -> bool:
    """Whether the sequence begins with an item `wanted` says yes to (into groups; `all` branches
    for a character, `any` branch for an anchor)."""
    if not items:
        return False
    op, av = items[0]
    if op is sre.SUBPATTERN:
        return _leads_with(av[3], wanted)
    if op is sre.BRANCH:
        test = any if wanted is _anchor else all
        return test(_leads_with(branch, wanted) for branch in av[1])
    return bool(wanted(op, av))


def _anchor(op: Any, av: Any) -> bool:
    return op is sre.AT and av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING)


def _character(op: Any, _av: Any) -> bool:
    return op is sre.LITERAL or op is sre.IN


def first_chars(pattern: str, flags: int = 0) -> str | None:
    """A character class matching every character a match of `pattern` can begin with (None when
    that cannot be told, when the pattern can match empty text, or when `re` already skips to
    where a match can begin)."""
    try:
        parsed = sre_parse.parse(pattern, flags)
        parts, empty = _first(parsed)
        if _leads_with(parsed, _anchor) or _leads_with(parsed, _character):
            return None  # `re` itself skips there: only at the start, or to a first character
    except (_UnknownError, re.error, ValueError, TypeError, AttributeError, IndexError):
        return None
    if empty or not parts:
        return None
    return "[" + "".join(sorted(parts)) + "]"


def compile_fast(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)` that skips the positions where no match can begin."""
    chars = first_chars(pattern, flags)
    if chars is None:
        return re.compile(pattern, flags)
    try:
        return re.compile(f"(?={chars})(?:{pattern})", flags)
    except re.error:
        return re.compile(pattern, flags)
