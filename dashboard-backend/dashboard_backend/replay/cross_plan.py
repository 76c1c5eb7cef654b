"""The same NBA games on both stand-in venues, priced as one market, with planted cross-venue
arbitrage and decoys (pure: it only edits the books and datasets it is given).

The recordings hold both venues' raw events for the same NBA games: a Kalshi game event
(`KXNBAGAME-26JAN08MIACHI`, one YES/NO market per team) and a Polymarket event (`nba-mia-chi-
2026-01-08`: a moneyline market whose outcomes name the teams in slug order, and spread markets
"Spread: Heat (-6.5)"). Left alone, the Kalshi stand-in prices a game by seed and Polymarket by
its recording, which disagree and would show accidental "arbitrage" on most games. Instead:

- every matched game's Kalshi books copy the Polymarket moneyline (a team's YES bids are that
  team's outcome bids, its NO bids mirror the outcome's asks) — or, on a game the Kalshi stand-in
  priced as its own buy-all arbitrage, the moneyline is fitted around Kalshi's books — and each
  spread market's covering side is bid below Kalshi's price of that team's win: no trade across
  the venues pays;
- a few games are then priced with genuine arbitrage (`ARBITRAGE_ROLES`): Kalshi YES + the other
  team on Polymarket, Kalshi NO + the same team on Polymarket, a spread whose underdog side is
  cheap against Kalshi's winner market (a subset, and the exclusive pair beside it), and an
  exhaustive outcome set (a synthetic Polymarket negRisk event "who wins", one market per team)
  bought where each team is cheapest;
- and a few with decoys (`DECOY_ROLES`) that only a mistake would report: polarity inverted (the
  same team on both venues looks cheap), a subset in the wrong direction (Kalshi NO on the team +
  its spread), an edge only at the top of a book for fewer contracts than Polymarket's minimum
  order, a stale Polymarket book (the venue serves an hour-old copy and never streams it), and an
  outcome set whose Polymarket event is augmented with an implicit "Other".

Every planted market is promoted among the most active (so `make demo`'s top-N poll sees it), and
every matched game's markets (both venues) are kept out of the websocket scripts: moving one
venue's side of a game would open trades nobody planted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dashboard_backend.replay.books import BookStore, OrderBook, now_ms, wire_number
from dashboard_backend.replay.dataset import Dataset, Raw, market_tokens, parse_str_list, to_float
from dashboard_backend.replay.kalshi_data import KalshiBook, KalshiDataset

CENT = Decimal("0.01")
ONE = Decimal(1)
STALE_MS = 3_600_000  # how old the stale decoy's copy is when the stand-in starts
PROMOTED_VOLUME = 5_000_000.0  # volume24hr of planted Polymarket markets (among the most active)

ARBITRAGE_ROLES = ("yes_other", "no_same", "subset", "outcome_set")
DECOY_ROLES = ("polarity", "min_size", "stale", "wrong_subset", "augmented")
SPREAD_ROLES = frozenset({"subset", "wrong_subset"})

_SLUG = re.compile(r"^nba-([a-z]{2,4})-([a-z]{2,4})-(\d{4})-(\d{2})-(\d{2})$")
_KALSHI = re.compile(r"^KXNBAGAME-(\d{2})([A-Z]{3})(\d{2})([A-Z]{3})([A-Z]{3})$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SPREAD = re.compile(r"^Spread:\s*(?P<side>.+?)\s*\((?P<line>[-+]\d+(?:\.\d+)?)\)$")


@dataclass
class Game:
    """One NBA game listed on both venues."""

    ticker: str  # Kalshi event ticker
    codes: tuple[str, str]  # (away, home), Kalshi's team codes
    kalshi: dict[str, str]  # team code -> Kalshi market ticker (YES: that team wins)
    moneyline: Raw  # the Polymarket moneyline market
    tokens: dict[str, str]  # team code -> Polymarket token of the outcome naming that team
    names: dict[str, str]  # team code -> Polymarket outcome name ("Heat")
    event: Raw  # the Polymarket event
    spreads: list[tuple[Raw, str]] = field(
        default_factory=list
    )  # (market, code of the line's side)


@dataclass
class CrossPlan:
    """What was planted where (Kalshi event tickers by role), for logs and tests."""

    roles: dict[str, str] = field(default_factory=dict)
    games: int = 0  # matched games priced as one market
    frozen_tokens: frozenset[str] = frozenset()  # Polymarket tokens served as a stale copy
    unscripted: frozenset[str] = frozenset()  # Polymarket markets the websocket script leaves alone
    kalshi_unscripted: frozenset[str] = frozenset()  # Kalshi tickers its script leaves alone
    synthetic_events: tuple[str, ...] = ()  # Polymarket event ids added ("who wins" events)


def _h(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _kalshi_key(ticker: str) -> tuple[str, str, str] | None:
    m = _KALSHI.match(ticker)
    if m is None:
        return None
    return (
        f"20{m.group(1)}-{_MONTHS.index(m.group(2)) + 1:02d}-{m.group(3)}",
        m.group(4),
        m.group(5),
    )


def find_games(dataset: Dataset, kalshi: KalshiDataset) -> list[Game]:
    """Every NBA game with a Kalshi game event and a Polymarket moneyline, by Kalshi ticker."""
    by_key: dict[tuple[str, str, str], Raw] = {}
    for event in kalshi.events:
        key = _kalshi_key(str(event.get("event_ticker", "")))
        if key is not None and len(event["markets"]) == 2:
            by_key[(key[0], key[1].lower(), key[2].lower())] = event
    games: dict[str, Game] = {}
    for event in dataset.events:
        for market in event["markets"]:
            game = _game(event, market, by_key)
            if game is not None:
                games[game.ticker] = game
    return [games[t] for t in sorted(games)]


def _game(event: Raw, market: Raw, kalshi: Mapping[tuple[str, str, str], Raw]) -> Game | None:
    slug = _SLUG.match(str(market.get("slug") or ""))
    tokens = market_tokens(market)
    names = parse_str_list(market.get("outcomes")) or []
    if market.get("sportsMarketType") != "moneyline" or slug is None or len(tokens) != 2:
        return None
    day = f"{slug.group(3)}-{slug.group(4)}-{slug.group(5)}"
    k_event = kalshi.get((day, slug.group(1), slug.group(2)))
    if k_event is None or len(names) != 2:
        return None
    ticker = str(k_event["event_ticker"])
    key = _kalshi_key(ticker)
    assert key is not None
    codes = (key[1], key[2])
    by_code = {str(m["ticker"]).rsplit("-", 1)[1]: str(m["ticker"]) for m in k_event["markets"]}
    if set(by_code) != set(codes):
        return None
    # Polymarket lists the outcomes in slug order: away team first.
    game = Game(
        ticker=ticker,
        codes=codes,
        kalshi=by_code,
        moneyline=market,
        tokens=dict(zip(codes, tokens, strict=True)),
        names=dict(zip(codes, names, strict=True)),
        event=event,
    )
    for other in event["markets"]:
        spread = _SPREAD.match(str(other.get("question") or ""))
        outcomes = parse_str_list(other.get("outcomes")) or []
        if other.get("sportsMarketType") != "spreads" or spread is None or len(outcomes) != 2:
            continue
        side = spread.group("side")
        if not spread.group("line").startswith("-"):
            continue  # the line belongs to the other side: not needed here
        code = next((c for c in codes if game.names[c] == side), None)
        if code is not None and side in outcomes and len(market_tokens(other)) == 2:
            game.spreads.append((other, code))
    return game


# --- books ------------------------------------------------------------------------------------


def _ladder(best: Decimal, step: Decimal, sizes: Sequence[int]) -> dict[Decimal, Decimal]:
    out: dict[Decimal, Decimal] = {}
    price = best
    for size in sizes:
        if not CENT <= price <= ONE - CENT:
            break
        out[price] = Decimal(size)
        price += step
    return out


DEPTH = (250, 400, 600, 900)


def set_binary(
    store: BookStore,
    market: Raw,
    tokens: tuple[str, str],
    bid: Decimal,
    ask: Decimal,
    sizes: Sequence[int] = DEPTH,
) -> None:
    """Polymarket books of a binary market: the first token at bid/ask, the second mirroring it."""
    first = OrderBook(
        market=str(market.get("conditionId") or ""),
        asset_id=tokens[0],
        bids=_ladder(bid, -CENT, sizes),
        asks=_ladder(ask, CENT, sizes),
        tick_size="0.01",
        min_order_size=wire_number(Decimal(str(to_float(market.get("orderMinSize")) or 5))),
        neg_risk=market.get("negRisk") is True,
    )
    second = OrderBook(
        market=first.market,
        asset_id=tokens[1],
        bids={ONE - p: s for p, s in first.asks.items()},
        asks={ONE - p: s for p, s in first.bids.items()},
        tick_size=first.tick_size,
        min_order_size=first.min_order_size,
        neg_risk=first.neg_risk,
    )
    store.put(first)
    store.put(second)


def set_kalshi(
    book: KalshiBook, yes_bid: Decimal, yes_ask: Decimal, sizes: Sequence[int] = DEPTH
) -> None:
    """A Kalshi market's bids: YES bids from `yes_bid` down, NO bids from 1 − `yes_ask` down."""
    book.yes = _ladder(yes_bid, -CENT, sizes)
    book.no = _ladder(ONE - yes_ask, -CENT, sizes)


