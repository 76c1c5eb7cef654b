"""Cross-market opportunities on the page, in a real Chromium: the row names both venues and the
return per year; the drawer gives the legs by venue with links, the execution ticket (venue,
side, outcome, limit price, size per leg) and the settlement risks in words. The opportunity is
the cross worker's own, over a real Redis."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from dashboard_backend import keys
from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import create_redis
from dashboard_backend.matching.store import dump_entries
from dashboard_backend.settings import Settings
from dashboard_backend.workers.cross import CrossWorker
from tests.cross_helpers import NOW, asks, market, same_bet_entry
from tests.e2e.conftest import ApiServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

QUESTION = "Will the Fed cut rates in March?"
POLY = market(
    "p1",
    question=QUESTION,
    category="economics",
    close_time=NOW + timedelta(days=30),
    min_order_size=5.0,
    url="https://polymarket.com/event/fed-march",
    description="Resolves Yes if the FOMC lowers the target range in March.",
)
KALSHI = market(
    "kalshi:KXFED-26MAR",
    venue="kalshi",
    question=QUESTION,
    category="economics",
    close_time=NOW + timedelta(days=32),
    url="https://kalshi.com/markets/kxfed",
    description="If the Federal Reserve cuts rates at its March meeting, resolves to Yes.",
)


async def seed_cross(redis_url: str) -> None:
    """Catalog, books and the relation engine's entry; the cross worker prices the pair."""
    client = create_redis(redis_url)
    try:
        store = CatalogStore(client)
        await store.replace_venue("polymarket", {POLY.id: POLY})
        await store.replace_venue("kalshi", {KALSHI.id: KALSHI})
        await store.write_books(
            [
                asks(f"{KALSHI.id}-Yes", [(0.41, 300), (0.43, 500)], tick_size=0.01),
                asks("p1-No", [(0.55, 200), (0.56, 500)], tick_size=0.01),
                asks(f"{KALSHI.id}-No", [(0.60, 100)]),
                asks("p1-Yes", [(0.46, 100)]),
            ]
        )
        entry = same_bet_entry(POLY, KALSHI, 0.93)
        await client.hset(keys.CROSS_MATCHES, POLY.id, dump_entries([entry]))
        settings = Settings(redis_url=redis_url, cross_max_book_age_sec=30.0, _env_file=None)
        await CrossWorker(client, settings, clock=lambda: NOW).run(False)
        assert await client.hlen(keys.OPS_SNAPSHOT) == 1
    finally:
        await client.aclose()


async def test_a_cross_opportunity_reads_as_a_ticket_per_venue(
    page: Page, api_server: ApiServer, redis_url: str
) -> None:
    await seed_cross(redis_url)
    await page.goto(api_server.url + "/?view=opportunities")
    row = page.locator("#table-opportunities tbody tr", has_text=QUESTION)
    await expect(row).to_have_count(1)
    await expect(row.locator(".kind")).to_have_text("Same bet, both sides")
    await expect(row.locator(".venue")).to_have_text(["Kalshi", "Polymarket"])
    await expect(row.locator(".chip.annualized")).to_have_text(re.compile(r"^\d+\.\d %/yr$"))
    await row.locator(".question").click()

    drawer = page.locator("#drawer")
    await expect(drawer).to_be_visible()
    await expect(drawer.locator(".links").first.get_by_role("link")).to_have_count(2)
    kalshi_link = drawer.locator(".links").first.get_by_role("link", name="Open on Kalshi")
    await expect(kalshi_link).to_have_attribute("href", KALSHI.url)
    poly_link = drawer.locator(".links").first.get_by_role("link", name="Open on Polymarket")
    await expect(poly_link).to_have_attribute("href", POLY.url)

    ticket = drawer.locator("table.ticket tbody tr")
    await expect(ticket).to_have_count(2)
    kalshi, poly = ticket.nth(0), ticket.nth(1)
    await expect(kalshi.locator(".venue")).to_have_text("Kalshi")
    await expect(kalshi.locator("td.side")).to_have_text("Buy")
    await expect(kalshi.locator(".leg-outcome")).to_have_text("Yes")
    await expect(kalshi.locator("td.limit")).to_have_text("≤ 41.0¢")
    await expect(kalshi.locator("td.size")).to_have_text("300 contracts")
    await expect(poly.locator(".venue")).to_have_text("Polymarket")
    await expect(poly.locator(".leg-outcome")).to_have_text("No")
    await expect(poly.locator("td.limit")).to_have_text("≤ 56.0¢")
    await expect(poly.locator("td.size")).to_have_text("300 shares")

    stats = drawer.locator("dl.cross-stats")
    await expect(stats).to_contain_text("Same bet (93 % sure)")
    await expect(stats.locator(".annualized dd")).to_have_text(re.compile(r"%/yr"))
    await expect(stats).to_contain_text("$1.00")  # pays per set
    risks = drawer.locator(".risks li")
    await expect(risks.first).to_be_visible()
    await expect(drawer.locator(".risks")).to_contain_text("Different deadlines")
    await screenshot(page, "drawer-cross")


async def test_the_kind_filter_knows_the_cross_kinds(
    page: Page, api_server: ApiServer, redis_url: str
) -> None:
    await seed_cross(redis_url)
    await page.goto(api_server.url + "/?view=opportunities&kind=cross_equivalent")
    rows = page.locator("#table-opportunities tbody tr")
    await expect(rows).to_have_count(1)
    await expect(page.locator("#f-kind")).to_have_value("cross_equivalent")
    await page.locator("#f-kind").select_option("cross_subset")
    await expect(page).to_have_url(re.compile(r"kind=cross_subset"))
    await expect(rows).to_have_count(0)
