"""Games of the synthetic two-venue catalog: leagues, tennis, league champions (`_twovenue.py`)."""

from __future__ import annotations

from datetime import date, timedelta

from dashboard_backend.bench._twovenue_base import LEAGUES, Builder, Team, at, ticker_day


def game_between(b: Builder, league: str, away: Team, home: Team, day: date, both: bool) -> None:
    """One game: a Polymarket event, and when `both` a Kalshi winner/spread/total listing."""
    series, slug_league, sport, soccer = LEAGUES[league]
    hour = b.rng.choice((0, 1, 2, 17, 19, 23))
    start = at(day + timedelta(days=1 if hour < 4 else 0), hour)
    game = f"{league}:{day}:{away.code}{home.code}"
    slug = f"{slug_league}-{away.code.lower()}-{home.code.lower()}-{day.isoformat()}"
    ev = b.event()
    cat = "sports"
    poly_title = f"{away.full} vs. {home.full}" if soccer else f"{away.nick} vs. {home.nick}"
    common: dict[str, object] = {"event_start": start, "event_slug": slug}
    close = start + timedelta(hours=3)
    k_event = f"{series}GAME-{ticker_day(day)}{away.code}{home.code}"
    k_title = f"{away.city} vs {home.city}" if soccer else f"{away.city} at {home.city}"
    k_close = close + timedelta(days=14)
    poly_win: dict[str, str] = {}
    if soccer:
        for team in (away, home):
            poly_win[team.code] = b.poly(
                f"Will {team.full} win on {day.isoformat()}?",
                ev,
                poly_title,
                None,
                (cat, league, game, team.code, "winner"),
                close,
                slug=f"{slug}-{team.code.lower()}",
                group_item_title=team.full,
                market_type="moneyline",
                **common,
            )
        poly_win["TIE"] = b.poly(
            f"Will {away.full} vs. {home.full} end in a draw?",
            ev,
            poly_title,
            None,
            (cat, league, game, "draw", "winner"),
            close,
            slug=f"{slug}-draw",
            group_item_title=f"Draw ({away.full} vs. {home.full})",
            market_type="moneyline",
            **common,
        )
    else:
        moneyline = b.poly(
            poly_title,
            ev,
            poly_title,
            (away.nick, home.nick),
            (cat, league, game, "both", "winner"),
            close,
            slug=slug,
            market_type="moneyline",
            **common,
        )
        poly_win = {away.code: moneyline, home.code: moneyline}
    lines = {
        "basketball": (3.5, 225.5, 10.0),
        "football": (3.5, 44.5, 3.0),
        "baseball": (1.5, 8.5, 1.0),
        "hockey": (1.5, 5.5, 1.0),
        "soccer": (1.5, 2.5, 1.0),
    }
    spread, total, step = lines[sport]
    spreads: list[tuple[float, Team, str]] = []
    for k in range(b.rng.randint(1, 3)):
        line = spread + k * step
        fav = home if k % 2 == 0 else away
        other = away if fav is home else home
        pid = b.poly(
            f"Spread: {fav.nick if not soccer else fav.full} (-{line})",
            ev,
            poly_title,
            (fav.nick if not soccer else fav.full, other.nick if not soccer else other.full),
            (cat, league, game, f"{fav.code}{line}", "spread"),
            close,
            slug=f"{slug}-spread-{k}",
            market_type="spreads",
            line=-line,
            group_item_title=f"Spread -{line}",
            **common,
        )
        spreads.append((line, fav, pid))
    totals: dict[float, str] = {}
    for k in range(b.rng.randint(1, 3)):
        line = total + k * step
        totals[line] = b.poly(
            f"{poly_title}: O/U {line}",
            ev,
            poly_title,
            ("Over", "Under"),
            (cat, league, game, f"o{line}", "total"),
            close,
            slug=f"{slug}-total-{k}",
            market_type="totals",
            line=line,
            group_item_title=f"O/U {line}",
            **common,
        )
    for _ in range(b.rng.randint(0, 6) if sport != "soccer" else b.rng.randint(0, 2)):
        player = b.person()
        stat = (
            b.rng.choice(("Points", "Rebounds", "Assists"))
            if sport == "basketball"
            else (b.rng.choice(("Hits", "Strikeouts")) if sport == "baseball" else "Goals")
        )
        line = b.rng.choice((0.5, 1.5, 2.5, 5.5, 9.5, 19.5))
        b.poly(
            f"{player}: {stat} Over {line}",
            ev,
            poly_title,
            None,
            (cat, league, game, player, "prop"),
            close,
            slug=f"{slug}-{stat.lower()}-{player.lower().replace(' ', '-')}",
            market_type=stat.lower(),
            line=line,
            group_item_title=f"{stat} O/U {line}",
            **common,
        )
    if not both:
        return
    sides: list[Team | None] = [away, home, None] if soccer else [away, home]
    for side in sides:
        code = side.code if side else "TIE"
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"{k_title} Winner?",
            k_title,
            side.city if side else "Tie",
            (cat, league, game, code if side else "draw", "winner"),
            k_close,
        )
        if code in poly_win:
            b.same(poly_win[code], kid, "game winner")
    for line, fav, pid in spreads:
        k_series = f"{series}SPREAD-{ticker_day(day)}{away.code}{home.code}"
        kid = b.kalshi(
            f"{k_series}-{fav.code}{int(line + 0.5)}",
            k_series,
            f"{fav.city} wins by over {line} {'Points' if sport != 'soccer' else 'goals'}?",
            f"{k_title}: Spread",
            f"{fav.city} wins by over {line}",
            (cat, league, game, f"{fav.code}{line}", "spread"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
        b.same(pid, kid, "game spread")
    extra = [total + step * k for k in range(-2, 5) if total + step * k not in totals]
    for line in b.rng.sample(extra, 3):
        k_series = f"{series}TOTAL-{ticker_day(day)}{away.code}{home.code}"
        b.kalshi(
            f"{k_series}-{int(line + 0.5)}",
            k_series,
            f"{k_title}: Total Points",
            f"{k_title}: Total Points",
            f"Over {line} points scored",
            (cat, league, game, f"o{line}", "total"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
    for line, pid in totals.items():
        k_series = f"{series}TOTAL-{ticker_day(day)}{away.code}{home.code}"
        unit = {
            "basketball": "points",
            "football": "points",
            "baseball": "runs",
            "hockey": "goals",
            "soccer": "goals",
        }[sport]
        kid = b.kalshi(
            f"{k_series}-{int(line + 0.5)}",
            k_series,
            f"{k_title}: Total {unit.title()}",
            f"{k_title}: Total {unit.title()}",
            f"Over {line} {unit} scored",
            (cat, league, game, f"o{line}", "total"),
            k_close,
            floor_strike=line,
            line=line,
            strike_type="greater",
        )
        b.same(pid, kid, "game total")


def tennis(b: Builder, day: date, players: list[str], both: bool) -> None:
    """A tennis match between two people (names the alias tables do not know)."""
    one, two = b.rng.sample(players, 2)
    match = f"tennis:{day}:{one}:{two}"
    ev = b.event()
    start = at(day, b.rng.choice((9, 11, 13, 15)))
    title = f"ATP: {one} vs. {two}"
    pid = b.poly(
        title,
        ev,
        title,
        (one, two),
        ("sports", "atp", match, "both", "winner"),
        start + timedelta(hours=3),
        event_start=start,
        market_type="moneyline",
        event_slug=f"atp-{one.split()[1].lower()}-{two.split()[1].lower()}-{day.isoformat()}",
    )
    if not both:
        return
    codes = (one.split()[1][:3].upper(), two.split()[1][:3].upper())
    k_event = f"KXATPMATCH-{ticker_day(day)}{codes[0]}{codes[1]}"
    for name, code in zip((one, two), codes, strict=True):
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"Will {name} win the {one.split()[1]} vs {two.split()[1]} match?",
            f"{one.split()[1]} vs {two.split()[1]}",
            name,
            ("sports", "atp", match, name, "winner"),
            start + timedelta(days=7),
        )
        b.same(pid, kid, "tennis match")


def futures(b: Builder, league: str, teams: list[Team]) -> None:
    """A league champion market per team on both venues (a contest with many entrants)."""
    series = LEAGUES[league][0]
    name = {
        "england": "Premier League",
        "spain": "La Liga",
        "italy": "Serie A",
        "germany": "Bundesliga",
        "france": "Ligue 1",
    }.get(league, league.upper())
    ev = b.event()
    contest = f"champion:{league}"
    k_event = f"{series}-26"
    close = at(date(2026, 12, 31))
    for team in teams:
        pid = b.poly(
            f"Will the {team.full} win the 2026 {name} Championship?",
            ev,
            f"{name} Champion 2026",
            None,
            ("sports", league, contest, team.code, "winner"),
            close,
            group_item_title=team.full,
            neg_risk=True,
        )
        if b.rng.random() < 0.85:
            kid = b.kalshi(
                f"{k_event}-{team.code}",
                k_event,
                f"Will {team.full} win the {name} title?",
                f"{name} Champion?",
                team.full,
                ("sports", league, contest, team.code, "winner"),
                close,
            )
            b.same(pid, kid, "league champion")
