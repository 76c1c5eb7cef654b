"""A synthetic two-venue catalog for the relations scale benchmark: Polymarket- and Kalshi-style
market documents in the venues' own formats, with the cross-venue equivalent pairs known.

Formats follow the recordings in ../shared/data: Polymarket games as one event per game
("Grizzlies vs. Lakers", slug `nba-mem-lal-2026-05-04`) with a moneyline whose outcomes name the
teams, spreads ("Spread: Lakers (-3.5)"), totals ("O/U 245.5", Over / Under) and player props;
soccer as three Yes/No markets ("Will Arsenal win on 2026-05-17?", "... end in a draw?"). Kalshi
games as `KXNBAGAME-26MAY04MEMLAL` events titled "Memphis at Los Angeles L" with one market per
team ("... Winner?", YES sub-title the team, ticker suffix its code, `-TIE` for a draw), spreads
("Los Angeles L wins by over 3.5 Points?") and totals (floor strike). Contests and awards with
many entrants ("Will X win the 2026 NL Cy Young Award?" / "Will X win NL Cy Young?"), House races
by district ("Will the Democratic Party win the AZ-06 House seat?" / "Will Democratic win the
House race for AZ-06?"), crypto candles (Polymarket only: "Bitcoin Up or Down - May 11, 4AM ET")
and monthly price ladders (`KXBTCMAXMON-BTC-26MAY31-120000`), and propositions with deadline
ladders ("... by June 30, 2026?" / `KX...-26JUN30`).

Teams come from the relation engine's alias tables (`matching/data/aliases`); people are drawn
from name lists. Everything is seeded: the same (n, seed) gives the same documents and vectors.

Vectors imitate sentence embeddings (`synthetic_vectors`): a shared direction, the category, the
venue's wording, the family (league, award, race type), the subject (the game, the contest, the
district), the item (the team, the entrant, the strike) and the bet, plus noise. The two venues'
listings of one bet share subject, item and bet but not wording, so they are near, not identical,
while siblings of one event and other games of a league on the same day are near too (the hard
negatives the engine has to refuse).
"""

from __future__ import annotations

import random
import zlib
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from dashboard_backend.bench._twovenue_base import (
    ASSETS,
    AWARDS,
    DIM,
    FIRST_NAMES,
    LAST_NAMES,
    START,
    STATES,
    Builder,
    Catalog,
    teams_by_league,
)
from dashboard_backend.bench._twovenue_other import (
    award,
    candles,
    daily_ladder,
    house,
    ladder,
    proposition,
)
from dashboard_backend.bench._twovenue_sports import futures, game_between, tennis
from dashboard_backend.models import MarketDocument, market_signature

__all__ = ["Catalog", "edit_catalog", "generate", "signed", "synthetic_vectors"]


def generate(n: int, seed: int = 7) -> Catalog:
    """About `n` markets of both venues (a sports-heavy mix), deterministic in (n, seed).

    Games are scheduled day by day (each team once a day), most leagues playing on near days;
    the rest of the catalog is filled with contests, races, crypto and propositions in a fixed
    mix until `n` is reached.
    """
    rng = random.Random(seed)
    b = Builder(rng)
    teams = teams_by_league()
    leagues = sorted(teams)
    players = sorted({f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES})
    sports_target = int(n * 0.55)
    for league in leagues:
        if len(b.cat.docs) < sports_target * 0.05:
            futures(b, league, teams[league])
    day_index = 0
    while len(b.cat.docs) < sports_target:
        day = START + timedelta(days=day_index % 180)
        busy = 0.9 if day_index < 21 else 0.35
        for league in leagues:
            if len(b.cat.docs) >= sports_target:
                break
            if rng.random() > busy:
                continue
            order = rng.sample(teams[league], len(teams[league]))
            for k in range(0, len(order) - 1, 2):
                if rng.random() < 0.7:
                    game_between(b, league, order[k], order[k + 1], day, rng.random() < 0.7)
        for _ in range(rng.randint(4, 16)):
            tennis(b, day, players, rng.random() < 0.6)
        day_index += 1
    k = 0
    seats = [(s, d) for s in STATES for d in range(1, 1 + (hash_seats(s) % 12) + 1)]
    rng.shuffle(seats)
    while len(b.cat.docs) < n:
        roll = rng.random()
        if roll < 0.10 and k < 4 * len(AWARDS):
            award(b, k)
        elif roll < 0.22 and seats:
            house(b, *seats.pop())
        elif roll < 0.38:
            candles(b, rng.randrange(len(ASSETS)), b.day(30), rng.choice((24, 96)))
        elif roll < 0.48:
            ladder(b, rng.randrange(len(ASSETS)), rng.randint(5, 12), 2026 + rng.randint(0, 1))
        elif roll < 0.66:
            daily_ladder(b, rng.randrange(len(ASSETS)), b.day(120))
        else:
            proposition(b, k)
        k += 1
    _dedupe(b.cat)
    b.cat.docs = [signed(d) for d in b.cat.docs]
    return b.cat


def hash_seats(state: str) -> int:
    """A state's seat count stand-in (stable across runs)."""
    return zlib.crc32(state.encode("ascii"))


