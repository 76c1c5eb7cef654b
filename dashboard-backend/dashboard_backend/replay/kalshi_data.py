"""The Kalshi catalogue the replay server serves, built from the recordings (pure, no sockets).

Recognised below the data directory (`.json` files, BOM tolerated):
- v2 `/markets` pages (`{"markets": [...], "cursor"}`), parlays (`KXMVE...`) included, so the
  stand-in can show what `mve_filter=exclude` removes;
- v2 `/events` pages (`{"events": [...]}`), with or without nested `markets`;
- legacy v1 events with nested markets (`ticker_name`, `close_date`, ...), translated field by
  field into the v2 market shape (same prices, titles, rules variables, strikes);
- order books (`{"orderbook_fp": ...}`) recorded as `.../orderbooks/TICKER.json`.

Events named by markets but not recorded get a stub (title, series from the ticker); NBA game
events recorded without markets get their two team markets (`EVENT-TEAM`, the team codes read
from the event ticker, YES priced deterministically by seed). Every open market gets a bids-only
book consistent with its listing prices (recorded books win), a few of them with genuine
arbitrage; `min_markets` adds synthetic copies (events `...-C1`) for benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from dashboard_backend.replay.loader import decode_file
from dashboard_backend.venues.kalshi.games import game_markets

log = logging.getLogger(__name__)

Raw = dict[str, Any]
CENT = Decimal("0.01")
_NBA_EVENT = re.compile(r"^(KX[A-Z]+GAME)-(\d{2}[A-Z]{3}\d{2})([A-Z]{3})([A-Z]{3})$")


@dataclass
class KalshiBook:
    """One market's resting bids, price -> size, for YES and for NO (the stand-in's truth)."""

    yes: dict[Decimal, Decimal] = field(default_factory=dict)
    no: dict[Decimal, Decimal] = field(default_factory=dict)

    def best(self) -> tuple[Decimal | None, Decimal | None]:
        """(best YES bid, best NO bid)."""
        return (max(self.yes) if self.yes else None, max(self.no) if self.no else None)

    def listing_prices(self) -> Raw:
        """The market listing's price fields as this book implies them (asks = 1 − other bid)."""
        yes_bid, no_bid = self.best()
        zero = "0.0000"
        return {
            "yes_bid_dollars": f"{yes_bid:.4f}" if yes_bid is not None else zero,
            "no_bid_dollars": f"{no_bid:.4f}" if no_bid is not None else zero,
            "yes_ask_dollars": f"{1 - no_bid:.4f}" if no_bid is not None else "1.0000",
            "no_ask_dollars": f"{1 - yes_bid:.4f}" if yes_bid is not None else "1.0000",
        }

    def wire(self) -> Raw:
        """The `GET /markets/{ticker}/orderbook` body (levels ascending, as Kalshi lists them)."""
        return {
            "orderbook_fp": {
                "yes_dollars": [[f"{p:.4f}", f"{s:.2f}"] for p, s in sorted(self.yes.items())],
                "no_dollars": [[f"{p:.4f}", f"{s:.2f}"] for p, s in sorted(self.no.items())],
            }
        }


@dataclass
class KalshiDataset:
    """Events (each with its nested v2 markets), loose parlay markets, and every market's book."""

    events: list[Raw]
    parlays: list[Raw]
    books: dict[str, KalshiBook]
    files: int = 0

    @property
    def markets(self) -> list[Raw]:
        """Every event market, in event order."""
        return [m for e in self.events for m in e["markets"]]


