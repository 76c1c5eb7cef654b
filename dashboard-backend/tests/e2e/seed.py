"""Redis filled the honest way for the browser tests: the workers over the replay stand-in.

Once per session: the replay server serves the recorded Gamma payload (plus one market whose
text carries markup, as hostile upstream text would) and books with planted arbitrage; the
poller polls it once (catalog, books, opportunities), the embedding worker embeds the catalog
through the local OpenAI-compatible stub, and the matching worker writes the candidate pairs.
The resulting keys are dumped, and restored into the flushed Redis of each test.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from dashboard_backend.api.present import probability
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.embeddings.factory import create_provider
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import BookLevel, MarketDocument, OrderBook
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.replay.app import create_app as create_replay_app
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.settings import Settings
from dashboard_backend.venues.polymarket import create_venue as create_polymarket
from dashboard_backend.workers.embedding import embed_pending
from dashboard_backend.workers.matching import match_once
from dashboard_backend.workers.poller import CatalogPoller
from tests.openai_stub import API_KEY, serve_stub
from tests.support_http import run_app

RECORDED = Path("borat_wom_polymarket_strategy") / "gamma_markets_active_200_wrapped.json"

# A market as hostile as upstream text could be: the page must show it as text, never markup.
HOSTILE_ID = "990001"
HOSTILE_QUESTION = 'Will the <b>Hurricanes</b> win the 2026 NHL Stanley Cup? <img src=x onerror="window.__pwned=1">'
HOSTILE_DESCRIPTION = '<script>window.__pwned=2</script> Resolves "Yes" if <i>they</i> win.'
HOSTILE_TEMPLATE = "Will the Carolina Hurricanes win the 2026 NHL Stanley Cup?"


@dataclass(frozen=True)
class Seed:
    """What the workers wrote, read back through the stores, for assertions."""

    markets: dict[str, MarketDocument]
    pairs: list[tuple[str, str, float]]  # (lower id, higher id, similarity), each pair once
    opportunities: int
    opportunity_markets: frozenset[str]  # markets that have an opportunity


def hostile_market(raw_markets: list[dict[str, object]]) -> dict[str, object]:
    """A raw Gamma market copied from a recorded one, with markup in its question and rules."""
    template = next(m for m in raw_markets if m.get("question") == HOSTILE_TEMPLATE)
    hostile = copy.deepcopy(template)
    hostile.update(
        {
            "id": HOSTILE_ID,
            "question": HOSTILE_QUESTION,
            "description": HOSTILE_DESCRIPTION,
            "conditionId": "0x" + "e2" * 32,
            "questionID": "0x" + "e3" * 32,
            "slug": "e2e-hostile-market",
            "clobTokenIds": json.dumps([f"{HOSTILE_ID}1", f"{HOSTILE_ID}2"]),
            # A plain binary market: not part of the recorded negRisk event.
            "negRisk": False,
            "negRiskMarketID": None,
            "negRiskRequestID": None,
            "groupItemTitle": None,
        }
    )
    # Its own event: the same question listed twice in different events is a genuine pair.
    events = hostile.get("events")
    if isinstance(events, list) and events and isinstance(events[0], dict):
        hostile["events"] = [{**events[0], "id": "e2e-hostile-event", "slug": "e2e-hostile"}]
    return hostile


def write_recordings(shared_data: Path, out: Path) -> Path:
    """A recordings folder: the recorded payload plus the hostile market."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared_data / RECORDED, out / "recorded.json")
    raw = json.loads((shared_data / RECORDED).read_text())
    (out / "hostile.json").write_text(json.dumps([hostile_market(raw["markets"])]))
    return out


async def run_workers(redis_url: str, recordings: Path) -> None:
    """Poll the replay once, embed the catalog, match it: all through the real workers."""
    state = ReplayState.from_directory(recordings)
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        async with serve_stub() as stub:
            with run_app(create_replay_app(state)) as replay_url:
                settings = Settings(
                    _env_file=None,
                    redis_url=redis_url,
                    pm_gamma_url=replay_url,
                    pm_clob_url=replay_url,
                    pm_gamma_limit=250,
                    embedding_provider="openai",
                    openai_api_key=API_KEY,
                    openai_base_url=stub.base_url,
                    embedding_model="text-embedding-3-small",
                    # The stub's bag-of-words vectors pair mostly sibling markets of one event
                    # (buckets that differ only in their numbers); the page tests need many
                    # pairs (paging, filters), not matching quality.
                    match_exclude_same_event=False,
                    match_require_same_numbers=False,
                    match_require_same_entities=False,
                )
                async with httpx.AsyncClient(timeout=5.0) as http:
                    venue = create_polymarket(settings, http)
                    await CatalogPoller(settings, redis, venue).poll_once()
                provider = create_provider(settings)
                try:
                    await embed_pending(redis, provider, settings)
                finally:
                    await provider.aclose()
                await match_once(redis, settings)
    finally:
        await redis.aclose()


async def dump_keys(redis_url: str) -> dict[bytes, bytes]:
    """Every key of the database in DUMP form."""
    raw = aioredis.Redis.from_url(redis_url)
    try:
        out: dict[bytes, bytes] = {}
        async for key in raw.scan_iter(count=1000):
            value = await raw.dump(key)
            if value is not None:
                out[key] = value
        return out
    finally:
        await raw.aclose()


async def restore_keys(redis_url: str, dumped: Mapping[bytes, bytes]) -> None:
    """Put dumped keys back (replacing any with the same name)."""
    raw = aioredis.Redis.from_url(redis_url)
    try:
        async with raw.pipeline(transaction=False) as pipe:
            for key, value in dumped.items():
                pipe.restore(key, 0, value, replace=True)
            await pipe.execute()
    finally:
        await raw.aclose()


async def read_seed(redis: aioredis.Redis) -> Seed:
    """What the stores hold now."""
    markets = await CatalogStore(redis).read_all()
    pairs: dict[tuple[str, str], float] = {}
    for base, entries in (await MatchStore(redis).read_all()).items():
        for entry in entries:
            lo, hi = sorted((base, entry.market_id))
            # As the API serves it (rounded), which is what the page sorts and filters on.
            similarity = probability(entry.similarity)
            pairs[(lo, hi)] = max(pairs.get((lo, hi), 0.0), similarity)
    ops = await OpsStore(redis).read_snapshot()
    return Seed(
        markets=markets,
        # The page's default order: similarity, then the pair key.
        pairs=sorted(
            ((lo, hi, s) for (lo, hi), s in pairs.items()), key=lambda p: (-p[2], f"{p[0]},{p[1]}")
        ),
        opportunities=len(ops),
        opportunity_markets=frozenset(m for o in ops.values() for m in o.market_ids),
    )


def mispriced_books(doc: MarketDocument, discount: float) -> list[OrderBook]:
    """YES/NO books around the market's YES price whose asks sum to 1 - 2*discount."""
    yes, no = doc.yes_outcome(), doc.outcome("no")
    assert yes is not None
    assert no is not None
    assert yes.price is not None
    ask_yes = round(yes.price + 0.01 - discount, 3)
    ask_no = round(1 - yes.price + 0.01 - discount, 3)
    return [
        OrderBook(
            token_id=token,
            market=doc.condition_id,
            bids=(BookLevel(price=round(ask - 0.02, 3), size=200),),
            asks=(BookLevel(price=ask, size=200), BookLevel(price=round(ask + 0.01, 3), size=500)),
            tick_size=0.001,
            min_order_size=5,
        )
        for token, ask in ((yes.token_id, ask_yes), (no.token_id, ask_no))
    ]
