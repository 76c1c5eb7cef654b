"""The relation engine's reading of text: names, dates, tickers, thresholds and condition cards."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard_backend.matching.aliases import AliasTable, Entity, parse_table
from dashboard_backend.matching.cards import MarketText, parse_card, read_threshold, topic_words
from dashboard_backend.matching.dates import read_dates, ticker_reading
from dashboard_backend.matching.names import make_name, same_name
from dashboard_backend.matching.stems import stem
from dashboard_backend.matching.text import fold, words


def test_text_folds_accents_and_apostrophes() -> None:
    assert fold("Côte d’Ivoire") == "cote d'ivoire"
    assert words("1. FC Köln vs. Nott'm Forest") == ("1", "fc", "koln", "vs", "nottm", "forest")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Inter", "FC Internazionale Milano"),
        ("Chicago C", "Chicago Cubs"),
        ("Chicago WS", "Chicago White Sox"),
        ("Stade Brest", "Stade Brestois 29"),
        ("Tokyo V", "Tōkyō Verdy"),
        ("Machida Z", "FC Machida Zelvia"),
        ("San Antonio", "Spurs"),
        ("Korea Republic", "South Korea"),
        ("Cape Verde", "Cape Verde Islands"),
        ("M´gladbach", "Borussia Mönchengladbach"),
        ("PSG", "Paris Saint Germain"),
        ("Atl. Madrid", "Club Atlético de Madrid"),
        ("Los Angeles G", "LA Galaxy"),
        ("Chivas", "CD Guadalajara"),
        ("AZ", "AZ Alkmaar"),
    ],
)
def test_venue_spellings_name_the_same_participant(a: str, b: str) -> None:
    assert same_name(make_name(a), make_name(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Paris FC", "Paris Saint-Germain"),  # both in the tables, different keys
        ("Real Madrid", "Real Oviedo"),
        ("Inter", "Inter Miami CF"),
        ("Chicago C", "Chicago White Sox"),
        ("Manchester City", "Manchester United"),
    ],
)
def test_different_participants_are_told_apart(a: str, b: str) -> None:
    assert not same_name(make_name(a), make_name(b))


def test_league_scope_narrows_shared_city_names() -> None:
    houston = make_name("Houston", namespaces=frozenset({"nba"}))
    assert houston.keys == frozenset({"nba:hou"})


def test_alias_tables_reject_malformed_lines_naming_them() -> None:
    with pytest.raises(ValueError, match=r"x\.tsv:2"):
        parse_table(["# comment", "no tabs here"], "x.tsv")
    table = AliasTable([Entity("a:b", "team", ("Alpha Beta",), ("AB",))])
    assert table.lookup("alpha  BETA") == frozenset({"a:b"})
    assert table.codes("ab", "a") == frozenset({"a:b"})
    assert table.codes("ab", "z") == frozenset()


def test_dates_read_days_deadlines_windows_and_years() -> None:
    assert read_dates("Will Spain win on 2026-06-15?").day == date(2026, 6, 15)
    assert read_dates("World Cup, Spain vs Cape Verde, Jun 15, 2026: Draw").day == date(2026, 6, 15)
    assert read_dates("by June 30", context_year=2026).deadline == date(2026, 6, 30)
    assert read_dates("before Jan 20, 2029").deadline == date(2029, 1, 19)
    # A deadline at a time of the day is that day, not a stated time on it.
    by_time = read_dates("Will BTC trimmed mean be above $90000 by 11:59 PM ET on Jul 31, 2026?")
    assert (by_time.deadline, by_time.day, by_time.hour) == (date(2026, 7, 31), None, None)
    assert read_dates("before 5 PM ET on Jul 31, 2026").deadline == date(2026, 7, 31)
    # A month's edge as a deadline; a window across two month names.
    assert read_dates("before July 2026").deadline == date(2026, 6, 30)
    assert read_dates("by the end of June 2026").deadline == date(2026, 6, 30)
    assert read_dates("in July 2026").month == (2026, 7)
    window = read_dates("Elon Musk # tweets May 5 - May 12, 2026")
    assert (window.first_day, window.last_day) == (date(2026, 5, 5), date(2026, 5, 12))
    assert read_dates("Will Trump acquire Greenland before 2027?").deadline == date(2026, 12, 31)
    assert read_dates("impeached by end of 2026").deadline == date(2026, 12, 31)
    assert read_dates("NHL Hart Memorial Trophy 2025–2026").year == 2026
    week = read_dates("What price will Solana hit May 11-17?", context_year=2026)
    assert (week.first_day, week.last_day) == (date(2026, 5, 11), date(2026, 5, 17))
    candle = read_dates("Bitcoin Up or Down - May 10, 10:25AM-10:30AM ET", context_year=2026)
    assert (candle.start, candle.end) == (
        datetime(2026, 5, 10, 10, 25),
        datetime(2026, 5, 10, 10, 30),
    )
    hour = read_dates("BNB Up or Down - May 14, 3AM ET", context_year=2026)
    assert hour.hour == datetime(2026, 5, 14, 3, 0)
    assert read_dates("Will Ethereum be above $3,000 in May?", 2026).month == (2026, 5)
    assert read_dates("Which team may win?").month is None  # "may" the verb


def test_kalshi_tickers_carry_the_local_day() -> None:
    assert ticker_reading("KXNBAGAME-26JAN11SASMIN").day == date(2026, 1, 11)
    timed = ticker_reading("KXMLBGAME-26MAY131915CHCATL-ATL")
    assert (timed.day, timed.start) == (date(2026, 5, 13), datetime(2026, 5, 13, 19, 15))
    assert ticker_reading("KXPAHLAVIHEAD-27JAN").month == (2027, 1)
    assert ticker_reading("KXF1-26").empty


def test_thresholds_read_direction_and_amount() -> None:
    assert read_threshold("Opensea FDV above $500M one day after launch?") == (">", 500e6)
    assert read_threshold("Will Hyperliquid dip to $24 in May?") == ("<", 24.0)
    assert read_threshold("Will WTI Crude Oil (WTI) hit (HIGH) $150 in May?") == (">", 150.0)
    assert read_threshold("Elon Musk # tweets May 5 - May 12, 2026: 300+?") == (">", 300.0)
    assert read_threshold("Will it rain?") is None
    # A race between two bars has no single bar, and says it is a race.
    race = parse_card(MarketText(question="Will Solana hit $60 or $140 first?", venue="predict"))
    assert (race.line, "word:race" in race.topic) == (None, True)


def test_topics_fold_aliases_districts_and_drop_dates() -> None:
    assert topic_words("Pro Baseball Batting Average Leader") == topic_words(
        "MLB: Batting Average Leader"
    )
    nc = topic_words("Will Democratic win the House race for NC-1?")
    assert {"districtnc1", "state:nc", "office:house", "party:dem"} <= nc
    assert topic_words("Will Spain win on 2026-06-15?") == topic_words("Will Spain win?")


def game(question: str, **extra: object) -> MarketText:
    return MarketText(question=question, **extra)  # type: ignore[arg-type]


def test_cards_of_each_venue_format() -> None:
    limitless = parse_card(game("LaLiga, Real Sociedad vs Valencia, May 17, 2026: Draw"))
    assert (limitless.kind, limitless.target_role, limitless.day) == (
        "game",
        "draw",
        date(2026, 5, 17),
    )
    assert [p.text for p in limitless.participants] == ["Real Sociedad", "Valencia"]
    pm = parse_card(
        game(
            "Will Stade Brestois 29 win on 2026-05-13?",
            event_title="Stade Brestois 29 vs. RC Strasbourg Alsace",
        )
    )
    assert pm.target is not None
    assert pm.target.text == "Stade Brestois 29"
    assert (pm.bet, pm.period) == ("winner", "ft")
    kalshi = parse_card(
        game(
            "Crystal Palace vs Everton Winner?",
            event_ticker="KXEPLGAME-26MAY10CRYEVE",
            group_item="Everton",
        )
    )
    assert kalshi.day == date(2026, 5, 10)
    assert kalshi.target is not None
    assert kalshi.target.text == "Everton"
    half = parse_card(
        game(
            "Crystal Palace FC leading at halftime?",
            event_title="Crystal Palace FC vs. Everton FC - Halftime Result",
        )
    )
    assert (half.bet, half.period) == ("winner", "1h")
    score = parse_card(game("Exact Score: FC Metz 3 - 1 FC Lorient?"))
    assert (score.bet, score.score) == ("exact_score", (3, 1))
    spread = parse_card(
        game("Levante wins by over 1.5 goals?", event_title="Levante at Celta Vigo: Spreads")
    )
    assert (spread.bet, spread.line) == ("spread", 1.5)
    total = parse_card(
        game("Will over 2.5 goals be scored?", event_title="Real Sociedad vs Valencia: Total Goals")
    )
    assert (total.bet, total.line, total.target_role) == ("total", 2.5, "over")
    three_plus = parse_card(game("Manchester City vs Crystal Palace: 3+ total goals?"))
    assert (three_plus.bet, three_plus.line) == ("total", 2.5)
    prop = parse_card(
        game("Donovan Mitchell: 25+ points", event_title="Cleveland at Detroit: Points")
    )
    assert (prop.bet, prop.line) == ("player_prop", 24.5)
    esports = parse_card(game("Will HLE win map 2 in the KT vs. HLE match?"))
    assert esports.period == "map2"


def test_draws_are_assumed_possible_unless_known_impossible() -> None:
    soccer = parse_card(game("Will Spain win on 2026-06-15?", event_title="Spain vs. Cape Verde"))
    assert soccer.draw_possible
    nba = parse_card(game("Spurs vs. Timberwolves"))
    assert not nba.draw_possible
    bo3 = parse_card(game("Counter-Strike: NRG vs FUT Esports (BO3) - IEM Atlanta Group A"))
    assert not bo3.draw_possible


def test_contest_and_candle_cards() -> None:
    award = parse_card(game("Will Blake Snell win NL Cy Young?"))
    assert award.kind == "contest"
    assert award.target is not None
    assert award.target.text == "Blake Snell"
    top = parse_card(game("Truist Championship: Will Akshay Bhatia finish top 10?"))
    assert (top.bet, top.line) == ("top_n", 10.0)
    fdv = parse_card(game("Reya FDV above $300M one day after launch?"))
    assert (fdv.bet, fdv.comparator, fdv.line) == ("threshold", ">", 300e6)
    candle = parse_card(
        game(
            "Bitcoin Up or Down - May 10, 10:25AM-10:30AM ET",
            about=datetime(2026, 5, 10, tzinfo=UTC),
            about_precision="day",
        )
    )
    assert (candle.kind, candle.asset) == ("candle", "asset:btc")


def test_topic_words_are_stems_so_headlines_meet_questions() -> None:
    for forms in (
        ("invade", "invades", "invaded", "invading"),
        ("meet", "meets", "meeting", "meetings"),
        ("release", "released", "releases"),
        ("party", "parties"),
        ("qualify", "qualified", "qualifies"),
    ):
        assert len({stem(w) for w in forms}) == 1, forms
    # Keys, numbers and short words pass through; "ss"/"us"/"is" endings keep their s.
    assert [stem(w) for w in ("country:usa", "2026", "gas", "business", "status")] == [
        "country:usa",
        "2026",
        "gas",
        "business",
        "status",
    ]
    assert topic_words("Israel strikes Iran by June 30?") == topic_words(
        "Will Israel strike Iran by June 30?"
    )
    # A lowercase x joins two names (Polymarket's "Russia x Ukraine"); a capital X is a name.
    assert topic_words("Russia x Ukraine ceasefire") == topic_words("Russia Ukraine ceasefire")
    assert "x" in topic_words("Will X be banned in Brazil?")


def test_one_side_against_a_named_other_is_a_game() -> None:
    fight = parse_card(
        MarketText(question="Will Tom Aspinall win the UFC 320 fight against Ciryl Gane?")
    )
    assert (fight.kind, [p.text for p in fight.participants]) == (
        "game",
        ["Tom Aspinall", "Ciryl Gane"],
    )
    assert fight.target is not None
    assert fight.target.text == "Tom Aspinall"
    final = parse_card(MarketText(question="Will Jannik Sinner beat Carlos Alcaraz in the final?"))
    assert [p.text for p in final.participants] == ["Jannik Sinner", "Carlos Alcaraz"]


def test_a_name_starting_inside_another_that_reaches_further_wins() -> None:
    # "The Masters" would take "the Masters" and leave "Tournament" a stray word.
    assert topic_words("Will X win the Masters Tournament?") == topic_words("Will X win Masters?")
    assert topic_words("Will Ana get married by June 30?") == topic_words(
        "Will Ana wed by June 30?"
    )


def test_kalshi_price_tickers_say_the_bar_and_the_hour() -> None:
    assert ticker_reading("KXBTCD-25AUG0817").hour == datetime(2025, 8, 8, 17, 0)
    assert ticker_reading("KXMLBGAME-26MAY131915CHCATL").start == datetime(2026, 5, 13, 19, 15)
    daily = parse_card(
        MarketText(
            question="Bitcoin price on Aug 8, 2025?",
            venue="kalshi",
            event_ticker="KXBTCD-25AUG0817",
            market_ticker="KXBTCD-25AUG0817-T114999.99",
        )
    )
    # "T114999.99" is "$115,000 or above", read at 5 PM ET (not "on August 8" at any time).
    assert (daily.comparator, daily.line, daily.inclusive) == (">", 115000.0, True)
    assert daily.dates.hour == datetime(2025, 8, 8, 17, 0)