def _h(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def _price(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if 0 < number < 1 else None


def v1_to_v2(market: Raw, event: Raw) -> Raw:
    """A legacy v1 nested market in the v2 wire shape (fields renamed, NO side mirrored)."""
    ticker = str(market.get("ticker_name") or market.get("ticker") or "")
    out: Raw = {
        "ticker": ticker,
        "event_ticker": event.get("ticker") or event.get("event_ticker"),
        "market_type": "binary",
        "title": market.get("title"),
        "subtitle": market.get("sub_title", ""),
        "yes_sub_title": market.get("yes_sub_title", ""),
        "no_sub_title": market.get("no_sub_title", ""),
        "open_time": market.get("open_date"),
        "close_time": market.get("close_date"),
        "expiration_time": market.get("expiration_date"),
        "expected_expiration_time": market.get("expected_expiration_date"),
        "status": market.get("status"),
        "yes_bid_dollars": market.get("yes_bid_dollars"),
        "yes_ask_dollars": market.get("yes_ask_dollars"),
        "last_price_dollars": market.get("last_price_dollars"),
        "volume_fp": market.get("volume_fp"),
        "open_interest_fp": market.get("open_interest_fp"),
        "liquidity_dollars": f"{(market.get('liquidity') or 0) / 100:.4f}",
        "strike_type": market.get("strike_type"),
        "floor_strike": market.get("floor_strike"),
        "cap_strike": market.get("cap_strike"),
        "custom_strike": market.get("custom_strike"),
        "price_level_structure": market.get("price_level_structure"),
        "rules_primary": _rules(event, market),
        "rules_secondary": "",
    }
    for side, other in (("bid", "ask"), ("ask", "bid")):
        yes = _price(market.get(f"yes_{other}_dollars"))
        out[f"no_{side}_dollars"] = f"{1 - yes:.4f}" if yes is not None else "0.0000"
    return {k: v for k, v in out.items() if v is not None}


def _rules(event: Raw, market: Raw) -> str:
    """The event's rules template with the market's variables filled in."""
    text = str(event.get("underlying") or "")
    variables = market.get("rulebook_variables") or {}
    for name, value in variables.items() if isinstance(variables, dict) else ():
        text = text.replace(f"|| {name} ||", str(value))
    return text.strip()


def _event_stub(event_ticker: str, markets: list[Raw]) -> Raw:
    first = markets[0] if markets else {}
    return {
        "event_ticker": event_ticker,
        "series_ticker": event_ticker.split("-")[0],
        "title": first.get("title") or event_ticker,
        "sub_title": "",
        "category": "",
        "mutually_exclusive": False,
    }


def _game_markets(event: Raw, seed: int) -> list[Raw]:
    """The two team markets of a recorded NBA (or other) game event that came without markets,
    with deterministic prices."""
    title = str(event.get("title") or "")
    out: list[Raw] = []
    teams = game_markets(event)
    if not teams:
        return out
    ticker = str(event["event_ticker"])
    away_p = Decimal(25 + _h(seed, ticker) % 50) * CENT  # 0.25 .. 0.74
    for market, yes in zip(teams, (away_p, 1 - away_p), strict=True):
        code, name = market["ticker"].rsplit("-", 1)[1], market["yes_sub_title"]
        out.append(
            {
                **market,
                "no_sub_title": name,
                "close_time": "2026-01-25T03:00:00Z",
                "expected_expiration_time": "2026-01-12T06:00:00Z",
                "yes_bid_dollars": f"{yes - CENT:.4f}",
                "yes_ask_dollars": f"{yes + CENT:.4f}",
                "no_bid_dollars": f"{1 - yes - CENT:.4f}",
                "no_ask_dollars": f"{1 - yes + CENT:.4f}",
                "last_price_dollars": f"{yes:.4f}",
                "volume_fp": f"{1000 + _h(ticker, code) % 90000}.00",
                "strike_type": "structured",
                "rules_primary": f"If {name} wins the {title} game, the market resolves to Yes.",
                "price_level_structure": "linear_cent",
                "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
            }
        )
    return out


def _walk(root: Path) -> Iterator[tuple[Path, object]]:
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*.json") if p.is_file())
    for path in paths:
        try:
            for value in decode_file(path):
                yield path, value
        except (OSError, ValueError, EOFError):
            continue


def _is_v2_market(obj: object) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("ticker"), str) and "event_ticker" in obj


def load_kalshi(
    root: Path, seed: int = 0, min_markets: int = 0, arb_every: int = 25
) -> KalshiDataset:
    """Read every Kalshi recording below `root` and build the served catalogue."""
    events: dict[str, Raw] = {}
    markets: dict[str, Raw] = {}
    parlays: dict[str, Raw] = {}
    recorded_books: dict[str, Raw] = {}
    files = 0
    for path, value in _walk(root):
        used = False
        if isinstance(value, dict) and "orderbook_fp" in value and path.parent.name == "orderbooks":
            recorded_books[path.stem] = value
            used = True
        items: list[object] = []
        if isinstance(value, dict):
            for key in ("markets", "events"):
                if isinstance(value.get(key), list):
                    items += value[key]
        elif isinstance(value, list):
            items = value
        for item in items:
            if not isinstance(item, dict):
                continue
            if _is_v2_market(item):
                target = parlays if str(item["ticker"]).startswith("KXMVE") else markets
                target.setdefault(item["ticker"], item)
                used = True
            elif "event_ticker" in item and "series_ticker" in item:  # v2 event
                nested = item.get("markets")
                # v2 metadata wins over a stub made from a legacy v1 event.
                ticker = str(item["event_ticker"])
                fields = {k: v for k, v in item.items() if k != "markets"}
                events[ticker] = {**events.get(ticker, {}), **fields}
                for m in nested if isinstance(nested, list) else []:
                    if _is_v2_market(m):
                        markets.setdefault(m["ticker"], m)
                used = True
            elif (
                "ticker" in item
                and "series_ticker" in item
                and isinstance(item.get("markets"), list)
            ):
                ticker = str(item["ticker"])  # legacy v1 event
                events.setdefault(
                    ticker,
                    {
                        "event_ticker": ticker,
                        "series_ticker": item["series_ticker"],
                        "title": item.get("title"),
                        "sub_title": item.get("sub_title", ""),
                        "category": item.get("category", ""),
                        "mutually_exclusive": bool(item.get("mutually_exclusive")),
                    },
                )
                for m in item["markets"]:
                    if isinstance(m, dict) and (m.get("ticker_name") or m.get("ticker")):
                        v2 = v1_to_v2(m, item)
                        markets.setdefault(v2["ticker"], v2)
                used = True
        files += used
    by_event: dict[str, list[Raw]] = {}
    for m in markets.values():
        by_event.setdefault(str(m.get("event_ticker")), []).append(m)
    for ticker, event in events.items():
        if ticker not in by_event:
            games = _game_markets(event, seed)
            if games:
                by_event[ticker] = games
    served: list[Raw] = []
    for ticker, members in by_event.items():
        event = dict(events.get(ticker) or _event_stub(ticker, members))
        event["markets"] = sorted(members, key=lambda m: str(m["ticker"]))
        served.append(event)
    originals = list(served)
    k = 1
    while originals and sum(len(e["markets"]) for e in served) < min_markets:
        for event in originals:
            served.append(_copy_event(event, k))
            if sum(len(e["markets"]) for e in served) >= min_markets:
                break
        k += 1
    books: dict[str, KalshiBook] = {}
    game_count = 0
    for event in served:
        for m in event["markets"]:
            ticker = str(m["ticker"])
            raw = recorded_books.get(ticker)
            if raw is not None:
                books[ticker] = _book_from_wire(raw)
            elif str(m.get("status")) in ("active", "open"):
                books[ticker] = synth_book(m, seed)
        if event.get("mutually_exclusive") and _NBA_EVENT.match(str(event["event_ticker"])):
            game_count += 1
            if arb_every > 0 and game_count % arb_every == 1:
                plant_event_arbitrage(event, books)
    log.info(
        "kalshi dataset: %d events, %d markets, %d parlays, %d books (%d recorded) from %d files",
        len(served),
        sum(len(e["markets"]) for e in served),
        len(parlays),
        len(books),
        len(recorded_books),
        files,
    )
    return KalshiDataset(events=served, parlays=list(parlays.values()), books=books, files=files)


def _copy_event(event: Raw, k: int) -> Raw:
    out: Raw = json.loads(json.dumps(event))
    old = str(event["event_ticker"])
    new = f"{old}-C{k}"
    out["event_ticker"] = new
    for m in out["markets"]:
        m["ticker"] = f"{new}{str(m['ticker'])[len(old) :]}"
        m["event_ticker"] = new
        m["status"] = "active"
    return out


def _book_from_wire(raw: Raw) -> KalshiBook:
    book = KalshiBook()
    sides = raw.get("orderbook_fp") or {}
    for name, target in (("yes_dollars", book.yes), ("no_dollars", book.no)):
        for level in sides.get(name) or []:
            try:
                target[Decimal(str(level[0]))] = Decimal(str(level[1]))
            except (ArithmeticError, IndexError, TypeError):
                continue
    return book


def plant_event_arbitrage(
    event: Raw, books: dict[str, KalshiBook], total: Decimal = Decimal("0.94")
) -> None:
    """Lower every member's YES ask (raise its NO bids) so the YES asks sum to `total`.

    Only on exhaustive exclusive events (one member must win): buying YES on each then pays $1
    for `total` plus fees, a genuine buy-all. (A single Kalshi market cannot show a buy-both:
    resting YES and NO bids that sum to 1 or more would have matched.)
    """
    members = [books[str(m["ticker"])] for m in event["markets"] if str(m["ticker"]) in books]
    if len(members) < 2:
        return
    share = (total / len(members)).quantize(CENT)
    for i, book in enumerate(members):
        ask = share if i < len(members) - 1 else total - share * (len(members) - 1)
        no_bid = 1 - ask
        book.no = {
            no_bid - k * CENT: Decimal(100 + 50 * k) for k in range(4) if no_bid - k * CENT > 0
        }
        book.yes = {p: s for p, s in book.yes.items() if p < ask}
        if not book.yes:
            book.yes = {ask - CENT: Decimal(100)}


def synth_book(market: Raw, seed: int) -> KalshiBook:
    """Bids-only levels consistent with the listing: best YES bid and best NO bid = 1 − YES ask."""
    ticker = str(market["ticker"])
    yes_bid = _price(market.get("yes_bid_dollars"))
    yes_ask = _price(market.get("yes_ask_dollars"))
    if yes_bid is None and yes_ask is None:
        yes_bid, yes_ask = Decimal("0.45"), Decimal("0.55")
    yes_bid = yes_bid if yes_bid is not None else max(CENT, (yes_ask or Decimal(1)) - 4 * CENT)
    yes_ask = yes_ask if yes_ask is not None else min(1 - CENT, yes_bid + 4 * CENT)
    if yes_ask <= yes_bid:
        yes_ask = yes_bid + CENT
    no_bid = 1 - yes_ask
    book = KalshiBook()
    for depth in range(5):
        size = Decimal(50 + _h(seed, ticker, depth) % 450)
        if yes_bid - depth * CENT > 0:
            book.yes[yes_bid - depth * CENT] = size
        if no_bid - depth * CENT > 0:
            book.no[no_bid - depth * CENT] = Decimal(50 + _h(seed, ticker, "no", depth) % 450)
    return book
