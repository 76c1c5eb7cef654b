"""The web page in a real Chromium against the real API and Redis."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.async_api import Page, expect

from dashboard_backend import keys
from dashboard_backend.connections import create_redis
from dashboard_backend.fees import FeeTable
from dashboard_backend.matching.store import MatchStore
from dashboard_backend.models import MarketDocument, MatchEntry, Outcome, OutcomeLink, Relation
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from dashboard_backend.status import ProcessRecord, write_processes, write_status
from tests.e2e.conftest import ApiServer, PageErrors, screenshot
from tests.e2e.seed import (
    HOSTILE_ID,
    HOSTILE_QUESTION,
    Seed,
    mispriced_books,
)

PAGE_ROWS = 150  # rows the page draws before "Show more"

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def query(page: Page) -> dict[str, list[str]]:
    """The page URL's query parameters."""
    return parse_qs(urlparse(page.url).query)


def search_hit(seeded: Seed, a: str, b: str, *words: str) -> bool:
    """Whether every word appears in one of the pair's questions (the page's search rule)."""
    text = f"{seeded.markets[a].question} {seeded.markets[b].question}".lower()
    return all(w in text for w in words)


def yes_price(doc: MarketDocument) -> float:
    """The recorded YES price (0 when unknown)."""
    yes = doc.yes_outcome()
    return yes.price if yes is not None and yes.price is not None else 0.0


async def wait_live(page: Page) -> None:
    """Wait until the page's live stream is connected."""
    await expect(page.locator("#stream-status")).to_have_attribute("data-state", "live")