def mirror_moneyline(game: Game, store: BookStore, kalshi: Mapping[str, KalshiBook]) -> bool:
    """Kalshi's books of the game copy the Polymarket moneyline's (False when a book is missing)."""
    pairs = [(store.get(game.tokens[c]), kalshi.get(game.kalshi[c])) for c in game.codes]
    for source, target in pairs:
        if source is None or target is None:
            return False
    for source, target in pairs:
        if source is None or target is None:
            continue
        target.yes = {p: s.quantize(CENT) for p, s in source.bids.items() if s >= 1}
        target.no = {ONE - p: s.quantize(CENT) for p, s in source.asks.items() if s >= 1}
    return True


def fit_moneyline(game: Game, store: BookStore, kalshi: Mapping[str, KalshiBook]) -> bool:
    """The Polymarket moneyline fitted around Kalshi's books (for a game the Kalshi stand-in
    priced as a buy-all arbitrage of its own): no trade across the venues pays.

    With Kalshi YES asks a (away) and b (home), a + b < 1, the away outcome is bid at a − 1¢ and
    offered at 1 − b + 1¢: Kalshi's cheap YES on either team meets a dear opposite outcome.
    """
    away, home = game.codes
    a, b = (_yes_ask(kalshi.get(game.kalshi[c])) for c in game.codes)
    if a is None or b is None:
        return False
    set_binary(
        store, game.moneyline, (game.tokens[away], game.tokens[home]), a - CENT, ONE - b + CENT
    )
    return True


