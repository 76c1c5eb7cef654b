"""`/docs` and `/redoc` render in Chromium with every request off loopback refused."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from tests.e2e.conftest import ApiServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


def csp_violations(page: Page) -> list[str]:
    """Console errors the page's Content-Security-Policy raised (collected as they come)."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: (
            found.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return found


async def cut_off_network(page: Page, api: ApiServer) -> list[str]:
    """Abort every request that is not to the API on loopback; returns the list of them."""
    refused: list[str] = []

    async def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(api.url + "/") or url.startswith("data:"):
            await route.continue_()
        else:
            refused.append(url)
            await route.abort("internetdisconnected")

    await page.route("**/*", guard)
    return refused


async def test_swagger_ui_renders_every_route_offline(
    page: Page, api_server: ApiServer, redis_url: str
) -> None:
    refused = await cut_off_network(page, api_server)
    violations = csp_violations(page)
    await page.goto(api_server.url + "/docs")
    operations = page.locator(".opblock-summary-path")
    await expect(operations.filter(has_text="/v1/opportunities")).to_have_count(1)
    await expect(operations.filter(has_text="/v1/history")).to_have_count(1)
    await expect(page.locator(".models, .model-container").first).to_be_visible()
    # A response schema is shown, not an empty body.
    await operations.filter(has_text="/v1/history").click()
    await expect(page.locator(".opblock-body").first).to_contain_text("nextCursor")
    await screenshot(page, "docs-swagger")
    assert refused == []
    assert violations == []


async def test_redoc_renders_offline(page: Page, api_server: ApiServer, redis_url: str) -> None:
    refused = await cut_off_network(page, api_server)
    violations = csp_violations(page)
    await page.goto(api_server.url + "/redoc")
    await expect(page.get_by_text("/v1/cross-opportunities").first).to_be_attached()
    await expect(page.locator("h1").first).to_contain_text("Prediction-market mispricing finder")
    await screenshot(page, "docs-redoc")
    assert refused == []
    # The CDN logo is refused by the policy itself (img-src 'self'), nothing else.
    assert [v for v in violations if "cdn.redoc.ly" not in v] == []


async def test_docs_assets_come_from_the_installed_package(
    page: Page, api_server: ApiServer, redis_url: str
) -> None:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = await page.request.get(f"{api_server.url}/docs-assets/{name}")
        assert response.status == 200
        assert len(await response.body()) > 100_000
    missing = await page.request.get(f"{api_server.url}/docs-assets/..%2Fsettings.py")
    assert missing.status == 404
