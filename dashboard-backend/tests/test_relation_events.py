"""Event relations and the offline `relate` tool on hand-written pairs in the public pair format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dashboard_backend.market_files import read_market_file
from dashboard_backend.matching.aliases import default_aliases
from dashboard_backend.matching.blocking import block_pairs
from dashboard_backend.matching.cards import MarketText, parse_card
from dashboard_backend.matching.events import relate_events
from dashboard_backend.matching.names import make_name
from dashboard_backend.matching.pairs_format import event_of, read_pair, score
from dashboard_backend.models import Relation

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def side(
    platform: str, event_id: str, title: str, children: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "platform": platform,
        "platform_event_id": event_id,
        "title": title,
        "child_count": len(children),
        "child_markets": [{"platform_id": pid, "title": t} for pid, t in children],
        **extra,
    }


KALSHI_GAME = side(
    "kalshi",
    "kalshi:event:KXLALIGAGAME-26MAY24BARVAL",
    "Barcelona vs Valencia",
    [
        ("KXLALIGAGAME-26MAY24BARVAL-BAR", "Barcelona vs Valencia Winner?"),
        ("KXLALIGAGAME-26MAY24BARVAL-TIE", "Barcelona vs Valencia Winner?"),
        ("KXLALIGAGAME-26MAY24BARVAL-VAL", "Barcelona vs Valencia Winner?"),
    ],
    condition_date="2026-05-24T00:00:00.000Z",
    condition_date_precision="day",
)
POLY_GAME = side(
    "polymarket",
    "900001",
    "FC Barcelona vs. Valencia CF",
    [
        ("0xa1", "Will FC Barcelona win on 2026-05-24?"),
        ("0xa2", "Will FC Barcelona vs. Valencia CF end in a draw?"),
        ("0xa3", "Will Valencia CF win on 2026-05-24?"),
    ],
)
POLY_HALFTIME = side(
    "polymarket",
    "900002",
    "FC Barcelona vs. Valencia CF - Halftime Result",
    [
        ("0xb1", "FC Barcelona leading at halftime?"),
        ("0xb2", "FC Barcelona vs. Valencia CF: Draw at halftime?"),
    ],
)
POLY_SCORE = side(
    "polymarket",
    "900003",
    "FC Barcelona vs. Valencia CF - Exact Score",
    [
        ("0xc1", "Exact Score: FC Barcelona 2 - 1 Valencia CF?"),
        ("0xc2", "Exact Score: FC Barcelona 0 - 0 Valencia CF?"),
    ],
)
POLY_OTHER_GAME = side(
    "polymarket",
    "900004",
    "Real Betis vs. Sevilla FC",
    [("0xd1", "Will Real Betis win on 2026-05-24?")],
)


def relation(a: dict[str, Any], b: dict[str, Any]) -> Relation:
    return relate_events(event_of(a), event_of(b)).relation


def test_the_same_game_on_two_venues_is_equivalent_with_aligned_outcomes() -> None:
    verdict = relate_events(event_of(KALSHI_GAME), event_of(POLY_GAME))
    assert verdict.relation == Relation.EQUIVALENT
    assert {(link.a_token, link.b_token) for link in verdict.links} == {
        ("KXLALIGAGAME-26MAY24BARVAL-BAR", "0xa1"),
        ("KXLALIGAGAME-26MAY24BARVAL-TIE", "0xa2"),
        ("KXLALIGAGAME-26MAY24BARVAL-VAL", "0xa3"),
    }


def test_other_bets_on_the_same_game_are_related_or_implied() -> None:
    assert relation(KALSHI_GAME, POLY_HALFTIME) == Relation.RELATED  # full time vs half time
    assert relation(POLY_SCORE, POLY_GAME) == Relation.SUBSET_A_IN_B  # the score decides the result
    assert relation(POLY_GAME, POLY_SCORE) == Relation.SUBSET_B_IN_A
    assert relation(KALSHI_GAME, POLY_OTHER_GAME) == Relation.UNRELATED


def test_the_same_teams_on_another_day_are_another_game() -> None:
    later = json.loads(json.dumps(POLY_GAME).replace("2026-05-24", "2026-05-31"))
    assert relation(KALSHI_GAME, later) == Relation.UNRELATED


def test_contests_nominee_equals_primary_winner_and_districts_must_agree() -> None:
    nominee = side(
        "kalshi",
        "kalshi:event:KXGOVOHNOMD-26",
        "Ohio Democratic Governor nominee?",
        [("KXGOVOHNOMD-26-AM", "Will Amy Acton be the Democratic nominee for Governor in Ohio?")],
    )
    primary = side(
        "polymarket",
        "900010",
        "Ohio Governor Democratic Primary Winner",
        [("0xe1", "Will Amy Acton win the 2026 Ohio Governor Democratic primary election?")],
    )
    assert relation(nominee, primary) == Relation.EQUIVALENT
    house_a = side(
        "kalshi",
        "kalshi:event:KXHOUSERACE-OH09-26",
        "OH-09 House winner?",
        [("KXHOUSERACE-OH09-26-D", "Will Democratic win the House race for OH-09?")],
    )
    house_b = side(
        "polymarket",
        "900011",
        "OH-13 House Election Winner",
        [("0xe2", "Will the Democratic Party win the OH-13 House seat?")],
    )
    assert relation(house_a, house_b) == Relation.UNRELATED


def test_ladders_and_places_nest() -> None:
    single = side(
        "limitless",
        "lim-1",
        "Acme FDV above $300M one day after launch?",
        [("acme-300", "Acme FDV above $300M one day after launch?")],
    )
    ladder = side(
        "polymarket",
        "900020",
        "Acme FDV above ___ one day after launch?",
        [
            ("0xf1", "Acme FDV above $100M one day after launch?"),
            ("0xf2", "Acme FDV above $300M one day after launch?"),
            ("0xf3", "Acme FDV above $1B one day after launch?"),
        ],
    )
    assert relation(single, ladder) == Relation.SUBSET_A_IN_B
    other = json.loads(json.dumps(single).replace("Acme", "Zenith"))
    assert relation(other, ladder) == Relation.UNRELATED


def test_one_member_of_a_listed_family_and_stages_of_one_tournament_nest() -> None:
    japan = side(
        "kalshi",
        "kalshi:event:KXVISITJPN",
        "When will Macron visit Japan?",
        [
            ("KXVISITJPN-26JUL", "Will Emmanuel Macron visit Japan before Jul 1, 2026?"),
            ("KXVISITJPN-27JAN", "Will Emmanuel Macron visit Japan before Jan 1, 2027?"),
        ],
    )
    countries = side(
        "polymarket",
        "900030",
        "Which countries will Emmanuel Macron visit in 2026?",
        [
            ("0xe1", "Will Emmanuel Macron visit Japan in 2026?"),
            ("0xe2", "Will Emmanuel Macron visit Brazil in 2026?"),
            ("0xe3", "Will Emmanuel Macron visit India in 2026?"),
        ],
    )
    assert relation(japan, countries) == Relation.SUBSET_A_IN_B
    assert relation(countries, japan) == Relation.SUBSET_B_IN_A
    # A member the list does not hold (and the list is whole): related, no implication.
    chile = json.loads(json.dumps(japan).replace("Japan", "Chile"))
    assert relation(chile, countries) == Relation.RELATED
    winner = side(
        "limitless",
        "lim-2",
        "2026 FIFA World Cup Winner: Morocco",
        [("lim-2-mar", "2026 FIFA World Cup Winner: Morocco")],
    )
    knockouts = side(
        "polymarket",
        "900031",
        "FIFA World Cup: Team to advance to Knockout Stages",
        [
            ("0xf4", "Will Morocco advance to the knockout stages at the 2026 FIFA World Cup?"),
            ("0xf5", "Will Japan advance to the knockout stages at the 2026 FIFA World Cup?"),
        ],
    )
    assert relation(winner, knockouts) == Relation.SUBSET_A_IN_B


def test_a_predict_fun_mirror_of_a_polymarket_event_is_that_event() -> None:
    poly = side(
        "polymarket",
        "900030",
        "Will Acme launch a token by ___?",
        [
            ("0x1", "Will Acme launch a token by June 30, 2026?"),
            ("0x2", "Will Acme launch a token by December 31, 2026?"),
        ],
    )
    predict = side("predict", "55", "December 31", [("551", "December 31"), ("552", "June 30")])
    assert relation(poly, predict) == Relation.EQUIVALENT
    # The same bare outcomes beside an unrelated Kalshi ladder are not a mirror.
    kalshi = dict(poly, platform="kalshi")
    assert relation(kalshi, predict) != Relation.EQUIVALENT


def test_reading_a_pair_never_touches_labels_or_context() -> None:
    line = json.dumps(
        {
            "pair_id": "p1",
            "side_a": KALSHI_GAME,
            "side_b": POLY_GAME,
            "label": "unrelated",
            "context": {"pipeline": {"verdict": "merged"}},
        }
    )
    pair = read_pair(line)
    assert relate_events(pair.a, pair.b).relation == Relation.EQUIVALENT


def test_scores_count_missing_predictions_as_unrelated() -> None:
    scores = score(
        {"a": "equivalent", "b": "unrelated", "c": "subset_a_in_b"},
        {"a": "equivalent", "c": "related_not_equivalent"},
    )
    assert scores.precision("equivalent") == 1.0
    assert scores.recall("subset_a_in_b") == 0.0
    assert scores.confusion["unrelated"]["unrelated"] == 1
    assert scores.accuracy == pytest.approx(2 / 3)


def test_blocking_pairs_games_named_differently_and_skips_one_venue_pairs() -> None:
    cards = [
        parse_card(
            MarketText("Will the Spurs win on 2026-01-11?", event_title="Spurs vs. Timberwolves")
        ),
        parse_card(
            MarketText(
                "San Antonio at Minnesota Winner?",
                event_ticker="KXNBAGAME-26JAN11SASMIN",
                group_item="San Antonio",
            )
        ),
        parse_card(
            MarketText("Will the Spurs win on 2026-01-13?", event_title="Spurs vs. Celtics")
        ),
    ]
    assert block_pairs(cards) == {(0, 1)}
    assert block_pairs(cards, sides=[0, 0, 1]) == set()


def run_relate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashboard_backend.relate", *args],
        cwd=PACKAGE_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_relate_writes_one_line_per_pair_and_evaluates(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    lines = [
        {"pair_id": "same", "side_a": KALSHI_GAME, "side_b": POLY_GAME, "label": "equivalent"},
        {
            "pair_id": "half",
            "side_a": KALSHI_GAME,
            "side_b": POLY_HALFTIME,
            "label": "related_not_equivalent",
        },
        {
            "pair_id": "other",
            "side_a": KALSHI_GAME,
            "side_b": POLY_OTHER_GAME,
            "label": "equivalent",
        },
    ]
    pairs.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    done = run_relate(str(pairs), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "line 4" in done.stderr  # the unusable line is named
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["pair_id"], r["relation"]) for r in rows] == [
        ("same", "equivalent"),
        ("half", "related_not_equivalent"),
        ("other", "unrelated"),
    ]
    assert set(rows[0]) == {"pair_id", "relation", "confidence", "outcome_map", "reasons"}
    assert {"a": "KXLALIGAGAME-26MAY24BARVAL-TIE", "b": "0xa2"} in rows[0]["outcome_map"]
    report = run_relate("--evaluate", str(pairs))
    assert report.returncode == 0, report.stderr
    assert "equivalent -> unrelated" in report.stdout  # the error is listed
    assert "confusion" in report.stdout


def test_relate_exit_codes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("garbage\n", encoding="utf-8")
    assert run_relate(str(empty), "--out", str(tmp_path / "o.jsonl")).returncode == 1
    assert (
        run_relate(str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o.jsonl")).returncode
        == 2
    )
    assert run_relate().returncode == 2


def test_relate_markets_maps_every_kalshi_team_to_its_polymarket_outcome(
    tmp_path: Path, shared_data: Path
) -> None:
    """The recorded NBA slate on both venues: each Kalshi team market has exactly one equivalent
    Polymarket moneyline, and its YES is the outcome named after that team."""
    folder = shared_data / "steffenmax_arb_bot"
    out = tmp_path / "nba.jsonl"
    done = run_relate(
        "--markets",
        str(folder / "kalshi_events_nba.json"),
        str(folder / "gamma_events_nba.json"),
        "--out",
        str(out),
        "--no-embeddings",
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    equivalent = [r for r in rows if r["relation"] == "equivalent"]
    kalshi_ids = {r["a"] for r in equivalent}
    assert len(kalshi_ids) == len(equivalent) == 54  # 27 games, two teams each, one match each
    table = default_aliases()
    for row in equivalent:
        code = row["a"].rsplit("-", 1)[-1]
        team = table.codes(code, "nba")
        yes = next(m for m in row["outcome_map"] if m["aOutcome"] == "Yes")
        assert make_name(yes["bOutcome"], namespaces=frozenset({"nba"})).keys == team, row


def test_market_files_read_a_bare_list_of_kalshi_markets(tmp_path: Path, shared_data: Path) -> None:
    """A saved `markets` array (no wrapper) is read as Kalshi, not as Gamma (which failed on
    every record)."""
    recorded = shared_data / "jonasgebele_tail_end" / "kalshi_v2_markets_100.json"
    raw = json.loads(recorded.read_text(encoding="utf-8"))
    assert isinstance(raw, list)
    read = read_market_file(recorded)
    assert read.source == "kalshi"
    assert (len(read.docs), read.bad_records) == (len(raw), 0)
    assert all(d.venue == "kalshi" for d in read.docs)