def _yes_ask(book: KalshiBook | None) -> Decimal | None:
    return ONE - max(book.no) if book is not None and book.no else None


def _yes_bid(book: KalshiBook | None) -> Decimal | None:
    return max(book.yes) if book is not None and book.yes else None


def cap_spreads(
    game: Game,
    store: BookStore,
    kalshi: Mapping[str, KalshiBook],
    keep: frozenset[str] = frozenset(),
) -> None:
    """Keep each spread's covering side below what Kalshi asks for that team's win.

    Covering the line implies winning and rules out the other team's win, so the other side
    offered below 1 − Kalshi's YES ask for the team (or 1 − its NO ask for the other team) would
    be an arbitrage against Kalshi's winner markets; a recording taken at another moment can show
    one. Markets in `keep` (planted on purpose) are left as they are.
    """
    for market, code in game.spreads:
        if str(market["id"]) in keep:
            continue
        other = next(c for c in game.codes if c != code)
        win_ask = _yes_ask(kalshi.get(game.kalshi[code]))
        other_bid = _yes_bid(kalshi.get(game.kalshi[other]))
        caps = [c for c in (win_ask, ONE - other_bid if other_bid is not None else None) if c]
        tokens = market_tokens(market)
        names = parse_str_list(market.get("outcomes")) or []
        side = names.index(game.names[code])
        cover, against = store.get(tokens[side]), store.get(tokens[1 - side])
        bid = cover.best_bid() if cover is not None else None
        ask = against.best_ask() if against is not None else None
        if not caps or (
            (bid is None or bid < min(caps) - CENT) and (ask is None or ask > ONE - min(caps))
        ):
            continue
        new_bid = max(CENT, min(caps) - 3 * CENT)
        set_binary(store, market, (tokens[side], tokens[1 - side]), new_bid, new_bid + 2 * CENT)


