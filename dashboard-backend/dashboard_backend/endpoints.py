"""URLs of OpenAI-compatible endpoints: a configured base URL plus the route, validated once."""

from __future__ import annotations

import httpx

from dashboard_backend.errors import ConfigError


def endpoint_url(base_url: str, route: str, setting: str) -> str:
    """`{base_url}/{route}`; ConfigError naming `setting` when the base is not an http(s) URL."""
    try:
        parsed = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ConfigError(f"{setting} {base_url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{setting} {base_url!r} is not an http(s) URL")
    return base_url.rstrip("/") + "/" + route.lstrip("/")
