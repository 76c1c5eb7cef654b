"""Kalshi monthly crypto max/min markets and the Polymarket "reach"/"dip to" markets paired with
them (`cjudice_crypto_strike_pairs`), spelt as each venue spells them."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path


def strike_pairs(shared_data: Path) -> list[dict[str, str]]:
    """The pairs that name a Polymarket market."""
    path = shared_data / "cjudice_crypto_strike_pairs/pairs.dev.csv"
    with path.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["poly_slug"]]


def kalshi_question(row: dict[str, str]) -> str:
    """Kalshi's monthly max/min market title and YES subtitle for this ticker (the recorded
    KXHYPEMAXMON form: "Will HYPE trimmed mean be above $45.00 by 11:59 PM ET on May 31, 2026?")."""
    asset, date = row["asset"], row["kalshi_ticker"].split("-")[2]  # 26JUL31
    side = "above" if "MAXMON" in row["kalshi_ticker"] else "below"
    when = datetime.strptime(date, "%y%b%d").strftime("%b %d, %Y")
    strike = float(row["kalshi_strike"])
    return (
        f"Will {asset} trimmed mean be {side} ${strike:.2f} by 11:59 PM ET on {when}? "
        f"{side.capitalize()} ${strike:,.2f}"
    )


def kalshi_event_title(row: dict[str, str]) -> str:
    """The ladder's event title: "How high will BTC get in July?"."""
    month = datetime.strptime(row["kalshi_ticker"].split("-")[2], "%y%b%d").strftime("%B")
    direction = "high" if "MAXMON" in row["kalshi_ticker"] else "low"
    return f"How {direction} will {row['asset']} get in {month}?"


def polymarket_question(slug: str) -> str:
    """The question a Polymarket slug spells: will-bitcoin-reach-82pt5k-in-july-2026."""
    words = slug.split("-")
    verb = words.index("reach") if "reach" in words else words.index("to")
    amount = words[verb + 1].replace("pt", ".")
    rest = " ".join(words[verb + 2 :])
    return f"{' '.join(words[: verb + 1]).capitalize()} ${amount} {rest}?"