# --- roles --------------------------------------------------------------------------------------


def _quotes(role: str) -> tuple[tuple[Decimal, Decimal], dict[str, tuple[Decimal, Decimal]]]:
    """(Polymarket away-team bid/ask, Kalshi YES bid/ask by 'away'/'home') of a two-market role."""
    d = Decimal
    table = {
        # Kalshi away YES 0.40 + Polymarket home 0.54 = 0.94 for the first 250 sets.
        "yes_other": (
            (d("0.46"), d("0.48")),
            {"away": (d("0.38"), d("0.40")), "home": (d("0.52"), d("0.62"))},
        ),
        # Kalshi away NO 1 − 0.58 = 0.42 + Polymarket away 0.52 = 0.94.
        "no_same": (
            (d("0.50"), d("0.52")),
            {"away": (d("0.58"), d("0.60")), "home": (d("0.40"), d("0.50"))},
        ),
        # Same team on both venues 0.46 + 0.46 = 0.92: no hedge, whatever the outcome order says.
        "polarity": (
            (d("0.44"), d("0.46")),
            {"away": (d("0.44"), d("0.46")), "home": (d("0.54"), d("0.56"))},
        ),
        # The arbitrage of yes_other, on a book Polymarket serves an hour old.
        "stale": (
            (d("0.46"), d("0.48")),
            {"away": (d("0.38"), d("0.40")), "home": (d("0.52"), d("0.62"))},
        ),
    }
    return table[role]


def plant_pair(role: str, game: Game, store: BookStore, kalshi: Mapping[str, KalshiBook]) -> None:
    """The two-market roles: both venues' books of the game."""
    (bid, ask), k = _quotes(role)
    away, home = game.codes
    set_binary(store, game.moneyline, (game.tokens[away], game.tokens[home]), bid, ask)
    set_kalshi(kalshi[game.kalshi[away]], *k["away"])
    set_kalshi(kalshi[game.kalshi[home]], *k["home"])


def plant_min_size(game: Game, store: BookStore, kalshi: Mapping[str, KalshiBook]) -> None:
    """Kalshi away YES at 0.38 for 3 contracts, then 0.48: with Polymarket home at 0.56 the first
    3 sets pay, fewer than Polymarket's 5-share minimum order; none after."""
    away, home = game.codes
    set_binary(
        store,
        game.moneyline,
        (game.tokens[away], game.tokens[home]),
        Decimal("0.44"),
        Decimal("0.46"),
    )
    thin = kalshi[game.kalshi[away]]
    thin.yes = _ladder(Decimal("0.36"), -CENT, DEPTH)
    thin.no = {Decimal("0.62"): Decimal(3), **_ladder(Decimal("0.52"), -CENT, DEPTH)}
    set_kalshi(kalshi[game.kalshi[home]], Decimal("0.52"), Decimal("0.64"))


def plant_spread(role: str, game: Game, store: BookStore, kalshi: Mapping[str, KalshiBook]) -> Raw:
    """A spread role on the game's first spread market; returns it.

    subset: the line's team F wins at 0.55/0.57 on both venues, but the spread sells F's
    opponent covering at 0.36 (F covering bid at 0.64, above F winning): Kalshi F YES + the
    spread's other side = 0.93, and Kalshi's other team NO + the same = 0.93 (exclusive).
    wrong_subset: consistent prices (F wins 0.58/0.60, covers 0.33/0.35): Kalshi F NO + F covering
    = 0.77 looks cheap but loses when F wins by less than the line.
    """
    market, code = game.spreads[0]
    other = next(c for c in game.codes if c != code)
    win = (
        (Decimal("0.55"), Decimal("0.57"))
        if role == "subset"
        else (Decimal("0.58"), Decimal("0.60"))
    )
    cover = (
        (Decimal("0.64"), Decimal("0.66"))
        if role == "subset"
        else (Decimal("0.33"), Decimal("0.35"))
    )
    set_binary(store, game.moneyline, (game.tokens[code], game.tokens[other]), *win)
    set_kalshi(kalshi[game.kalshi[code]], *win)
    set_kalshi(kalshi[game.kalshi[other]], ONE - win[1], ONE - win[0] + 2 * CENT)
    tokens = market_tokens(market)
    names = parse_str_list(market.get("outcomes")) or []
    side = names.index(game.names[code])
    set_binary(store, market, (tokens[side], tokens[1 - side]), *cover)
    return market


