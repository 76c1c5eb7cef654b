"""`question_numbers` on the question shapes of recorded markets, and the number filter on them.

Labelled checks: the BTC 5-minute markets (every question names its own window, checked against
the recorded start/end seconds), the Kalshi/Polymarket strike pairs (equal strike = same bet,
unequal strike = hard negative), cross-venue equivalent markets, and Polymarket's own two
phrasings of one bucket (question vs group item title).
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard_backend.matching.entries import features_of, market_numbers
from dashboard_backend.matching.filters import (
    MatchFilters,
    allowed_pairs,
    number_codes,
    numbers_agree,
)
from dashboard_backend.matching.numbers import NumberKind, number_kind, question_numbers
from dashboard_backend.venues.polymarket.gamma_parse import parse_market
from tests.crypto_ladders import kalshi_question, polymarket_question, strike_pairs

ET_SUMMER = timezone(timedelta(hours=-4))  # EDT: the BTC 5-minute file is from July


def agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """The filter's verdict on two number sets."""
    codes = number_codes([a, b], 2)
    return bool(numbers_agree(codes[:1], codes[1:])[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BTC above $100k", {"100000"}),
        ("100,000", {"100000"}),
        ("$100,000.00", {"100000"}),
        ("100 thousand", {"100000"}),
        ("1.5M", {"1500000"}),
        ("$1.5 million", {"1500000"}),
        ("$2t", {"2000000000000"}),
        ("2 trillion", {"2000000000000"}),
        ("$50-100b", {"50000000000", "100000000000"}),
        ("$500b–1t", {"500000000000", "1000000000000"}),
        ("5%", {"5%"}),
        ("5.0 percent", {"5%"}),
        ("5-10%", {"5%", "10%"}),
        ("Fed cuts 25 bps", {"0.25%"}),
        ("25 basis points", {"0.25%"}),
        ("finish 1st", {"1st"}),
        ("the 30th", {"30th"}),
        ("21st", {"21st"}),
        ("11th", {"11th"}),
        ("Bitcoin Up or Down - July 23, 10:25PM-10:30PM ET", {"07-23", "22:25", "22:30"}),
        ("10:25-10:30PM", {"22:25", "22:30"}),
        ("10:30 AM ET", {"10:30"}),
        ("10PM", {"22:00"}),
        ("12 a.m.", {"00:00"}),
        ("12pm", {"12:00"}),
        ("June 30", {"06-30"}),
        ("May 11-17", {"05-11", "05-17"}),  # a window of days: 17 is a day, not an amount
        ("May 5 - May 12, 2026", {"05-05", "05-12", "y2026"}),
        ("Jun 30th", {"06-30"}),
        ("30 June", {"06-30"}),
        ("30th of June", {"06-30"}),
        ("Sept. 5", {"09-05"}),
        ("Jun 30, 2026", {"06-30", "y2026"}),
        ("March 31st, 2026", {"03-31", "y2026"}),
        ("2026-06-30", {"06-30", "y2026"}),
        ("6/30", {"06-30"}),
        ("6/30/2026", {"06-30", "y2026"}),
        ("24/7", {"24", "7"}),
        ("in 2026", {"y2026"}),
        ("June 2026", {"y2026"}),
        ("2025-26 season", {"y2025", "y2026"}),
        ("$2,026", {"2026"}),
        ("GTA 6", {"6"}),
        ("Q3 earnings", {"3"}),
        ("COVID-19", {"19"}),
        ("Philadelphia 76ers", set()),
        ("3pt", set()),
        ("a 10min window", set()),
        ("Will Jesus Christ return before GTA VI?", set()),
        ("", set()),
    ],
)
def test_forms(text: str, expected: set[str]) -> None:
    assert question_numbers(text) == expected


WORDS = ["Jun", "July", "Sept.", "30th", "2026", "10:25PM", "$1.5M", "5%", "-", "–", "/", "24"]
WORDS += ["12 a.m.", "of", "to", "bps", ",", "0", "0.5th", "2025-26", "٣", "1,000", "k", "June 30"]
WELL_FORMED = re.compile(r"y\d{4}|\d\d-\d\d|\d\d:\d\d|\d+(\.\d+)?%?|\d+(st|nd|rd|th)")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=10), st.text("0123456789 ,.:-/$%kmbtapJunly"))
def test_any_text_gives_well_formed_tokens(words: list[str], noise: str) -> None:
    for text in (" ".join(words), "".join(words), noise):
        found = question_numbers(text)
        assert all(WELL_FORMED.fullmatch(t) for t in found), (text, found)
        assert question_numbers(text) == found  # deterministic


