"""ParseMemo: a value stored unchanged since the previous read is not parsed again."""

from __future__ import annotations

import pytest

from dashboard_backend.models import MarketDocument
from dashboard_backend.stored import ParseMemo, parse_stored
from tests.matching_fixtures import doc


def test_unchanged_values_come_back_as_the_same_objects_and_gone_ones_are_forgotten() -> None:
    parsed: list[str | bytes] = []

    def parse(raw: str | bytes) -> MarketDocument:
        parsed.append(raw)
        return MarketDocument.from_json(raw)

    memo = ParseMemo(parse)
    a, b = doc("a", "Will A win?"), doc("b", "Will B win?")
    first = parse_stored({"a": a.to_json(), "b": b.to_json()}, memo, "docs")
    assert (len(parsed), memo.reused) == (2, 0)
    memo.next_read()
    changed = doc("b", "Will B win by ten?")
    second = parse_stored({"a": a.to_json(), "b": changed.to_json()}, memo, "docs")
    assert second["a"] is first["a"]
    assert second["b"] == changed
    assert second["b"] is not first["b"]
    assert (len(parsed), memo.reused) == (3, 1)
    memo.next_read()
    parse_stored({"b": changed.to_json().encode()}, memo, "docs")  # bytes read like str
    assert (len(parsed), memo.reused) == (3, 1)
    memo.next_read()
    again = parse_stored({"a": a.to_json()}, memo, "docs")  # not seen in the last read
    assert (len(parsed), memo.reused) == (4, 0)
    assert again["a"] == a
    assert again["a"] is not first["a"]


def test_an_unreadable_value_is_skipped_and_not_remembered() -> None:
    memo = ParseMemo(MarketDocument.from_json)
    out = parse_stored({"x": "{not json", "a": doc("a", "Q?").to_json()}, memo, "docs")
    assert out.skipped_keys == ("x",)
    memo.next_read()
    with pytest.raises(ValueError, match="JSON"):
        memo("{not json")
