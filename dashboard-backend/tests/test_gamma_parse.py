"""parse_market / parse_event_markets on every recorded Gamma payload, and on malformed input."""

from __future__ import annotations

import copy
import gzip
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.categories import CATEGORIES, category_of_text
from dashboard_backend.errors import ParseError
from dashboard_backend.models import MarketDocument, market_signature
from dashboard_backend.venues.polymarket.gamma_parse import (
    is_open_order_book_market,
    open_event_market_ids,
    parse_event_markets,
    parse_market,
)

ACTIVE_200 = "borat_wom_polymarket_strategy/gamma_markets_active_200_wrapped.json"
LEGACY_500 = "borat_wom_polymarket_strategy/gamma_markets_500_legacyfields.json"
NBA_EVENTS = "steffenmax_arb_bot/gamma_events_nba.json"

Pair = tuple[dict[str, Any], dict[str, Any] | None]


def load_pairs(path: Path) -> list[Pair]:
    """(market, event) pairs from any recorded Gamma shape: wrapped, list, events, jsonl.gz."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt") as fh:
            return [(json.loads(line)["raw"], None) for line in fh if line.strip()]
    data: Any = json.loads(path.read_text())
    if isinstance(data, dict) and "fetched_at" in data:
        data = data["markets"]
    if isinstance(data, dict) and "pagination" in data:
        data = data["events"]
    pairs: list[Pair] = []
    for item in data if isinstance(data, list) else [data]:
        if "markets" in item and "question" not in item:
            pairs += [(m, e) for m, e in parse_event_markets(item)]  # type: ignore[misc]
        else:
            pairs.append((item, None))
    return pairs


def parse_all(path: Path) -> tuple[list[MarketDocument], Counter[str]]:
    """Parsed documents and rejection messages (market ids stripped) for one file."""
    docs: list[MarketDocument] = []
    rejected: Counter[str] = Counter()
    for market, event in load_pairs(path):
        try:
            docs.append(parse_market(market, event))
        except ParseError as exc:
            rejected[str(exc).split(": ", 1)[1]] += 1
    return docs, rejected


# (file, parsed, rejected reasons) for every raw Gamma recording in ../shared/data.
RECORDED: list[tuple[str, int, dict[str, int]]] = [
    (ACTIVE_200, 200, {}),
    ("borat_wom_polymarket_strategy/gamma_markets_closed_600.json", 600, {}),
    (LEGACY_500, 496, {"missing clobTokenIds": 4}),
    ("borat_wom_polymarket_strategy/gamma_events_1.json", 1, {}),
    ("ghost_alpha/gamma_markets_100.json", 100, {}),
    (NBA_EVENTS, 738, {}),
    ("ligengxin_btc5m/BTC-5m-markets-2026-07-24.jsonl.gz", 292, {}),
    # nautilus fixtures: trimmed shapes without ids/outcomes are rightly refused.
    ("nautilus_polymarket/py_http_responses_event.json", 0, {"missing id": 3}),
    ("nautilus_polymarket/py_http_responses_events_list.json", 0, {"missing id": 3}),
    ("nautilus_polymarket/py_http_responses_market_slug.json", 0, {"missing outcomes": 1}),
    ("nautilus_polymarket/py_http_responses_markets_list.json", 0, {"missing id": 3}),
    ("nautilus_polymarket/rust_gamma_event.json", 2, {}),
    ("nautilus_polymarket/rust_gamma_market.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_closed_binary_accepting_false.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_closed_binary_accepting_true.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_closed_nonbinary_legacy.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_closed_zero_zero_legacy.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_sports_market_map_handicap.json", 1, {}),
    ("nautilus_polymarket/rust_gamma_market_sports_market_money_line.json", 1, {}),
    ("nautilus_polymarket/rust_search_response.json", 1, {}),
]


@pytest.mark.parametrize(("name", "parsed", "rejected"), RECORDED, ids=[r[0] for r in RECORDED])
def test_every_recorded_gamma_file_parses(
    shared_data: Path, name: str, parsed: int, rejected: dict[str, int]
) -> None:
    docs, reasons = parse_all(shared_data / name)
    assert len(docs) == parsed
    assert dict(reasons) == rejected
    for doc in docs:
        assert doc.signature == market_signature(doc)
        assert len(doc.outcomes) == len({o.token_id for o in doc.outcomes}) >= 2
        assert doc.category in CATEGORIES
        assert all(t == t.lower() for t in doc.tags)
        assert doc.updated_at is not None


def test_first_active_market_known_values(shared_data: Path) -> None:
    raw = json.loads((shared_data / ACTIVE_200).read_text())["markets"][0]
    now = datetime(2026, 2, 13, tzinfo=UTC)
    doc = parse_market(raw, now=now)
    assert doc.id == "517310"
    assert doc.question == "Will Trump deport less than 250,000?"
    assert doc.condition_id.startswith("0xaf9d0e448129")
    assert doc.neg_risk is True
    assert doc.neg_risk_market_id == raw["negRiskMarketID"]
    assert doc.neg_risk_augmented is False
    assert [o.name for o in doc.outcomes] == ["Yes", "No"]
    assert [o.token_id for o in doc.outcomes] == [
        "101676997363687199724245607342877036148401850938023978421879460310389391082353",
        "4153292802911610701832309484716814274802943278345248636922528170020319407796",
    ]
    assert [o.price for o in doc.outcomes] == [0.054, 0.946]
    yes, no = doc.outcomes
    assert (yes.best_bid, yes.best_ask) == (0.05, 0.058)
    assert (no.best_bid, no.best_ask) == (None, None)
    assert doc.event_id == "16282"
    assert doc.event_title == "How many people will Trump deport in 2025?"
    assert doc.url == "https://polymarket.com/event/how-many-people-will-trump-deport-in-2025"
    assert doc.group_item_title == "<250k"
    assert doc.close_time == datetime(2025, 12, 31, 12, tzinfo=UTC)
    assert doc.liquidity == pytest.approx(12449.51305)
    assert doc.volume == pytest.approx(1106596.587114)
    assert doc.volume_24h == pytest.approx(6494.084819)
    assert (doc.tick_size, doc.min_order_size) == (0.001, 5.0)
    assert doc.fee_rate == 0.0  # feesEnabled: false and no schedule
    assert doc.accepting_orders is True
    assert doc.category == "politics"  # no tags recorded: "trump" in the event slug
    assert doc.updated_at == now


def test_neg_risk_augmented_read_from_the_event(shared_data: Path) -> None:
    markets = json.loads((shared_data / ACTIVE_200).read_text())["markets"]
    raw = next(m for m in markets if m["id"] == "549868")
    assert "negRiskAugmented" not in raw
    assert raw["events"][0]["negRiskAugmented"] is True
    doc = parse_market(raw)
    assert doc.neg_risk is True
    assert doc.neg_risk_augmented is True
    flagged = [m for m in markets if m["events"][0].get("negRiskAugmented")]
    assert sum(parse_market(m).neg_risk_augmented for m in markets) == len(flagged) == 85


def test_neg_risk_augmented_on_the_market_itself(shared_data: Path) -> None:
    raw = copy.deepcopy(json.loads((shared_data / ACTIVE_200).read_text())["markets"][0])
    raw["negRiskAugmented"] = True
    raw["negRiskOther"] = True
    doc = parse_market(raw)
    assert doc.neg_risk_augmented is True
    assert doc.neg_risk_other is True


def test_nba_events_are_sports_with_event_context(shared_data: Path) -> None:
    events = json.loads((shared_data / NBA_EVENTS).read_text())
    docs, _ = parse_all(shared_data / NBA_EVENTS)
    assert {d.category for d in docs} == {"sports"}
    first_event = events[0]
    first = docs[0]
    assert first.event_id == first_event["id"]
    assert first.event_title == first_event["title"]
    assert first.url == f"https://polymarket.com/event/{first_event['slug']}"
    assert {"sports", "nba", "basketball"} <= set(first.tags)
    assert len(parse_event_markets(first_event)) == len(first_event["markets"])


def test_exact_tag_name_beats_keyword_hits(shared_data: Path) -> None:
    # Tags are World Elections, Global Elections, Elections, Politics, ...: politics.
    docs, _ = parse_all(shared_data / "nautilus_polymarket/rust_gamma_event.json")
    assert {d.category for d in docs} == {"politics"}
    assert docs[0].neg_risk_augmented is True


def test_legacy_category_field_is_honoured(shared_data: Path) -> None:
    raw_markets = json.loads((shared_data / LEGACY_500).read_text())
    checked = 0
    for raw in raw_markets:
        if not raw.get("category") or not raw.get("clobTokenIds"):
            continue
        assert parse_market(raw).category == category_of_text(raw["category"])
        checked += 1
    assert checked == 483
    by_id = {m["id"]: m for m in raw_markets}
    sample = next(m for m in by_id.values() if m.get("category") == "Coronavirus")
    assert parse_market(sample).category == "science"
    sample = next(m for m in by_id.values() if m.get("category") == "NBA Playoffs")
    assert parse_market(sample).category == "sports"
    # The market's own category wins over what its question words would suggest.
    forced = {**sample, "category": "Crypto"}
    assert parse_market(forced).category == "crypto"


def test_non_yes_no_outcomes_and_fee_schedule(shared_data: Path) -> None:
    path = shared_data / "nautilus_polymarket/rust_gamma_market_sports_market_money_line.json"
    doc = parse_market(json.loads(path.read_text()))
    assert [o.name for o in doc.outcomes] == ["FaZe", "illwill"]
    assert doc.yes_outcome() is None
    assert all(o.best_bid is None and o.best_ask is None for o in doc.outcomes)
    assert doc.fee_rate == 0.03
    assert doc.accepting_orders is False
    assert doc.category == "sports"
    crypto = parse_market(
        json.loads((shared_data / "nautilus_polymarket/rust_gamma_market.json").read_text())
    )
    assert [o.name for o in crypto.outcomes] == ["Up", "Down"]
    assert crypto.fee_rate is None  # fees enabled but no schedule: unknown, not zero
    assert crypto.category == "crypto"


def minimal(**overrides: Any) -> dict[str, Any]:
    """A small well-formed raw market."""
    raw: dict[str, Any] = {
        "id": "1",
        "conditionId": "0xc",
        "question": "Will it rain?",
        "slug": "will-it-rain",
        "outcomes": '["Yes", "No"]',
        "outcomePrices": '["0.4", "0.6"]',
        "clobTokenIds": '["111", "222"]',
        "bestBid": 0.39,
        "bestAsk": 0.41,
    }
    raw.update(overrides)
    return raw


def test_yes_is_found_by_name_not_position() -> None:
    doc = parse_market(
        minimal(outcomes='["No", "Yes"]', clobTokenIds='["111", "222"]', outcomePrices=None)
    )
    yes = doc.yes_outcome()
    assert yes is not None
    assert yes.token_id == "222"
    # Gamma's bestBid/bestAsk quote the first token, which is No here: not used.
    assert all(o.best_bid is None and o.best_ask is None for o in doc.outcomes)
    assert [o.price for o in doc.outcomes] == [None, None]


def test_real_lists_and_numbers_accepted_like_json_strings() -> None:
    as_strings = parse_market(minimal(liquidity="10.5", volume="7"))
    as_lists = parse_market(
        minimal(
            outcomes=["Yes", "No"],
            outcomePrices=[0.4, 0.6],
            clobTokenIds=["111", "222"],
            liquidity=10.5,
            volume=7,
        )
    )
    assert as_strings.outcomes == as_lists.outcomes
    assert as_strings.liquidity == as_lists.liquidity == 10.5
    assert as_strings.volume == as_lists.volume == 7.0
    assert as_strings.signature == as_lists.signature
    assert as_lists.url == "https://polymarket.com/market/will-it-rain"
    assert as_lists.category == "weather"  # "rain" in the question, no event or tags


def test_placeholder_quotes_mean_empty_sides() -> None:
    doc = parse_market(minimal(bestBid=0, bestAsk=1))
    assert (doc.outcomes[0].best_bid, doc.outcomes[0].best_ask) == (None, None)


def test_fee_rate_rules() -> None:
    assert parse_market(minimal(feeSchedule={"rate": 0.07})).fee_rate == 0.07
    assert parse_market(minimal(feesEnabled=False)).fee_rate == 0.0
    assert parse_market(minimal(feesEnabled=True)).fee_rate is None
    assert parse_market(minimal()).fee_rate is None


def test_open_market_filter_and_event_membership() -> None:
    assert is_open_order_book_market(minimal(active=True, closed=False, enableOrderBook=True))
    assert not is_open_order_book_market(minimal(closed=True))
    assert not is_open_order_book_market(minimal(active=False))
    assert not is_open_order_book_market(minimal(enableOrderBook=False))
    event = {
        "id": "9",
        "markets": [
            minimal(id="1", closed=False),
            minimal(id="2", closed=True),
            minimal(id="3", closed=False, enableOrderBook=False),
        ],
    }
    # Membership keeps every unresolved market, tradeable or not: a buy-all set must be complete.
    assert open_event_market_ids(event) == ("1", "3")


MALFORMED: list[tuple[dict[str, Any], str]] = [
    (minimal(id=None), "missing id"),
    (minimal(question=""), "missing question"),
    (minimal(conditionId=None), "missing conditionId"),
    (minimal(clobTokenIds='["111"]'), "outcomes and clobTokenIds differ in length"),
    (minimal(outcomes='["Yes", "No"'), "outcomes is not valid JSON"),
    (minimal(clobTokenIds="not json"), "clobTokenIds is not valid JSON"),
    (minimal(outcomes='["Yes"]', clobTokenIds='["111"]'), "fewer than 2 outcomes"),
    (minimal(clobTokenIds="[]"), "no clobTokenIds"),
    (minimal(clobTokenIds=None), "missing clobTokenIds"),
    (minimal(clobTokenIds='["111", ""]'), "empty clobTokenId"),
    (minimal(outcomes='{"a": 1}'), "outcomes is not a list"),
    (minimal(outcomes='[["Yes"], "No"]'), "outcomes holds a non-string"),
]


@pytest.mark.parametrize(("raw", "reason"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_markets_raise_parse_error(raw: dict[str, Any], reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_market(raw)


def test_non_object_market_and_event_raise() -> None:
    with pytest.raises(ParseError, match="not an object"):
        parse_market(["not", "a", "market"])  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="not a list"):
        parse_event_markets({"id": "1", "markets": "oops"})
    assert parse_event_markets({"id": "1"}) == []