# --- synthetic "who wins" negRisk events ---------------------------------------------------------


def who_wins_event(game: Game, augmented: bool) -> Raw:
    """A Polymarket negRisk event "X vs. Y: who wins?" with one Yes/No market per team, made from
    the recorded moneyline (its game, dates, category and tags)."""
    base = game.moneyline
    event_id = f"9{_h('who-wins', game.ticker) % 10**8:08d}"
    title = f"{game.names[game.codes[0]]} vs. {game.names[game.codes[1]]}: who wins?"
    slug = f"{base.get('slug')}-who-wins"
    neg_risk_id = "0x" + hashlib.sha256(slug.encode()).hexdigest()
    ref = {"id": event_id, "slug": slug, "title": title, "negRiskAugmented": augmented}
    markets: list[Raw] = []
    for n, code in enumerate(game.codes):
        opponent = game.names[game.codes[1 - n]]
        name = game.names[code]
        market_id = f"{event_id}{n + 1}"
        digest = hashlib.sha256(f"{slug}:{code}".encode()).hexdigest()
        markets.append(
            {
                **{
                    k: v for k, v in base.items() if k not in ("events", "clobTokenIds", "outcomes")
                },
                "id": market_id,
                "question": f"Will the {name} beat the {opponent}?",
                "slug": f"{slug}-{code.lower()}",
                "conditionId": "0x" + digest,
                "questionID": "0x" + digest[::-1],
                "outcomes": json.dumps(["Yes", "No"]),
                "outcomePrices": json.dumps(["0.5", "0.5"]),
                "clobTokenIds": json.dumps(
                    [str(int(digest[:30], 16)), str(int(digest[30:60], 16))]
                ),
                "groupItemTitle": name,
                "sportsMarketType": None,
                "negRisk": True,
                "negRiskMarketID": neg_risk_id,
                "negRiskAugmented": augmented,
                "volume24hr": PROMOTED_VOLUME,
                "events": [ref],
            }
        )
    event = {**{k: v for k, v in game.event.items() if k != "markets"}, **ref}
    event.update({"negRisk": True, "negRiskMarketID": neg_risk_id, "markets": markets})
    return event


def plant_outcome_set(
    augmented: bool, game: Game, event: Raw, store: BookStore, kalshi: Mapping[str, KalshiBook]
) -> None:
    """Books of a game and its "who wins" event.

    Genuine (not augmented): away YES on Polymarket 0.40 + home YES on Kalshi 0.50 = 0.90, and no
    two-market trade pays. Augmented decoy: YES on both teams on Polymarket at 0.46 each = 0.92,
    normal when an unlisted "Other" can win, with Kalshi's books wide around 0.50.
    """
    d = Decimal
    away, home = game.codes
    members = {m["groupItemTitle"]: m for m in event["markets"]}
    quotes = (
        {
            "away": ((d("0.44"), d("0.46")), (d("0.44"), d("0.56"))),
            "home": ((d("0.44"), d("0.46")), (d("0.44"), d("0.56"))),
        }
        if augmented
        else {
            "away": ((d("0.38"), d("0.40")), (d("0.38"), d("0.58"))),
            "home": ((d("0.48"), d("0.64")), (d("0.40"), d("0.50"))),
        }
    )
    moneyline = (d("0.44"), d("0.56")) if augmented else (d("0.38"), d("0.52"))
    set_binary(store, game.moneyline, (game.tokens[away], game.tokens[home]), *moneyline)
    for side, code in (("away", away), ("home", home)):
        (pm_bid, pm_ask), (k_bid, k_ask) = quotes[side]
        market = members[game.names[code]]
        set_binary(store, market, tuple(market_tokens(market)), pm_bid, pm_ask)  # type: ignore[arg-type]
        set_kalshi(kalshi[game.kalshi[code]], k_bid, k_ask)


# --- the plan -----------------------------------------------------------------------------------