def _dedupe(cat: Catalog) -> None:
    """Drop repeated ids (a game or race drawn twice): the first listing stays, and no known pair
    names a repeated id (which of the listings it meant is lost)."""
    seen: set[str] = set()
    repeated: set[str] = set()
    keep: list[int] = []
    for i, doc in enumerate(cat.docs):
        if doc.id not in seen:
            seen.add(doc.id)
            keep.append(i)
        else:
            repeated.add(doc.id)
    if repeated:
        cat.docs = [cat.docs[i] for i in keep]
        cat.parts = [cat.parts[i] for i in keep]
        cat.truth = {
            k: v for k, v in cat.truth.items() if k[0] not in repeated and k[1] not in repeated
        }


def signed(doc: MarketDocument) -> MarketDocument:
    """The document with its signature (model_construct keeps it cheap: the fields are built
    here, already valid)."""
    return doc.model_copy(update={"signature": market_signature(doc)})


# Weights of each part of a vector: (shared, category, venue, family, subject, item, bet, noise).
WEIGHTS = (0.35, 0.35, 0.45, 0.55, 0.9, 0.7, 0.45, 0.55)


def synthetic_vectors(cat: Catalog, seed: int = 7, chunk: int = 16_384) -> npt.NDArray[np.float32]:
    """Embedding-like vectors of the documents (module docstring), float32, deterministic."""
    rng = np.random.default_rng(seed)
    columns: list[tuple[str, ...]] = (
        list(zip(*cat.parts, strict=True)) if cat.parts else [() for _ in range(5)]
    )
    venues = [d.venue for d in cat.docs]
    labels = [venues, *columns]  # venue, category, family, subject, item, bet
    codes: list[npt.NDArray[np.int64]] = []
    tables: list[npt.NDArray[np.float32]] = []
    for k, values in enumerate(labels):
        table: dict[str, int] = {}
        codes.append(
            np.fromiter(
                (table.setdefault(f"{k}|{v}", len(table)) for v in values), np.int64, len(values)
            )
        )
        # Directions seeded by the label, so a label's direction is the same at every size.
        tables.append(_directions(sorted(table, key=table.__getitem__), seed))
    shared = _directions(["shared"], seed)[0]
    w_shared, w_cat, w_venue, w_fam, w_subj, w_item, w_bet, w_noise = WEIGHTS
    order = (1, 0, 2, 3, 4, 5)  # category, venue, family, subject, item, bet
    weights = (w_cat, w_venue, w_fam, w_subj, w_item, w_bet)
    n = len(cat.docs)
    out = np.empty((n, DIM), dtype=np.float32)
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        block = np.broadcast_to(w_shared * shared, (hi - lo, DIM)).copy()
        for weight, k in zip(weights, order, strict=True):
            block += weight * tables[k][codes[k][lo:hi]]
        block += w_noise * rng.standard_normal((hi - lo, DIM), dtype=np.float32) / np.sqrt(DIM)
        out[lo:hi] = block
    return out


def _directions(labels: list[str], seed: int) -> npt.NDArray[np.float32]:
    """One unit vector per label, a function of (label, seed) only."""
    out = np.empty((len(labels), DIM), dtype=np.float32)
    for i, label in enumerate(labels):
        r = np.random.default_rng([seed, zlib.crc32(label.encode("utf-8"))])
        v = r.standard_normal(DIM)
        out[i] = v / np.linalg.norm(v)
    return out


def edit_catalog(
    docs: list[MarketDocument],
    vectors: npt.NDArray[np.float32],
    extra: list[MarketDocument],
    extra_vectors: npt.NDArray[np.float32],
    rng: random.Random,
    share: float,
) -> tuple[list[MarketDocument], npt.NDArray[np.float32]]:
    """Reword, re-embed, re-price, drop and add a random share of markets each (`extra`: where
    new markets come from, their ids suffixed `-new`); sorted by id like the worker's catalog."""
    out: list[MarketDocument] = []
    rows: list[npt.NDArray[np.float32]] = []
    for doc, vector in zip(docs, vectors, strict=True):
        roll = rng.random()
        if roll < share:  # dropped
            continue
        if roll < 2 * share:  # reworded: another card, another vector
            doc = signed(doc.model_copy(update={"question": doc.question + " (updated)"}))
            vector = vector + np.float32(0.3) * np.roll(vector, 7)
        elif roll < 3 * share:  # another event: the candidate filters change
            doc = doc.model_copy(update={"event_id": f"{doc.event_id}-moved"})
        elif roll < 5 * share:  # re-priced only: the relation key stays
            doc = doc.model_copy(update={"liquidity": doc.liquidity + 1.0})
        out.append(doc)
        rows.append(vector)
    known = {d.id for d in out}
    for doc, vector in zip(extra, extra_vectors, strict=True):
        new_id = doc.id + "-new"
        if rng.random() < share and new_id not in known:
            known.add(new_id)
            out.append(signed(doc.model_copy(update={"id": new_id})))
            rows.append(vector)
    order = sorted(range(len(out)), key=lambda i: out[i].id)
    return [out[i] for i in order], np.stack(rows)[order]
