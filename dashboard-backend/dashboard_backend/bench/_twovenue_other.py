"""Contests, races, crypto and propositions of the synthetic two-venue catalog (`_twovenue.py`)."""

from __future__ import annotations

from datetime import date, timedelta

from dashboard_backend.bench._twovenue_base import (
    ASSETS,
    AWARDS,
    PARTIES,
    PROPOSITIONS,
    Builder,
    at,
    ticker_day,
)
from dashboard_backend.matching.dates import month_end


def award(b: Builder, index: int) -> None:
    """A contest with many entrants on both venues (overlapping entrant lists)."""
    poly_name, kalshi_name, series, sport = AWARDS[index % len(AWARDS)]
    year = 2026 + (index // len(AWARDS)) % 4
    contest = f"award:{series}:{year}"
    ev = b.event()
    k_event = f"{series}-{year % 100}"
    entrants = sorted({b.person() for _ in range(b.rng.randint(12, 40))})
    close = at(date(year, 12, 15))
    cat = "sports" if sport not in ("culture",) else "culture"
    for name in entrants:
        on_poly, on_kalshi = b.rng.random() < 0.9, b.rng.random() < 0.8
        pid = kid = ""
        if on_poly:
            pid = b.poly(
                f"Will {name} win the {year} {poly_name}?",
                ev,
                f"{year} {poly_name} Winner",
                None,
                (cat, series, contest, name, "winner"),
                close,
                group_item_title=name,
                neg_risk=True,
            )
        if on_kalshi:
            code = "".join(w[:2] for w in name.split()).upper()
            kid = b.kalshi(
                f"{k_event}-{code}",
                k_event,
                f"Will {name} win {kalshi_name}?",
                f"{kalshi_name} Winner?",
                name,
                (cat, series, contest, name, "winner"),
                close + timedelta(days=5),
            )
        if pid and kid:
            b.same(pid, kid, "award")


def house(b: Builder, state: str, seat: int) -> None:
    """A House race: parties on both venues, named candidates on Polymarket."""
    district = f"{state}-{seat:02d}"
    race = f"house:{district}"
    ev = b.event()
    k_event = f"KXHOUSERACE-{state}{seat:02d}-26"
    close = at(date(2026, 11, 3))
    for full, short, code in PARTIES:
        pid = b.poly(
            f"Will the {full} win the {district} House seat?",
            ev,
            f"{district} House Election Winner",
            None,
            ("politics", "house", race, code, "winner"),
            close,
            group_item_title=full,
            neg_risk=True,
        )
        kid = b.kalshi(
            f"{k_event}-{code}",
            k_event,
            f"Will {short} win the House race for {district}?",
            f"{district} House winner?",
            short,
            ("politics", "house", race, code, "winner"),
            close + timedelta(days=30),
        )
        b.same(pid, kid, "house race")
    b.poly(
        f"Will another party win the {district} House seat?",
        ev,
        f"{district} House Election Winner",
        None,
        ("politics", "house", race, "other", "winner"),
        close,
        group_item_title="Other",
        neg_risk=True,
    )


def candles(b: Builder, asset: int, day: date, count: int) -> None:
    """Polymarket up/down candles of one asset on one day (hourly, then 15-minute windows)."""
    name, code, _, _ = ASSETS[asset]
    for k in range(count):
        minutes = k * (60 if count <= 24 else 15)
        start = at(day) + timedelta(minutes=minutes)
        et = start - timedelta(hours=4)
        clock = f"{(et.hour - 1) % 12 + 1}:{et.minute:02d}{'AM' if et.hour < 12 else 'PM'}"
        if count <= 24:
            label = f"{et.strftime('%B')} {et.day}, {clock.replace(':00', '')} ET"
        else:
            end = et + timedelta(minutes=15)
            clock2 = f"{(end.hour - 1) % 12 + 1}:{end.minute:02d}{'AM' if end.hour < 12 else 'PM'}"
            label = f"{et.strftime('%B')} {et.day}, {clock}-{clock2} ET"
        title = f"{name} Up or Down - {label}"
        ev = b.event()
        b.poly(
            title,
            ev,
            title,
            ("Up", "Down"),
            ("crypto", f"candle:{code}", f"candle:{code}:{day}", str(k), "up"),
            start + timedelta(minutes=15),
            event_start=start,
            slug=f"{code.lower()}-updown-{int(start.timestamp())}",
        )


def ladder(b: Builder, asset: int, month: int, year: int) -> None:
    """Monthly reach / dip ladders of one asset on both venues."""
    name, code, level, step = ASSETS[asset]
    month_name = date(year, month, 1).strftime("%B")
    last = month_end(year, month)
    close = at(last, 23, 59)
    for kind, sign, series in (("reach", 1, "MAXMON"), ("dip to", -1, "MINMON")):
        ev = b.event()
        k_event = f"KX{code}{series}-{code}-{ticker_day(last)}"
        subject = f"ladder:{code}:{year}-{month}:{kind}"
        for k in range(1, b.rng.randint(5, 9)):
            strike = level + sign * k * step
            shown = f"{strike:,.0f}" if strike >= 100 else f"{strike:g}"
            pid = b.poly(
                f"Will {name} {kind} ${shown} in {month_name} {year}?",
                ev,
                f"What price will {name} hit in {month_name}?",
                None,
                ("crypto", f"ladder:{code}", subject, shown, kind),
                close,
                group_item_title=f"{'↑' if sign > 0 else '↓'} ${shown}",
                neg_risk=False,
            )
            kid = b.kalshi(
                f"{k_event}-{round(strike * 100)}",
                k_event,
                f"Will {name} {kind} ${shown} in {last.strftime('%B')} {year}?",
                f"{name} {'maximum' if sign > 0 else 'minimum'} price in {month_name} {year}",
                f"{'Above' if sign > 0 else 'Below'} ${shown}",
                ("crypto", f"ladder:{code}", subject, shown, kind),
                close,
                floor_strike=strike,
                strike_type="greater" if sign > 0 else "less",
            )
            b.same(pid, kid, "price ladder")


def proposition(b: Builder, index: int) -> None:
    """A proposition with a deadline ladder on Polymarket and some of its deadlines on Kalshi."""
    poly_text, _, series = PROPOSITIONS[index % len(PROPOSITIONS)]
    who = b.person()
    subject = f"prop:{series}:{who}"
    ev = b.event()
    deadlines = sorted(
        {date(2026, m, 1) - timedelta(days=1) for m in b.rng.sample(range(6, 13), 3)}
    )
    for deadline in deadlines:
        when = f"{deadline.strftime('%B')} {deadline.day}, {deadline.year}"
        pid = b.poly(
            f"Will {poly_text.format(p=who)} by {when}?",
            ev,
            f"Will {poly_text.format(p=who)} by ...?",
            None,
            ("politics", series, subject, str(deadline), "by"),
            at(deadline, 23, 59),
            group_item_title=f"{deadline.strftime('%B')} {deadline.day}",
        )
        if b.rng.random() < 0.6:
            initials = "".join(w[0] for w in who.split()).upper()
            k_event = f"{series}{initials}{index}-{ticker_day(deadline)}"  # one per proposition
            kid = b.kalshi(
                k_event,
                k_event,
                f"Will {poly_text.format(p=who)} by "
                f"{deadline.strftime('%b')} {deadline.day}, {deadline.year}?",
                f"{who}: {series[2:].title()} by {deadline.strftime('%b')} {deadline.day}?",
                "",
                ("politics", series, subject, str(deadline), "by"),
                at(deadline, 23, 59),
            )
            b.same(pid, kid, "proposition")


def daily_ladder(b: Builder, asset: int, day: date) -> None:
    """An asset's price at 5 PM ET on a day, as strikes on both venues."""
    name, code, level, step = ASSETS[asset]
    ev = b.event()
    k_event = f"KX{code}D-{ticker_day(day)}17"
    subject = f"daily:{code}:{day}"
    when = f"{day.strftime('%B')} {day.day}"
    center = level + step * b.rng.randint(-3, 3)
    for k in range(-4, 5):
        strike = center + k * step / 2
        shown = f"{strike:,.0f}" if strike >= 100 else f"{strike:g}"
        pid = b.poly(
            f"Will the price of {name} be above ${shown} on {when} at 5PM ET?",
            ev,
            f"{name} above ___ on {when}?",
            None,
            ("crypto", f"daily:{code}", subject, shown, "above"),
            at(day, 21),
            group_item_title=f"{shown}",
        )
        if b.rng.random() < 0.9:
            kid = b.kalshi(
                f"{k_event}-T{strike:g}",
                k_event,
                f"Will the {name} price be above ${shown} on {when}, {day.year} at 5pm EDT?",
                f"{name} price on {when}, {day.year} at 5pm EDT?",
                f"${shown} or above",
                ("crypto", f"daily:{code}", subject, shown, "above"),
                at(day, 21),
                floor_strike=strike,
                strike_type="greater",
            )
            b.same(pid, kid, "daily price")
