"""The error side of the API over real HTTP: 4xx naming the problem, 503 for Redis, HEAD, hosts,
security headers and the bearer token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from dashboard_backend.api.main import create_app
from dashboard_backend.errors import ConfigError
from dashboard_backend.serve import free_port
from dashboard_backend.settings import Settings
from tests.support_http import run_app
from tests.support_process import run_module

TOKEN = "a-long-enough-test-token"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/history?since=0001-01-01T00:00:00Z", "since"),
        ("/v1/history?since=-1", "since"),
        ("/v1/history?market_id=a%00b", "market_id"),
        ("/v1/opportunities?category=" + "x" * 65, "category"),
        ("/v1/cross-opportunities?market_id=%0a", "market_id"),
        ("/v1/market/" + "9" * 300, "market_id"),
        ("/v1/stream?keepalive=0", "keepalive"),
    ],
)
async def test_bad_input_is_422_naming_the_parameter_without_echoing_it(
    http: httpx.AsyncClient, path: str, name: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 422
    body = response.json()
    assert f"'{name}'" in body["detail"]
    assert isinstance(body["errors"], list)
    assert body["errors"][0]["loc"][-1] == name
    assert "9" * 100 not in response.text  # a huge id is not echoed in full


async def test_odd_static_paths_and_unknown_markets_are_404_with_short_messages(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/static/%00index.html")).status_code == 404
    assert (await http.get("/static/../../settings.py")).status_code == 404
    long_id = "7" * 200
    response = await http.get(f"/v1/market/{long_id}")
    assert response.status_code == 404
    assert long_id not in response.json()["detail"]
    assert "7" * 70 in response.json()["detail"]


async def test_history_since_naive_time_is_utc(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/history", params={"since": "1970-01-01T00:00:00"})
    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_head_answers_like_get_without_a_body_and_options_lists_methods(
    http: httpx.AsyncClient,
) -> None:
    for path in ("/healthz", "/v1/opportunities", "/", "/static/app.js", "/openapi.json"):
        get = await http.get(path)
        head = await http.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    # HEAD of the endless stream answers its headers and ends.
    head = await asyncio.wait_for(http.head("/v1/stream"), 5)
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    options = await http.options("/healthz")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    assert (await http.options("/nope")).status_code == 404


async def test_security_headers_and_a_strict_csp_on_the_page(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert (await http.get("/healthz")).headers["x-content-type-options"] == "nosniff"


async def test_unknown_host_names_are_refused(http: httpx.AsyncClient) -> None:
    evil = await http.get("/healthz", headers={"host": "attacker.example"})
    assert evil.status_code == 400
    assert (await http.get("/healthz", headers={"host": "localhost:1"})).status_code == 200


def test_allowed_hosts_follow_the_settings() -> None:
    assert "127.0.0.1" in Settings().allowed_hosts
    assert "10.1.2.3" in Settings(api_host="10.1.2.3", api_token=TOKEN).allowed_hosts
    assert Settings(api_allowed_hosts="a.example, b.example").allowed_hosts == [
        "a.example",
        "b.example",
    ]


def test_binding_beyond_loopback_requires_a_token() -> None:
    with pytest.raises(ConfigError, match="API_TOKEN"):
        Settings(api_host="0.0.0.0").check_api_exposure()
    Settings(api_host="0.0.0.0", api_token=TOKEN).check_api_exposure()
    Settings(api_host="::1").check_api_exposure()
    Settings(api_host="localhost").check_api_exposure()
    with pytest.raises(ValueError, match="16 characters"):
        Settings(api_token="short")


def test_the_api_entry_point_refuses_an_exposed_bind_without_token() -> None:
    done = run_module(
        "dashboard_backend.api", drop=("API_TOKEN",), API_HOST="0.0.0.0", API_PORT=str(free_port())
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "API_TOKEN" in lines[0]


@pytest.fixture
def token_api(redis_url: str) -> Iterator[str]:
    settings = Settings(redis_url=redis_url, api_token=TOKEN)
    with run_app(create_app(settings), lifespan="on") as base_url:
        yield base_url


async def test_with_a_token_every_request_needs_it(token_api: str) -> None:
    async with httpx.AsyncClient(base_url=token_api, timeout=10) as client:
        refused = await client.get("/v1/opportunities")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert (await client.get("/")).status_code == 401
        wrong = await client.get("/healthz", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await client.get("/healthz", headers={"authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        # The page: the token once in the URL becomes a cookie, then the page and its stream work.
        login = await client.get("/", params={"token": TOKEN})
        assert login.status_code == 303
        assert login.headers["location"] == "/"
        assert "HttpOnly" in login.headers["set-cookie"]
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/v1/opportunities")).status_code == 200


async def test_redis_unreachable_is_503_with_retry_after() -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with run_app(create_app(Settings(redis_url=dead)), lifespan="on") as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            for path in ("/v1/opportunities", "/v1/history", "/v1/market/1"):
                response = await client.get(path)
                assert response.status_code == 503, path
                assert response.headers["retry-after"] == "2"
                assert "Redis is unreachable" in response.json()["detail"]
            health = await client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["redis"] is False
