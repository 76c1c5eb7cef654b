"""Relations between catalog markets: the relation, its direction and the outcome map by token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dashboard_backend.matching.markets import relate_markets
from dashboard_backend.models import MarketDocument, Outcome, Relation
from tests.crypto_ladders import (
    kalshi_event_title,
    kalshi_question,
    polymarket_question,
    strike_pairs,
)


def market(
    market_id: str,
    question: str,
    outcomes: tuple[str, ...] = ("No", "Yes"),  # No first: Yes must be found by name
    venue: str = "polymarket",
    event_id: str | None = None,
    event_title: str | None = None,
    group_item: str | None = None,
    event_start: datetime | None = None,
    close: datetime | None = datetime(2026, 12, 31, tzinfo=UTC),
) -> MarketDocument:
    return MarketDocument(
        venue=venue,
        id=market_id,
        condition_id=f"c-{market_id}",
        question=question,
        outcomes=tuple(Outcome(name=o, token_id=f"{market_id}:{o.lower()}") for o in outcomes),
        event_id=event_id,
        event_title=event_title,
        group_item_title=group_item,
        event_start=event_start,
        close_time=close,
    )


def kalshi(ticker: str, question: str, yes_names: str, event_title: str) -> MarketDocument:
    event = ticker.rsplit("-", 1)[0]
    return market(
        f"kalshi:{ticker}",
        question,
        venue="kalshi",
        event_id=event,
        event_title=event_title,
        group_item=yes_names,
    )


def links(doc_a: MarketDocument, doc_b: MarketDocument) -> set[tuple[str, str]]:
    return {(link.a_outcome, link.b_outcome) for link in relate_markets(doc_a, doc_b).links}


SPURS = market(
    "pm-sas-min",
    "Spurs vs. Timberwolves",
    outcomes=("Spurs", "Timberwolves"),
    event_start=datetime(2026, 1, 12, 0, 0, tzinfo=UTC),
)


def test_a_kalshi_team_market_maps_to_the_right_polymarket_outcome() -> None:
    minnesota = kalshi(
        "KXNBAGAME-26JAN11SASMIN-MIN",
        "San Antonio at Minnesota Winner?",
        "Minnesota",
        "San Antonio at Minnesota",
    )
    verdict = relate_markets(minnesota, SPURS)
    assert verdict.relation == Relation.EQUIVALENT
    assert links(minnesota, SPURS) == {("Yes", "Timberwolves"), ("No", "Spurs")}
    tokens = {(link.a_token, link.b_token) for link in verdict.links}
    assert ("kalshi:KXNBAGAME-26JAN11SASMIN-MIN:yes", "pm-sas-min:timberwolves") in tokens


def test_two_games_of_a_doubleheader_are_told_apart_by_their_start_times() -> None:
    def game(market_id: str, hour: int) -> MarketDocument:
        return market(
            market_id,
            "New York Yankees vs. Milwaukee Brewers",
            outcomes=("New York Yankees", "Milwaukee Brewers"),
            event_title="New York Yankees vs. Milwaukee Brewers",
            event_start=datetime(2026, 5, 10, hour, 5, tzinfo=UTC),
        ).model_copy(update={"slug": "mlb-nyy-mil-2026-05-10"})

    first, second = game("g1", 17), game("g2", 23)  # 13:05 and 19:05 ET
    yankees = kalshi(
        "KXMLBGAME-26MAY101905NYYMIL-NYY",  # the ticker's time: 19:05 ET
        "New York Y vs Milwaukee Winner?",
        "New York Y",
        "New York Y vs Milwaukee",
    )
    assert relate_markets(yankees, second).relation == Relation.EQUIVALENT
    assert relate_markets(yankees, first).relation == Relation.UNRELATED
    assert relate_markets(first, second).relation == Relation.UNRELATED


def test_a_tennis_match_has_no_draw_so_one_player_market_is_the_head_to_head() -> None:
    match = market(
        "pm-atp",
        "Sinner vs. Alcaraz",
        outcomes=("Sinner", "Alcaraz"),
        event_title="Sinner vs. Alcaraz",
        event_start=datetime(2026, 6, 10, 18, 0, tzinfo=UTC),
    ).model_copy(update={"slug": "atp-sinner-alcaraz-2026-06-10"})
    alcaraz = kalshi(
        "KXATPMATCH-26JUN10SINALC-ALC",
        "Will Carlos Alcaraz win the Sinner vs Alcaraz : Round Of 16 match?",
        "Carlos Alcaraz",
        "Sinner vs Alcaraz",
    )
    assert relate_markets(alcaraz, match).relation == Relation.EQUIVALENT
    assert links(alcaraz, match) == {("Yes", "Alcaraz"), ("No", "Sinner")}
    # Without the league in the ids, a draw is assumed possible: not the same bet.
    unknown = match.model_copy(update={"slug": "sinner-alcaraz-2026-06-10"})
    plain = alcaraz.model_copy(update={"event_id": "KXMATCH-26JUN10SINALC"})
    assert relate_markets(plain, unknown).relation != Relation.EQUIVALENT


def test_a_game_on_another_day_is_not_the_same_bet() -> None:
    earlier = kalshi(
        "KXNBAGAME-26JAN09SASMIN-MIN",
        "San Antonio at Minnesota Winner?",
        "Minnesota",
        "San Antonio at Minnesota",
    )
    assert relate_markets(earlier, SPURS).relation == Relation.UNRELATED


def test_the_other_side_of_a_game_without_draws_is_the_inverse() -> None:
    yes_spurs = market(
        "a",
        "Will the Spurs beat the Timberwolves?",
        event_title="Spurs vs. Timberwolves",
        group_item="Spurs",
    )
    yes_wolves = market(
        "b",
        "Will the Timberwolves beat the Spurs?",
        event_title="Spurs vs. Timberwolves",
        group_item="Timberwolves",
    )
    verdict = relate_markets(yes_spurs, yes_wolves)
    assert verdict.relation == Relation.INVERSE
    assert links(yes_spurs, yes_wolves) == {("Yes", "No"), ("No", "Yes")}


def test_two_winners_of_a_game_that_can_be_drawn_are_mutually_exclusive() -> None:
    spain = market("a", "Will Spain win on 2026-06-15?", event_title="Spain vs. Cape Verde")
    cape_verde = market(
        "b", "Will Cape Verde win on 2026-06-15?", event_title="Spain vs. Cape Verde"
    )
    verdict = relate_markets(spain, cape_verde)
    assert verdict.relation == Relation.MUTUALLY_EXCLUSIVE
    assert links(spain, cape_verde) == {("Yes", "Yes")}


def test_the_draw_on_three_venues() -> None:
    limitless = market(
        "l", "World Cup, Spain vs Cape Verde Islands, Jun 15, 2026: Draw", venue="limitless"
    )
    pm = market("p", "Will Spain vs. Cape Verde end in a draw?", event_title="Spain vs. Cape Verde")
    tie = kalshi(
        "KXWCGAME-26JUN15ESPCPV-TIE", "Spain vs Cape Verde Winner?", "Tie", "Spain vs Cape Verde"
    )
    assert relate_markets(limitless, pm).relation == Relation.EQUIVALENT
    assert relate_markets(pm, tie).relation == Relation.EQUIVALENT


def test_a_margin_implies_the_win_and_not_the_reverse() -> None:
    margin = market(
        "a",
        "Levante wins by over 1.5 goals?",
        event_title="Levante at Celta Vigo: Spreads",
        venue="kalshi",
    )
    win = market(
        "b", "Will Levante UD win on 2026-05-12?", event_title="RC Celta de Vigo vs. Levante UD"
    )
    # The spread card has no day of its own: the event ticker gives it on Kalshi; here none.
    verdict = relate_markets(margin, win)
    assert verdict.relation == Relation.SUBSET_A_IN_B
    assert relate_markets(win, margin).relation == Relation.SUBSET_B_IN_A


def test_the_underdog_side_of_a_spread_market_is_the_negation_of_the_margin() -> None:
    spread = market(
        "pm-spread",
        "Spread: Heat (-7.5)",
        outcomes=("Bulls", "Heat"),
        event_title="Heat vs. Bulls",
        event_start=datetime(2026, 1, 9, 1, 0, tzinfo=UTC),
    )
    miami = kalshi(
        "KXNBAGAME-26JAN08MIACHI-MIA", "Miami at Chicago Winner?", "Miami", "Miami at Chicago"
    )
    chicago = kalshi(
        "KXNBAGAME-26JAN08MIACHI-CHI", "Miami at Chicago Winner?", "Chicago", "Miami at Chicago"
    )
    # Heat covering -7.5 implies a Heat win...
    assert relate_markets(spread, miami).relation == Relation.SUBSET_A_IN_B
    assert links(spread, miami) == {("Heat", "Yes")}
    # ...and rules out a Bulls win; "Bulls" (+7.5) never implies a Bulls win.
    assert relate_markets(spread, chicago).relation == Relation.MUTUALLY_EXCLUSIVE
    assert links(spread, chicago) == {("Heat", "Yes")}
    same_margin = kalshi(
        "KXNBASPREAD-26JAN08MIACHI-MIA7",
        "Miami wins by over 7.5 points?",
        "Miami wins by over 7.5 Points",
        "Miami at Chicago: Spread",
    )
    assert relate_markets(same_margin, spread).relation == Relation.EQUIVALENT
    assert links(same_margin, spread) == {("Yes", "Heat"), ("No", "Bulls")}
    # Quoted from the underdog's side, the same market: Bulls +7.5 is Heat not covering -7.5.
    underdog = market(
        "pm-plus",
        "Spread: Bulls (+7.5)",
        outcomes=("Bulls", "Heat"),
        event_title="Heat vs. Bulls",
        event_start=datetime(2026, 1, 9, 1, 0, tzinfo=UTC),
    )
    assert relate_markets(underdog, spread).relation == Relation.EQUIVALENT
    assert links(underdog, spread) == {("Heat", "Heat"), ("Bulls", "Bulls")}
    assert relate_markets(underdog, chicago).relation == Relation.MUTUALLY_EXCLUSIVE
    assert links(underdog, chicago) == {("Heat", "Yes")}


def test_total_lines_nest_and_over_under_are_inverse() -> None:
    over25 = market(
        "a", "Will over 2.5 goals be scored?", event_title="Real Sociedad vs Valencia: Total Goals"
    )
    over35 = market(
        "b", "Will over 3.5 goals be scored?", event_title="Real Sociedad vs Valencia: Total Goals"
    )
    assert relate_markets(over35, over25).relation == Relation.SUBSET_A_IN_B
    ou = market("c", "Real Sociedad vs. Valencia: O/U 2.5", outcomes=("Over", "Under"))
    verdict = relate_markets(over25, ou)
    assert verdict.relation == Relation.EQUIVALENT
    assert links(over25, ou) == {("Yes", "Over"), ("No", "Under")}


def relation(question_a: str, question_b: str) -> Relation:
    return relate_markets(market("a", question_a), market("b", question_b)).relation


def test_a_later_stage_of_one_competition_implies_the_earlier_ones() -> None:
    win = "Will Argentina win the 2026 FIFA World Cup?"
    final = "Will Argentina reach the final of the 2026 FIFA World Cup?"
    knockout = "Will Argentina advance to the knockout stage of the 2026 World Cup?"
    assert relation(win, final) == Relation.SUBSET_A_IN_B
    assert relation(knockout, final) == Relation.SUBSET_B_IN_A
    assert relation(final, knockout) == Relation.SUBSET_A_IN_B
    assert links(market("a", win), market("b", final)) == {("Yes", "Yes")}
    # Another team, another season, or a group (not the tournament): no implication.
    assert relation(win, "Will Brazil reach the final of the 2026 FIFA World Cup?") == (
        Relation.RELATED
    )
    assert relation(
        "Will Real Madrid win the 2025-26 Champions League?",
        "Will Real Madrid reach the 2026-27 Champions League final?",
    ) not in (Relation.EQUIVALENT, Relation.SUBSET_A_IN_B, Relation.SUBSET_B_IN_A)
    assert relation(
        "Will Spain win the group stage of the 2026 World Cup?",
        "Will Spain win the 2026 World Cup?",
    ) not in (Relation.EQUIVALENT, Relation.SUBSET_A_IN_B, Relation.SUBSET_B_IN_A)


def test_resigning_implies_being_out_by_the_same_deadline_not_the_reverse() -> None:
    resign = "Will Trump resign by December 31, 2026?"
    out = "Trump out as President before 2027?"  # no "Will": the name before the verb
    assert relation(resign, out) == Relation.SUBSET_A_IN_B
    assert relation(out, resign) == Relation.SUBSET_B_IN_A
    assert relation("Will Trump resign by December 31, 2027?", out) == Relation.RELATED
    assert relation("Will Vance resign by December 31, 2026?", out) == Relation.RELATED
    assert relation(out, "Will Trump be out as President before 2027?") == Relation.EQUIVALENT


def test_a_leader_acts_for_the_country_and_the_whole_settles_a_part() -> None:
    trump = "Will Trump acquire Greenland before 2027?"
    part = "Will the United States acquire any part of Greenland before Jan 1, 2027?"
    assert relation(trump, part) == Relation.SUBSET_A_IN_B
    assert relation(part, trump) == Relation.SUBSET_B_IN_A
    # The whole implies a part, not the reverse; a later deadline implies nothing.
    whole = "Will the United States acquire Greenland before 2027?"
    assert relation(whole, part) == Relation.SUBSET_A_IN_B
    assert relation("Will Trump acquire Greenland before 2029?", part) == Relation.RELATED
    # Acquiring settles taking control; another leader is not this country's.
    control = "Will the US take control of any part of Greenland before 2027?"
    assert relation(trump, control) == Relation.SUBSET_A_IN_B
    assert relation("Will Putin acquire Greenland before 2027?", part) == Relation.RELATED


def test_venue_spellings_of_one_contest_are_the_same_bet() -> None:
    same = [
        # A league's champion is its final's winner.
        (
            "Will Oklahoma City win the 2026 NBA Championship?",
            "Will the Thunder be the 2026 NBA Champion?",
        ),
        (
            "Will the Florida Panthers win the 2026 Stanley Cup?",
            "Will Florida win the 2026 NHL Championship?",
        ),
        (
            "Will the Dodgers win the 2026 World Series?",
            "Will the Dodgers win the 2026 Pro Baseball Championship?",
        ),
        ("Will the Chiefs win Super Bowl 2026?", "Will the Chiefs win the 2026 NFL championship?"),
        ("Will inflation be above 3% in May 2026?", "Will CPI inflation be above 3% in May 2026?"),
        (
            "Will the Fed cut rates at the June 2026 meeting?",
            "Will the Federal Reserve cut interest rates in June 2026?",
        ),
        (
            "Will Zohran Mamdani win the NYC mayoral election?",
            "Will Mamdani be elected Mayor of New York City?",
        ),
        (
            "Will Real Madrid win La Liga 2025-26?",
            "Will Real Madrid win the Spanish La Liga title?",
        ),
        (
            "Will the Fed cut rates by 25 bps in June 2026?",
            "Will the Federal Reserve decrease interest rates by 25 bps after the June 2026 meeting?",
        ),
        (
            "Will Gavin Newsom announce a 2028 presidential run by June 30, 2026?",
            "Will Newsom announce a presidential run before July 2026?",
        ),
        ("Will the US invade Venezuela in 2026?", "US invades Venezuela before 2027?"),
        ("Will Putin meet Zelensky in 2026?", "Putin x Zelensky meeting in 2026?"),
        (
            "Russia x Ukraine ceasefire in 2026?",
            "Will there be a ceasefire between Russia and Ukraine in 2026?",
        ),
        (
            "Will the government shut down by October 1, 2026?",
            "Government shutdown by October 1, 2026?",
        ),
    ]
    assert [(a, b) for a, b in same if relation(a, b) != Relation.EQUIVALENT] == []
    # ... but a final's MVP is not the season's, core inflation is not inflation, a cut no hike.
    assert (
        relation("Will the Fed cut rates in June 2026?", "Will the Fed hike rates in June 2026?")
        != Relation.EQUIVALENT
    )
    assert (
        relation("Will SGA win NBA Finals MVP?", "Will SGA win the 2026 NBA MVP?")
        == Relation.RELATED
    )
    assert (
        relation(
            "Will inflation be above 3% in May 2026?",
            "Will core inflation be above 3% in May 2026?",
        )
        == Relation.RELATED
    )


def test_a_time_inside_a_by_window_implies_it_with_an_equal_or_harder_bar() -> None:
    by_june = "Will Bitcoin hit $100k by June 30, 2026?"
    assert relation("Will Bitcoin hit $100k in June 2026?", by_june) == Relation.SUBSET_A_IN_B
    assert relation("Will Bitcoin hit $120k in June 2026?", by_june) == Relation.SUBSET_A_IN_B
    assert relation(by_june, "Will Bitcoin hit $120k in June 2026?") == Relation.SUBSET_B_IN_A
    # An easier bar, or a window that ends later, implies nothing.
    assert relation("Will Bitcoin hit $90k in June 2026?", by_june) == Relation.RELATED
    assert relation("Will Bitcoin hit $100k in July 2026?", by_june) == Relation.RELATED
    assert relation(
        "Will the Fed cut rates in March 2026?", "Will the Fed cut rates by June 30, 2026?"
    ) == (Relation.SUBSET_A_IN_B)


def test_ranges_nest_exclude_and_pass_bars_at_the_same_time_only() -> None:
    question = "Bitcoin price on Aug 6, 2025 at 5pm EDT?"

    def bucket(low: float, high: float) -> MarketDocument:
        doc = kalshi(
            f"KXBTCD-25AUG0617-B{int(low)}", question, f"${low:,.0f} to {high:,.2f}", question
        )
        return doc.model_copy(
            update={"strike_type": "between", "floor_strike": low, "cap_strike": high}
        )

    low, high = bucket(114_500, 114_999.99), bucket(116_000, 116_499.99)
    above = market("above", "Will Bitcoin be above $115,000 on Aug 6, 2025 at 5pm EDT?")
    wide = market(
        "wide", "Will Bitcoin be between $114,000 and $115,000 on Aug 6, 2025 at 5pm EDT?"
    )
    assert relate_markets(low, above).relation == Relation.MUTUALLY_EXCLUSIVE
    assert links(low, above) == {("Yes", "Yes")}
    assert relate_markets(high, above).relation == Relation.SUBSET_A_IN_B
    assert relate_markets(low, wide).relation == Relation.SUBSET_A_IN_B
    assert relate_markets(wide, high).relation == Relation.MUTUALLY_EXCLUSIVE
    # Another day, or a price at any time, says nothing of where it is at 5pm on Aug 6.
    later = market("later", "Will Bitcoin be above $115,000 on Aug 7, 2025 at 5pm EDT?")
    assert relate_markets(low, later).relation == Relation.RELATED
    assert relate_markets(low, market("hit", "When will Bitcoin hit $150k?")).relation == (
        Relation.RELATED
    )
    # Ranges that meet at a bound could both hold: related, never exclusive.
    eggs = "Will a dozen eggs be between $4.50-4.75 in July 2025?"
    assert relation(eggs, "Will a dozen eggs be between $4.75-5.00 in July 2025?") == (
        Relation.RELATED
    )


def test_a_deadline_in_the_words_beats_the_date_in_a_kalshi_ticker() -> None:
    question = "Will the government shut down by Nov 30, 2025?"
    shutdown = kalshi("KXSHUTDOWN-25NOV30-Y", question, "", question)
    assert relate_markets(
        shutdown, market("p1", "Will the government shut down by November 30, 2025?")
    ).relation == (Relation.EQUIVALENT)
    # A later deadline is implied, not another day's question.
    assert relate_markets(
        shutdown, market("p2", "Will the government shut down by December 31, 2025?")
    ).relation == (Relation.SUBSET_A_IN_B)


def test_two_leagues_are_two_contests_whoever_is_named() -> None:
    assert relation(
        "Will Patrick Mahomes win the 2026 NFL MVP?", "Will Patrick Mahomes win the 2026 NBA MVP?"
    ) == (Relation.UNRELATED)
    assert relation(
        "Will Arsenal win the 2025-26 Champions League?",
        "Will Arsenal win the 2025-26 Europa League?",
    ) == (Relation.UNRELATED)
    # One side leaving the league unsaid is still the same contest.
    assert relation(
        "Will Patrick Mahomes win the 2026 NFL MVP?", "Will Patrick Mahomes win 2026 MVP?"
    ) == (Relation.EQUIVALENT)


def test_first_place_implies_a_top_n_finish_and_is_never_the_same_bet() -> None:
    title = "Will Arsenal win the 2025-26 Premier League?"
    top4 = "Will Arsenal finish in the top 4 of the 2025-26 Premier League?"
    assert relation(title, top4) == Relation.SUBSET_A_IN_B
    assert relation(top4, title) == Relation.SUBSET_B_IN_A


def test_a_price_any_time_or_at_another_hour_is_not_a_price_at_a_stated_time() -> None:
    hit = "When will Bitcoin hit $150k?"
    on_day = "Bitcoin above $115,000 on August 11, 2025?"
    assert relation(hit, on_day) == Relation.RELATED  # never "150k implies 115k"
    at_five = "Will Bitcoin be above $110k on Aug 6, 2025 at 5pm EDT?"
    assert relation("Will Bitcoin be above $100k on Aug 6, 2025 at 5pm EDT?", at_five) == (
        Relation.SUBSET_B_IN_A
    )
    assert relation("Will Bitcoin be above $110k on Aug 6, 2025 at 12pm EDT?", at_five) == (
        Relation.RELATED
    )
    assert relation("Will Bitcoin be above $110k on August 6, 2025?", at_five) == (Relation.RELATED)


def test_a_kalshi_ladder_says_its_bar_and_deadline_in_the_yes_subtitle() -> None:
    def rung(bar: str) -> MarketDocument:
        question = "How high will unemployment get before 2030?"
        return kalshi(f"KXU3MAX-30-{bar[-3:]}", question, bar, question)

    reach6 = market("p6", "Will US unemployment reach 6% before 2030?")
    # "Above 6%" passes the bar that "reach 6%" touches: it implies it, it is not the same bet.
    assert relate_markets(rung("Above 6%"), reach6).relation == Relation.SUBSET_A_IN_B
    assert links(rung("Above 6%"), reach6) == {("Yes", "Yes")}
    assert relate_markets(rung("At least 6%"), reach6).relation == Relation.EQUIVALENT
    # A higher bar implies a lower one; another deadline is another question.
    assert relate_markets(rung("Above 8%"), reach6).relation == Relation.SUBSET_A_IN_B
    assert relate_markets(rung("At least 5%"), reach6).relation == Relation.SUBSET_B_IN_A
    later = market("p7", "Will US unemployment reach 6% before 2031?")
    assert relate_markets(rung("At least 6%"), later).relation != Relation.EQUIVALENT
    deadline = kalshi(
        "KXSPEED-27",
        "When will IShowSpeed reach 100 million YouTube subscribers?",
        "Before 2028",
        "When will IShowSpeed reach 100 million YouTube subscribers?",
    )
    by_2027 = market(
        "speed", "Will IShowSpeed reach 100 million YouTube subscribers by December 31, 2027?"
    )
    assert relate_markets(deadline, by_2027).relation == Relation.EQUIVALENT
    thousand = market(
        "fyre", "Will a Fyre Festival 2 general admission ticket cost $1,000 or more?"
    )
    at_least = kalshi(
        "KXFYRE-500",
        "How much will a Fyre Festival 2 General Admission Ticket cost?",
        "At least $500",
        "How much will a Fyre Festival 2 General Admission Ticket cost?",
    )
    assert relate_markets(thousand, at_least).relation == Relation.SUBSET_A_IN_B


def test_an_exact_score_implies_the_result_it_decides() -> None:
    score = market(
        "a",
        "Exact Score: FC Metz 3 - 1 FC Lorient?",
        event_title="FC Metz vs. FC Lorient - Exact Score",
    )
    metz = market("b", "Will FC Metz win on 2026-05-10?", event_title="FC Metz vs. FC Lorient")
    lorient = market(
        "c", "Will FC Lorient win on 2026-05-10?", event_title="FC Metz vs. FC Lorient"
    )
    assert relate_markets(score, metz).relation == Relation.SUBSET_A_IN_B
    assert relate_markets(score, lorient).relation == Relation.MUTUALLY_EXCLUSIVE


def test_contest_outcomes_align_by_name() -> None:
    albon_k = market("k", "Will Alexander Albon win the F1 Drivers Championship?", venue="kalshi")
    albon_l = market("l", "F1 Drivers' Champion: Alexander Albon", venue="limitless")
    leclerc = market("m", "F1 Drivers' Champion: Charles Leclerc", venue="limitless")
    assert relate_markets(albon_k, albon_l).relation == Relation.EQUIVALENT
    assert relate_markets(albon_k, leclerc).relation == Relation.MUTUALLY_EXCLUSIVE


def test_places_and_deadlines_nest() -> None:
    top5 = market("a", "Truist Championship: Will Akshay Bhatia finish top 5?")
    top10 = market("b", "Will Akshay Bhatia finish in the Top 10 at the 2026 Truist Championship?")
    assert relate_markets(top5, top10).relation == Relation.SUBSET_A_IN_B
    early = market("c", "Will Trump be impeached by end of 2026?")
    late = market("d", "Will Trump be impeached before Jan 20, 2029?")
    assert relate_markets(early, late).relation == Relation.SUBSET_A_IN_B


def test_different_districts_and_offices_are_unrelated() -> None:
    in3 = market("a", "Will Democratic win the House race for IN-03?")
    in7 = market("b", "Will the Democratic Party win the IN-07 House seat?")
    assert relate_markets(in3, in7).relation == Relation.UNRELATED
    gov = market("c", "Will Michael Bennet be the Democratic nominee for Governor in Colorado?")
    sen = market("d", "Will Michael Bennet win the 2026 Colorado Democratic Senate Primary?")
    assert relate_markets(gov, sen).relation == Relation.UNRELATED


def test_candles_need_the_same_asset_and_window() -> None:
    a = market("a", "Bitcoin Up or Down - May 10, 10:25AM-10:30AM ET", outcomes=("Up", "Down"))
    b = market(
        "b",
        "Bitcoin Up or Down - May 10, 10:25AM-10:30AM ET",
        outcomes=("Up", "Down"),
        venue="predict",
    )
    c = market("c", "Bitcoin Up or Down - May 10, 10:30AM-10:35AM ET", outcomes=("Up", "Down"))
    d = market("d", "Ethereum Up or Down - May 10, 10:25AM-10:30AM ET", outcomes=("Up", "Down"))
    assert relate_markets(a, b).relation == Relation.EQUIVALENT
    assert links(a, b) == {("Up", "Up"), ("Down", "Down")}
    assert relate_markets(a, c).relation == Relation.RELATED
    assert relate_markets(a, d).relation == Relation.UNRELATED


def test_a_window_that_cannot_be_dated_is_never_the_same_bet() -> None:
    a = market("a", "Bitcoin Up or Down - May 10, 10:25AM-10:30AM ET", ("Up", "Down"), close=None)
    b = market("b", "Bitcoin Up or Down - May 10, 10:30AM-10:35AM ET", ("Up", "Down"), close=None)
    assert relate_markets(a, b).relation == Relation.RELATED


def test_a_market_is_never_related_to_itself() -> None:
    assert relate_markets(SPURS, SPURS).relation == Relation.UNRELATED


def test_monthly_crypto_ladders_nest_across_venues(shared_data: Path) -> None:
    """Kalshi's monthly max/min ladders ("above $X by 11:59 PM ET on Jul 31" under "How high will
    BTC get in July?") against Polymarket's "reach $X in July": the same strike is the same bet;
    for a maximum the higher strike implies the lower, for a minimum the lower the higher."""
    rows = strike_pairs(shared_data)
    assert len(rows) == 54
    wrong = []
    for row in rows:
        question, yes_names = kalshi_question(row).split("? ")
        doc_k = kalshi(row["kalshi_ticker"], question + "?", yes_names, kalshi_event_title(row))
        doc_p = market("pm", polymarket_question(row["poly_slug"]))
        strike_k, strike_p = float(row["kalshi_strike"]), float(row["poly_strike"])
        if strike_k == strike_p:
            want = Relation.EQUIVALENT
        else:
            kalshi_harder = (
                strike_k > strike_p if "MAXMON" in row["kalshi_ticker"] else strike_k < strike_p
            )
            want = Relation.SUBSET_A_IN_B if kalshi_harder else Relation.SUBSET_B_IN_A
        verdict = relate_markets(doc_k, doc_p)
        if verdict.relation != want:
            wrong.append(
                (row["kalshi_ticker"], row["poly_slug"], verdict.relation, verdict.reasons)
            )
    assert wrong == []


def test_a_sport_without_draws_known_to_one_venue_lines_up_both_outcomes() -> None:
    """Kalshi's KXATPMATCH series says tennis (no draw); Polymarket's title names no tour."""
    start = datetime(2026, 5, 10, 18, 0, tzinfo=UTC)
    yes_no = kalshi(
        "KXATPMATCH-26MAY10SINALC-SIN",
        "Will Jannik Sinner win the Sinner vs Alcaraz match?",
        "Jannik Sinner",
        "Sinner vs Alcaraz",
    )
    two_way = market(
        "pm",
        "Internazionali BNL d'Italia: Jannik Sinner vs Carlos Alcaraz",
        outcomes=("Carlos Alcaraz", "Jannik Sinner"),
        event_start=start,
    )
    assert relate_markets(yes_no, two_way).relation == Relation.EQUIVALENT
    assert links(yes_no, two_way) == {("Yes", "Jannik Sinner"), ("No", "Carlos Alcaraz")}
    # A soccer game can be drawn: "Will Arsenal win?" is not a two-way market's Arsenal side.
    soccer = kalshi(
        "KXEPLGAME-26MAY10ARSCHE-ARS", "Arsenal vs Chelsea Winner?", "Arsenal", "Arsenal vs Chelsea"
    )
    two_way_soccer = market(
        "pm2", "Arsenal vs. Chelsea", outcomes=("Chelsea", "Arsenal"), event_start=start
    )
    assert relate_markets(soccer, two_way_soccer).relation != Relation.EQUIVALENT


def test_the_kalshi_series_names_the_league_of_city_names() -> None:
    """ "Boston at Atlanta" in Kalshi's MLB series is the Red Sox and the Braves, not the NBA's."""
    start = datetime(2026, 5, 3, 17, 0, tzinfo=UTC)
    mlb = kalshi(
        "KXMLBGAME-26MAY03BOSATL-ATL", "Boston at Atlanta Winner?", "Atlanta", "Boston at Atlanta"
    )
    nba = market("pm-nba", "Celtics vs. Hawks", outcomes=("Celtics", "Hawks"), event_start=start)
    braves = market(
        "pm-mlb", "Red Sox vs. Braves", outcomes=("Red Sox", "Braves"), event_start=start
    )
    assert relate_markets(mlb, nba).relation == Relation.UNRELATED
    assert relate_markets(mlb, braves).relation == Relation.EQUIVALENT
    assert links(mlb, braves) == {("Yes", "Braves"), ("No", "Red Sox")}


def test_a_kalshi_bar_said_only_in_the_ticker_is_read_from_it() -> None:
    question = "Ethereum price at May 10, 2026 at 5pm EDT?"
    ladder = market(
        "kalshi:KXETHD-26MAY1017-T3499.99",
        question,
        venue="kalshi",
        event_id="KXETHD-26MAY1017",
        event_title=question,
    )
    same = market("pm", "Will the price of Ethereum be above $3,500 on May 10, 2026 at 5PM ET?")
    higher = market("pm2", "Will the price of Ethereum be above $3,600 on May 10, 2026 at 5PM ET?")
    assert relate_markets(ladder, same).relation == Relation.EQUIVALENT
    assert relate_markets(higher, ladder).relation == Relation.SUBSET_A_IN_B