def _kalshi_event_planted(game: Game, kalshi: Mapping[str, KalshiBook]) -> bool:
    """Whether the Kalshi stand-in planted a buy-all arbitrage on this game (Σ YES asks < 1)."""
    total = Decimal(0)
    for ticker in game.kalshi.values():
        book = kalshi.get(ticker)
        no_bid = max(book.no) if book is not None and book.no else None
        if no_bid is None:
            return False
        total += ONE - no_bid
    return total < ONE


def plant_cross(
    dataset: Dataset,
    store: BookStore,
    kalshi: KalshiDataset,
    seed: int = 0,
    keep: frozenset[str] = frozenset(),
) -> CrossPlan:
    """Price every matched game as one market and plant the roles (see the module docstring).

    Markets in `keep` (the single-venue arbitrage the stand-in planted) keep their books. Adds
    the synthetic "who wins" events to `dataset` (markets, events and their indexes).
    """
    games = find_games(dataset, kalshi)
    fitted = [g for g in games if _kalshi_event_planted(g, kalshi.books)]
    plan = CrossPlan(games=len(games))
    # Roles go to games no single-venue plant touches, so each game tells one story.
    free = [g for g in games if g not in fitted and not keep & _market_ids(g)]
    order = sorted(free, key=lambda g: _h(seed, "cross", g.ticker))
    with_spread = [g for g in order if g.spreads]
    without = [g for g in order if not g.spreads]
    assigned: dict[str, Game] = {}
    for role in (*ARBITRAGE_ROLES, *DECOY_ROLES):
        pool = with_spread if role in SPREAD_ROLES else (without or with_spread)
        if not pool:
            break
        assigned[role] = pool.pop(0)
    unscripted: set[str] = set()
    frozen: set[str] = set()
    added: list[Raw] = []
    for game in games:
        # Kalshi's books stand still: the script moving one venue's side would open trades.
        unscripted.add(str(game.moneyline["id"]))
        unscripted.update(str(market["id"]) for market, _ in game.spreads)
        if game in assigned.values():
            continue
        if game in fitted:
            fit_moneyline(game, store, kalshi.books)
        else:
            mirror_moneyline(game, store, kalshi.books)
        cap_spreads(game, store, kalshi.books, keep)
    for role, game in assigned.items():
        plan.roles[role] = game.ticker
        game.moneyline["volume24hr"] = PROMOTED_VOLUME
        if role in ("yes_other", "no_same", "polarity", "stale"):
            plant_pair(role, game, store, kalshi.books)
        elif role == "min_size":
            plant_min_size(game, store, kalshi.books)
        elif role in SPREAD_ROLES:
            spread = plant_spread(role, game, store, kalshi.books)
            spread["volume24hr"] = PROMOTED_VOLUME
            unscripted.add(str(spread["id"]))
            cap_spreads(game, store, kalshi.books, keep | {str(spread["id"])})
        else:
            event = who_wins_event(game, augmented=role == "augmented")
            added.append(event)
            _add_event(dataset, event)
            plant_outcome_set(role == "augmented", game, event, store, kalshi.books)
            unscripted.update(str(m["id"]) for m in event["markets"])
        if role == "stale":
            old = now_ms() - STALE_MS
            for token in game.tokens.values():
                book = store.get(token)
                if book is not None:
                    book.timestamp = old
                    frozen.add(token)
    plan.frozen_tokens = frozenset(frozen)
    plan.unscripted = frozenset(unscripted)
    plan.kalshi_unscripted = frozenset(t for g in games for t in g.kalshi.values())
    plan.synthetic_events = tuple(str(e["id"]) for e in added)
    return plan


def _market_ids(game: Game) -> set[str]:
    return {str(game.moneyline["id"]), *(str(m["id"]) for m, _ in game.spreads)}


def _add_event(dataset: Dataset, event: Raw) -> None:
    dataset.events.append(event)
    dataset.event_by_id[str(event["id"])] = event
    tags = frozenset(str(t.get("id")) for t in event.get("tags") or [] if isinstance(t, dict))
    for market in event["markets"]:
        dataset.markets.append(market)
        dataset.market_by_id[str(market["id"])] = market
        dataset.market_tag_ids[str(market["id"])] = tags
