"""Browser fixtures: the system Chromium (one per session) driving the real API on loopback.

The API runs with uvicorn in a background thread against the session's real Redis; each test
gets a fresh browser context and a flushed Redis (the `redis_url` fixture). Tests run in the
session event loop so the one browser can serve them all.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright, expect

from dashboard_backend import keys
from dashboard_backend.api.main import create_app
from dashboard_backend.connections import EmbeddedRedis, create_redis
from dashboard_backend.settings import Settings
from dashboard_backend.status import write_status
from dashboard_backend.venues.registry import venue_specs
from tests.e2e.seed import (
    Seed,
    dump_keys,
    read_seed,
    restore_keys,
    run_workers,
    write_recordings,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 800}  # a common laptop screen
# Generous waits: the suite shares two cores with everything else (they cost nothing when the
# page is quick, and nothing here asserts on time).
WAIT_MS = 15_000


class ApiServer:
    """The real API app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, redis_url: str, port: int | None = None):
        self.redis_url = redis_url
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.port: int = self.sock.getsockname()[1]
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        """Serve until stop(); returns once the server accepts connections."""
        app = create_app(Settings(redis_url=self.redis_url, _env_file=None))
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, ws="none", timeout_graceful_shutdown=1
        )
        server = uvicorn.Server(config)
        sock = self.sock
        self.server = server
        self.thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (open streams are cut after a second)."""
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.sock.close()
        self.server = None


@pytest.fixture(scope="session")
def api_server(redis_server: EmbeddedRedis) -> Iterator[ApiServer]:
    """One API server for the session (Redis is flushed per test, the server keeps running)."""
    server = ApiServer(redis_server.url).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system Chromium binary (`playwright install` cannot download browsers here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `make browser`")
    return CHROMIUM


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """The system Chromium, headless, launched once per session."""
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as pw:
        instance = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


@dataclass
class PageErrors:
    """JavaScript errors the page raised (uncaught exceptions and console errors)."""

    exceptions: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest_asyncio.fixture(loop_scope="session")
async def page_errors() -> PageErrors:
    """Collector for the `page` fixture."""
    return PageErrors()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, page_errors: PageErrors) -> AsyncIterator[Page]:
    """A fresh context and page at laptop size; fails the test on any uncaught page error."""
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)
    new_page = await context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            page_errors.console.append(msg.text)

    def on_error(err: Error) -> None:
        page_errors.exceptions.append(str(err))

    new_page.on("console", on_console)
    new_page.on("pageerror", on_error)
    yield new_page
    await context.close()
    assert page_errors.exceptions == [], f"uncaught errors in the page: {page_errors.exceptions}"
    # Each page's CSP allows only its own scripts and styles: nothing it does may be refused
    # (but ReDoc's footer logo from its CDN, refused by design: see test_docs_offline.py).
    refused = [
        m for m in page_errors.console if "Content Security Policy" in m and "cdn.redoc.ly" not in m
    ]
    assert refused == [], f"the page broke its own CSP: {refused}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def worker_output(
    redis_server: EmbeddedRedis, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[bytes, bytes]:
    """The Redis keys the workers write over the replay stand-in (computed once per session)."""
    client = create_redis(redis_server.url)
    await client.flushall()
    await client.aclose()
    recordings = write_recordings(shared_data, tmp_path_factory.mktemp("recordings"))
    await run_workers(redis_server.url, recordings)
    return await dump_keys(redis_server.url)


@pytest.fixture
async def seeded(redis_url: str, worker_output: dict[bytes, bytes]) -> Seed:
    """A flushed Redis holding what the workers wrote; returns it as read through the stores."""
    await restore_keys(redis_url, worker_output)
    client = create_redis(redis_url)
    try:
        # The workers ran once for the session: their status says so as of now (healthy), and
        # no websocket ingest runs in these tests.
        now = datetime.now(UTC).isoformat()
        for spec in venue_specs():
            await client.delete(keys.status_ws(spec.name))
            await write_status(client, keys.status_poller(spec.name), lastPoll=now)
        return await read_seed(client)
    finally:
        await client.aclose()


async def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page under artifacts/screenshots/ (kept as a test artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path