async def test_discovery_lists_pairs_and_search_filter_narrows_them(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await page.goto(api_server.url + "/")
    rows = page.locator("#table-discovery tbody tr")
    summary = page.locator("#summary-discovery")
    total = len(seeded.pairs)
    assert total > PAGE_ROWS, "enough pairs to need paging"
    await expect(summary).to_have_attribute("data-matching", str(total))
    await expect(rows).to_have_count(PAGE_ROWS)
    base, match, _ = seeded.pairs[0]
    questions = {seeded.markets[base].question, seeded.markets[match].question}
    assert set(await rows.first.locator(".question").all_inner_texts()) == questions
    await expect(page.locator("#st-catalog")).to_contain_text(f"{len(seeded.markets)} markets")
    await screenshot(page, "discovery")
    await page.click("#more-discovery")
    await expect(rows).to_have_count(min(total, 2 * PAGE_ROWS))

    await page.fill("#f-q", "trump deport")
    await expect(page).to_have_url(re.compile(r"[?&]q=trump\+deport"))
    narrowed = sum(1 for a, b, _ in seeded.pairs if search_hit(seeded, a, b, "trump", "deport"))
    assert 0 < narrowed < PAGE_ROWS
    await expect(summary).to_have_attribute("data-matching", str(narrowed))
    await expect(rows).to_have_count(narrowed)
    for text in await rows.all_inner_texts():
        assert "trump" in text.lower()
        assert "deport" in text.lower()
    await screenshot(page, "discovery-filtered")

    # A shared link restores the filter; back returns to the unfiltered list.
    await page.reload()
    await expect(page.locator("#f-q")).to_have_value("trump deport")
    await expect(rows).to_have_count(narrowed)
    await page.go_back()
    await expect(page.locator("#f-q")).to_have_value("")
    await expect(summary).to_have_attribute("data-matching", str(total))


async def test_category_and_similarity_filters_live_in_the_url(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await page.goto(api_server.url + "/")
    summary = page.locator("#summary-discovery")
    await expect(summary).to_have_attribute("data-matching", str(len(seeded.pairs)))

    sports = [(a, b, sim) for a, b, sim in seeded.pairs if seeded.markets[a].category == "sports"]
    assert 0 < len(sports) < len(seeded.pairs)
    await page.select_option("#f-category", "sports")
    await expect(page).to_have_url(re.compile(r"[?&]category=sports"))
    await expect(summary).to_have_attribute("data-matching", str(len(sports)))
    for chip in await page.locator(
        '#table-discovery tbody td[data-label="Category"]'
    ).all_inner_texts():
        assert chip.strip() == "sports"

    await page.fill("#f-minSim", "0.9")
    await expect(page).to_have_url(re.compile(r"[?&]minSim=0\.9"))
    close = [p for p in sports if p[2] >= 0.9]
    assert 0 < len(close) < len(sports)
    await expect(summary).to_have_attribute("data-matching", str(len(close)))
    sims = [float(s) for s in await page.locator(".sim").all_inner_texts()]
    assert sims == sorted(sims, reverse=True)
    assert min(sims) >= 0.9
    assert query(page)["category"] == ["sports"]


async def test_discovery_shows_each_pairs_relation_filters_on_it_and_explains_it(
    page: Page, api_server: ApiServer, seeded: Seed, redis_url: str
) -> None:
    # The first pair rewritten as an inverse (both directions, as the worker stores it) with its
    # outcome map and reasons; the rest as the matching worker judged the recordings.
    base, match, _ = seeded.pairs[0]
    a_yes, b_no = seeded.markets[base].yes_outcome(), seeded.markets[match].outcome("no")
    assert a_yes is not None
    assert b_no is not None
    b_yes, a_no = seeded.markets[match].yes_outcome(), seeded.markets[base].outcome("no")
    assert b_yes is not None
    assert a_no is not None
    client = create_redis(redis_url)
    try:
        store = MatchStore(client)
        lists = await store.read_all()

        def inverse(entry: MatchEntry, a: Outcome, b: Outcome) -> MatchEntry:
            link = OutcomeLink(
                a_token=a.token_id, a_outcome=a.name, b_token=b.token_id, b_outcome=b.name
            )
            return entry.model_copy(
                update={
                    "relation": Relation.INVERSE,
                    "confidence": 0.87,
                    "outcome_map": (link,),
                    "reasons": ("one asks the opposite question",),
                }
            )

        for m, other, a, b in ((base, match, a_yes, b_no), (match, base, b_yes, a_no)):
            lists[m] = [inverse(e, a, b) if e.market_id == other else e for e in lists[m]]
        # Two more pairs as subsets, seen from each side: the filter takes both directions.
        for lo, hi, _ in seeded.pairs[1:3]:
            for m, other, rel in (
                (lo, hi, Relation.SUBSET_A_IN_B),
                (hi, lo, Relation.SUBSET_B_IN_A),
            ):
                lists[m] = [
                    e.model_copy(update={"relation": rel}) if e.market_id == other else e
                    for e in lists[m]
                ]
        await store.replace(lists, datetime.now(UTC))
    finally:
        await client.aclose()
    relations: dict[tuple[str, str], str] = {}
    for m, entries in lists.items():
        for e in entries:
            pair = (min(m, e.market_id), max(m, e.market_id))
            relations.setdefault(pair, e.relation.value if e.relation else "unjudged")
    assert len(relations) == len(seeded.pairs)
    subsets = sum(1 for r in relations.values() if r.startswith("subset"))
    related = sum(1 for r in relations.values() if r == "related_not_equivalent")
    assert related > 0
    assert subsets >= 2  # the two rewritten, and any the engine found

    await page.goto(api_server.url + "/")
    summary = page.locator("#summary-discovery")
    await expect(summary).to_have_attribute("data-matching", str(len(relations)))
    row = page.locator(f'#table-discovery tbody tr[data-key="{base},{match}"]')
    await expect(row.locator(".rel")).to_have_text(re.compile(r"^Inverse\s*87%$"))
    await expect(row.locator(".rel")).to_have_attribute("title", "one asks the opposite question")

    await page.select_option("#f-relation", "inverse")
    await expect(page).to_have_url(re.compile(r"[?&]relation=inverse"))
    await expect(summary).to_have_attribute("data-matching", "1")
    await page.select_option("#f-relation", "related_not_equivalent")
    await expect(summary).to_have_attribute("data-matching", str(related))
    for chip in await page.locator("#table-discovery tbody .rel").all_inner_texts():
        assert chip.startswith("Related")
    await page.select_option("#f-relation", "subset")  # both directions
    await expect(summary).to_have_attribute("data-matching", str(subsets))

    await page.select_option("#f-relation", "inverse")
    await page.locator("#table-discovery tbody tr").first.click()
    drawer = page.locator("#drawer")
    await expect(drawer.locator(".relation-detail .rel")).to_contain_text("Inverse")
    cells = drawer.locator("table.outcome-map tbody td")
    await expect(cells).to_have_text([a_yes.name, "wins with", b_no.name])
    await expect(drawer.locator(".reasons li")).to_have_text(["one asks the opposite question"])
    await screenshot(page, "drawer-relation")
    await page.keyboard.press("Escape")
    await page.go_back()  # back through the filter history: the relation filter is URL state
    await expect(page.locator("#f-relation")).to_have_value("subset")


async def test_discovery_refreshes_when_the_matching_worker_publishes(
    page: Page, api_server: ApiServer, seeded: Seed, redis_url: str
) -> None:
    await page.goto(api_server.url + "/")
    summary = page.locator("#summary-discovery")
    await expect(summary).to_have_attribute("data-matching", str(len(seeded.pairs)))
    await wait_live(page)
    await page.evaluate("window.__sameDocument = true")

    # A matching run that keeps only the sports markets' lists: the store replaces the hash and
    # publishes one `dropped` message per vanished pair on matches:updates.
    client = create_redis(redis_url)
    try:
        store = MatchStore(client)
        lists = await store.read_all()
        kept = {m: es for m, es in lists.items() if seeded.markets[m].category == "sports"}
        changes = await store.replace(kept, datetime.now(UTC))
        assert any(c.action == "dropped" for c in changes)
    finally:
        await client.aclose()
    sports = [p for p in seeded.pairs if seeded.markets[p[0]].category == "sports"]
    await expect(summary).to_have_attribute("data-matching", str(len(sports)))
    assert await page.evaluate("window.__sameDocument === true"), "the page must not reload"


async def test_clicking_a_pair_opens_both_markets_in_the_drawer(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await page.goto(api_server.url + "/")
    row = page.locator("#table-discovery tbody tr").first
    await row.click()
    drawer = page.locator("#drawer")
    await expect(drawer).to_be_visible()
    panels = drawer.locator("section.market")
    await expect(panels).to_have_count(2)
    base, match, _ = seeded.pairs[0]
    shown = set(await drawer.locator(".market-q").all_inner_texts())
    assert shown == {seeded.markets[base].question, seeded.markets[match].question}
    # Outcomes with best bid/ask, and the top of each book, for both markets.
    await expect(drawer.locator("table.outcomes")).to_have_count(2)
    await expect(drawer.locator("table.book")).to_have_count(4)
    doc = seeded.markets[base]
    yes = doc.yes_outcome()
    assert yes is not None
    assert yes.best_ask is not None
    panel = drawer.locator(f'section.market[data-market-id="{base}"]')
    await expect(panel.locator("table.outcomes")).to_contain_text(f"{yes.best_ask * 100:.1f}¢")
    await expect(
        panel.get_by_role("link", name=re.compile("Open on Polymarket"))
    ).to_have_attribute("href", doc.url)
    (detail,) = query(page)["detail"]
    assert detail in (f"pair:{base},{match}", f"pair:{match},{base}")
    await screenshot(page, "drawer-pair")
    shared = page.url

    # Esc closes the drawer, restores the URL and gives focus back to the row.
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()
    assert "detail" not in query(page)
    await expect(page.locator("#table-discovery tbody tr").first).to_be_focused()

    # The open drawer is part of the shareable URL.
    await page.goto(shared)
    await expect(drawer).to_be_visible()
    await expect(panels).to_have_count(2)
    await expect(drawer.locator(".pair-stats")).to_contain_text("Similarity")
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()
    assert "detail" not in query(page)
    await expect(page.locator("#main")).to_be_focused()  # no row opened it: focus the results


async def test_keyboard_opens_drawer_and_focus_stays_inside(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await page.goto(api_server.url + "/")
    first = page.locator("#table-discovery tbody tr").first
    await expect(first).to_be_visible()
    await first.focus()
    # One tab stop per row: Tab moves to the next row, Shift+Tab back.
    await page.keyboard.press("Tab")
    await expect(page.locator("#table-discovery tbody tr").nth(1)).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(first).to_be_focused()
    await page.keyboard.press("Enter")
    drawer = page.locator("#drawer")
    await expect(drawer).to_be_visible()
    await expect(page.locator("#drawer-title")).to_be_focused()
    await expect(drawer.locator("section.market")).to_have_count(2)
    for _ in range(12):  # Tab wraps around inside the open dialog
        await page.keyboard.press("Tab")
        inside = await page.evaluate(
            "document.getElementById('drawer').contains(document.activeElement)"
        )
        assert inside
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()
    await expect(first).to_be_focused()


async def test_a_published_opportunity_appears_changes_and_vanishes_live(
    page: Page, api_server: ApiServer, seeded: Seed, redis_url: str
) -> None:
    await page.goto(api_server.url + "/?view=opportunities")
    rows = page.locator("#table-opportunities tbody tr")
    await expect(rows).to_have_count(seeded.opportunities)
    await wait_live(page)
    await page.evaluate("window.__sameDocument = true")

    # A market that had no opportunity gets mispriced books; the opportunity maths finds it and
    # the store publishes it on ops:updates, as the poller would.
    doc = next(
        d
        for d in seeded.markets.values()
        if d.is_binary
        and not d.neg_risk
        and d.id != HOSTILE_ID
        and d.id not in seeded.opportunity_markets
        and 0.3 <= yes_price(d) <= 0.7
    )
    books = {b.token_id: b for b in mispriced_books(doc, discount=0.1)}
    found = find_opportunities([doc], books, FeeTable({}, 0.0), datetime.now(UTC))
    assert found, "planted books must produce an opportunity"
    client = create_redis(redis_url)
    ops = OpsStore(client)
    try:
        await ops.apply_scoped(found.keys(), found)
        row = page.locator("#table-opportunities tbody tr", has_text=doc.question)
        await expect(row).to_be_visible()
        await expect(rows).to_have_count(seeded.opportunities + 1)
        # Highest profit first: the new 20¢ mispricing tops the list.
        await expect(rows.first).to_contain_text(doc.question)
        await screenshot(page, "opportunities-live")

        # A change of terms updates the row in place.
        ((oid, opp),) = found.items()
        changed = opp.model_copy(update={"expected_profit": 4321.0})
        await ops.apply_scoped([oid], {oid: changed})
        await expect(row.locator("td.profit")).to_have_text("$4,321.00")

        # And when it disappears, the row goes.
        await ops.apply_scoped([oid], {})
        await expect(row).to_have_count(0)
        await expect(rows).to_have_count(seeded.opportunities)
    finally:
        await client.aclose()
    assert await page.evaluate("window.__sameDocument === true"), "the page must not reload"


async def test_opportunities_sort_by_edge_and_size(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    await page.goto(api_server.url + "/?view=opportunities")
    rows = page.locator("#table-opportunities tbody tr")
    await expect(rows).to_have_count(seeded.opportunities)
    await screenshot(page, "opportunities")

    def cents(texts: list[str]) -> list[float]:
        return [float(t.replace("¢", "")) for t in texts]

    profits = [
        float(t.replace("$", "").replace(",", ""))
        for t in await page.locator("td.profit").all_inner_texts()
    ]
    assert profits == sorted(profits, reverse=True)
    await page.get_by_role("button", name="Edge").click()
    await expect(page).to_have_url(re.compile(r"sort=edge"))
    edges = cents(
        await page.locator("#table-opportunities tbody td:nth-child(3)").all_inner_texts()
    )
    assert edges == sorted(edges, reverse=True)
    await page.get_by_role("button", name="Edge").click()
    await expect(page).to_have_url(re.compile(r"dir=asc"))
    edges = cents(
        await page.locator("#table-opportunities tbody td:nth-child(3)").all_inner_texts()
    )
    assert edges == sorted(edges)

    # Opening an opportunity shows its terms, legs and market.
    await rows.first.click()
    drawer = page.locator("#drawer")
    await expect(drawer.locator("table.legs")).to_be_visible()
    await expect(drawer.locator("section.market")).to_have_count(1)
    await screenshot(page, "drawer-opportunity")
    title = await page.locator("#drawer-title").inner_text()
    await page.reload()
    await expect(page.locator("#drawer-title")).to_have_text(title)
    await expect(drawer.locator("table.legs")).to_be_visible()


async def test_upstream_text_is_shown_as_text_never_markup(
    page: Page, api_server: ApiServer, seeded: Seed
) -> None:
    assert any(HOSTILE_ID in (a, b) for a, b, _ in seeded.pairs), "hostile market must be paired"
    await page.goto(api_server.url + "/?q=onerror")
    row = page.locator("#table-discovery tbody tr").first
    await expect(row).to_contain_text(HOSTILE_QUESTION)
    await row.click()
    drawer = page.locator("#drawer")
    await expect(drawer.locator("section.market")).to_have_count(2)
    await drawer.locator("details.description summary").first.click()
    await expect(drawer).to_contain_text("<script>window.__pwned=2</script>")
    assert await page.evaluate("window.__pwned === undefined")
    assert await page.locator("main img, #drawer img, #drawer script, main b").count() == 0
    # Links are only ever made from http(s) URLs (the page's own helper, run in the page).
    refused = await page.evaluate(
        """async () => {
            const { safeUrl } = await import("/static/dom.js");
            return ["javascript:alert(1)", "data:text/html,x", " JaVaScRiPt:x", ""].map(safeUrl);
        }"""
    )
    assert refused == [None, None, None, None]
    # A javascript: URL from upstream is never made a link.
    hostile = drawer.locator(f'section.market[data-market-id="{HOSTILE_ID}"]')
    assert await hostile.locator('a[href^="javascript"]').count() == 0


async def test_empty_redis_shows_the_no_matches_state(
    page: Page, api_server: ApiServer, redis_url: str
) -> None:
    await page.goto(api_server.url + "/")
    empty = page.locator("#empty-discovery")
    await expect(empty).to_be_visible()
    await expect(empty).to_have_attribute("data-state", "no-matches")
    await expect(empty).to_contain_text("workers have not run yet")
    await expect(page.locator("#table-discovery")).to_be_hidden()
    await expect(page.locator("#st-matching")).to_contain_text("never")
    await screenshot(page, "empty")
    await page.click("#tab-opportunities")
    await expect(page.locator("#empty-opportunities")).to_contain_text("poller has not run yet")
    assert query(page)["view"] == ["opportunities"]


async def test_unreachable_api_is_reported_and_the_page_recovers(
    page: Page, redis_url: str, seeded: Seed, page_errors: PageErrors
) -> None:
    server = ApiServer(redis_url).start()
    port = server.port
    try:
        await page.goto(server.url + "/")
        await expect(page.locator("#table-discovery tbody tr").first).to_be_visible()
        await wait_live(page)
    finally:
        server.stop()
    banner = page.locator("#banner")
    await expect(banner).to_be_visible()
    await expect(banner).to_have_attribute("data-problem", "api")
    await expect(banner).to_contain_text("Cannot reach the API")
    await expect(page.locator("#st-api")).to_contain_text("unreachable")
    await expect(page.locator("#stream-status")).to_have_attribute("data-state", "reconnecting")
    # The last data received stays on screen.
    await expect(page.locator("#table-discovery tbody tr").first).to_be_visible()
    await screenshot(page, "api-unreachable")

    # The server comes back on the same port: the page reconnects by itself.
    server = ApiServer(redis_url, port=port).start()
    try:
        await expect(page.locator("#stream-status")).to_have_attribute("data-state", "live")
        await expect(banner).to_be_hidden()
        await expect(page.locator("#st-api")).to_contain_text("ok")
    finally:
        server.stop()
    page_errors.console.clear()  # failed fetches while the server was down are expected


async def test_a_degraded_product_says_what_is_wrong_in_the_banner(
    page: Page, api_server: ApiServer, redis_url: str, seeded: Seed
) -> None:
    client = create_redis(redis_url)
    try:
        since = datetime(2026, 11, 24, 10, 42, tzinfo=UTC).isoformat()
        await write_status(
            client, keys.status_poller("polymarket"), failingSince=since, lastError="timeout"
        )
        await write_processes(
            client,
            [
                ProcessRecord(
                    name="embedding",
                    state="stopped",
                    exit_code=2,
                    needs_operator=True,
                    reason="embedding worker stopped: invalid OPENAI_API_KEY",
                    updated_at=datetime.now(UTC).timestamp(),
                )
            ],
        )
    finally:
        await client.aclose()
    await page.goto(api_server.url + "/")
    banner = page.locator("#banner")
    await expect(banner).to_be_visible()
    await expect(banner).to_have_attribute("data-problem", "health")
    await expect(banner).to_contain_text("Polymarket unreachable since 10:42 UTC — retrying")
    await expect(banner).to_contain_text("embedding stopped: needs an operator")
    await expect(page.locator("#st-api")).to_contain_text("degraded")
    # The data already there is still shown.
    await expect(page.locator("#table-discovery tbody tr").first).to_be_visible()
    await screenshot(page, "degraded")
