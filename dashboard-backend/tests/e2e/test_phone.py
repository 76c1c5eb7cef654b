"""The page on a 390 × 844 phone: nothing wider than the screen, tables as cards, all reachable."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import WAIT_MS, ApiServer, PageErrors, screenshot
from tests.e2e.seed import Seed

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 390, "height": 844}

# Every rendered element whose box leaves the viewport horizontally (a sideways scroll).
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.closest("[hidden]") || getComputedStyle(el).visibility === "hidden") continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
      out.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return { width, scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 15) };
}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser, page_errors: PageErrors) -> AsyncIterator[Page]:
    """A page in a phone-sized, touch, mobile context."""
    context = await browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda err: page_errors.exceptions.append(str(err)))
    yield page
    await context.close()
    assert page_errors.exceptions == []


async def assert_fits(page: Page, where: str) -> None:
    found: dict[str, Any] = await page.evaluate(OVERFLOW_JS)
    assert found["scrollWidth"] <= found["width"], f"{where}: the page scrolls sideways"
    assert found["out"] == [], f"{where}: elements wider than the screen: {found['out']}"


async def assert_on_screen(page: Page, selector: str) -> None:
    # One atomic look per try: the tables are re-rendered on every live update (and on the
    # stream's open and each health refresh), so a look can land on a row being replaced.
    for _ in range(40):
        left, right, width = await page.locator(selector).first.evaluate(
            "el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width]; }"
        )
        if width > 0:
            break
        await asyncio.sleep(0.05)
    assert width > 0, f"{selector} is not shown"
    assert left >= 0, selector
    assert right <= PHONE["width"], selector


async def test_discovery_fits_a_phone_as_cards(
    phone: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await phone.goto(api_server.url + "/")
    rows = phone.locator("#table-discovery tbody tr")
    await expect(rows.first).to_be_visible()
    await expect(phone.locator("#stream-status")).to_have_attribute("data-state", "live")
    await assert_on_screen(phone, "#stream-status .dot")
    await assert_fits(phone, "discovery")
    # A card shows both questions and the similarity with their labels, without a sideways swipe.
    card = rows.first
    await expect(card.locator(".question")).to_have_count(2)
    similarity = card.locator('td[data-label="Similarity"]')
    await expect(similarity).to_be_visible()
    await assert_on_screen(phone, '#table-discovery tbody tr >> td[data-label="Similarity"]')
    await assert_on_screen(phone, "#table-discovery tbody tr")
    await screenshot(phone, "phone-discovery")
    # Sorting stays reachable on a phone.
    await phone.locator('#table-discovery button.sort[data-sort="liquidity"]').tap()
    await expect(phone).to_have_url(re.compile(r"[?&]sort=liquidity"))


async def test_opportunities_fit_a_phone_with_edge_and_profit_visible(
    phone: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await phone.goto(api_server.url + "/?view=opportunities")
    rows = phone.locator("#table-opportunities tbody tr")
    await expect(rows).to_have_count(seeded.opportunities)
    await assert_fits(phone, "opportunities")
    for label in ("Market", "Edge", "Profit"):
        cell = rows.first.locator(f'td[data-label="{label}"]')
        await expect(cell).to_be_visible()
        await assert_on_screen(phone, f'#table-opportunities tbody tr >> td[data-label="{label}"]')
    await screenshot(phone, "phone-opportunities")


async def test_the_drawer_fits_a_phone_and_closes(
    phone: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await phone.goto(api_server.url + "/")
    await expect(phone.locator("#stream-status")).to_have_attribute("data-state", "live")
    # The question text, not the card's centre: that may be one of the card's outbound links.
    await phone.locator("#table-discovery tbody tr .question").first.tap()
    drawer = phone.locator("#drawer")
    await expect(drawer).to_be_visible()
    await expect(drawer.locator("section.market")).to_have_count(2)
    await expect(drawer.locator("table.book").first).to_be_visible()
    await assert_fits(phone, "drawer")
    await assert_on_screen(phone, "#drawer-close")
    await screenshot(phone, "phone-drawer")
    await phone.locator("#drawer-close").tap()
    await expect(drawer).to_be_hidden()


async def test_filters_and_tabs_are_reachable_on_a_phone(
    phone: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await phone.goto(api_server.url + "/")
    for selector in ("#tab-discovery", "#tab-opportunities", "#f-q", "#f-category", "#f-clear"):
        await expect(phone.locator(selector)).to_be_visible()
        await assert_on_screen(phone, selector)
    await phone.locator("#tab-opportunities").tap()
    await expect(phone).to_have_url(re.compile(r"[?&]view=opportunities"))
    await expect(phone.locator("#f-kind")).to_be_visible()
    await assert_on_screen(phone, "#f-kind")
    await assert_fits(phone, "opportunities filters")