def test_kinds_and_kind_rules() -> None:
    assert [number_kind(t) for t in ("y2026", "06-30", "22:25", "2026", "5%", "1st")] == [
        NumberKind.YEAR,
        NumberKind.DATE,
        NumberKind.TIME,
        NumberKind.AMOUNT,
        NumberKind.AMOUNT,
        NumberKind.AMOUNT,
    ]
    q = question_numbers
    assert not agree(q("BTC above $100k"), q("BTC above $110k"))
    assert not agree(q("BTC above $100k"), q("Will BTC hit an all-time high?"))  # amounts: strict
    assert not agree(q("by June 30"), q("by July 31"))
    assert not agree(q("Fed cuts 25 bps"), q("Fed cuts 50 bps"))
    assert not agree(q("in 2025"), q("in 2026"))
    assert agree(q("Fed cuts 25 bps"), q("Fed cuts 0.25%"))
    assert agree(q("Italy in the 2026 World Cup?"), q("Italy in the World Cup?"))  # year unsaid
    assert agree(q("by 11:59 PM ET on Jul 31, 2026"), q("in July"))  # deadline unsaid
    assert agree(q("no numbers"), q("none here either"))


def test_btc_five_minute_windows_are_read_and_all_differ(shared_data: Path) -> None:
    path = shared_data / "ligengxin_btc5m/BTC-5m-markets-2026-07-24.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    assert len(records) == 292
    for r in records:
        start = datetime.fromtimestamp(r["start_sec"], ET_SUMMER)
        end = datetime.fromtimestamp(r["end_sec"], ET_SUMMER)
        expected = {start.strftime("%m-%d"), start.strftime("%H:%M"), end.strftime("%H:%M")}
        assert question_numbers(r["raw"]["question"]) == expected, r["raw"]["question"]
    docs = [parse_market(r["raw"], now=datetime(2026, 7, 23, tzinfo=UTC)) for r in records]
    features = features_of(docs)
    rows, cols = np.triu_indices(len(docs), k=1)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    on = allowed_pairs(features, rows, cols, MatchFilters(require_same_numbers=True))
    off = allowed_pairs(features, rows, cols, MatchFilters(require_same_numbers=False))
    assert int(off.sum()) > 40_000  # the other filters let nearly every slot pair through
    assert int(on.sum()) == 0  # every window is another bet


def test_crypto_strike_pairs_equal_strike_passes_unequal_is_refused(shared_data: Path) -> None:
    rows = strike_pairs(shared_data)
    assert polymarket_question("will-bitcoin-reach-82pt5k-in-july-2026") == (
        "Will bitcoin reach $82.5k in july 2026?"
    )
    same = [r for r in rows if float(r["kalshi_strike"]) == float(r["poly_strike"])]
    different = [r for r in rows if float(r["kalshi_strike"]) != float(r["poly_strike"])]
    assert (len(same), len(different)) == (20, 34)

    def verdict(r: dict[str, str]) -> bool:
        return agree(
            question_numbers(kalshi_question(r)),
            question_numbers(polymarket_question(r["poly_slug"])),
        )

    assert [r["kalshi_ticker"] for r in same if not verdict(r)] == []
    assert [r["kalshi_ticker"] for r in different if verdict(r)] == []


def test_cross_venue_equivalent_markets_pass(shared_data: Path) -> None:
    path = shared_data / "xplat_equivalence_eval/v1.seed.dev.jsonl"
    pairs: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert record["label"] == "equivalent"
        a = {c["platform_id"]: c["title"] for c in record["side_a"]["child_markets"]}
        b = {c["platform_id"]: c["title"] for c in record["side_b"]["child_markets"]}
        for anchor in record["context"]["anchor_market_pairs"] or []:
            if anchor["a_platform_id"] in a and anchor["b_platform_id"] in b:
                pairs.append((a[anchor["a_platform_id"]], b[anchor["b_platform_id"]]))
    assert len(pairs) == 127
    refused = [p for p in pairs if not agree(question_numbers(p[0]), question_numbers(p[1]))]
    assert refused == []


def test_question_and_group_item_title_say_the_same_numbers(shared_data: Path) -> None:
    path = shared_data / "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"
    markets = json.loads(path.read_text(encoding="utf-8"))["markets"]
    docs = [parse_market(raw) for raw in markets]
    numbered = [d for d in docs if d.group_item_title and question_numbers(d.group_item_title)]
    assert len(numbered) == 31  # buckets, strikes and deadlines spelt twice by Polymarket
    for d in numbered:
        assert d.group_item_title is not None
        both = (question_numbers(d.question), question_numbers(d.group_item_title))
        assert agree(*both), (d.question, d.group_item_title, both)
    deport = next(d for d in docs if d.group_item_title == "1-1.25m")
    assert market_numbers(deport) == {"1000000", "1250000"}
    airdrop = next(d for d in docs if d.question.startswith("Will MegaETH perform an airdrop"))
    assert market_numbers(airdrop) == {"06-30", "y2026"}  # the year comes from the group item
