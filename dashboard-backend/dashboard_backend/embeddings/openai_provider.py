"""Embeddings from an OpenAI-compatible `POST {base}/embeddings` endpoint, over plain httpx."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import httpx
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, ValidationError

from dashboard_backend.embeddings.cost import estimate_tokens
from dashboard_backend.endpoints import endpoint_url
from dashboard_backend.errors import ParseError, PermanentUpstreamError
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries

# One request may carry up to 2,048 texts; a large batch can take tens of seconds upstream.
REQUEST_TIMEOUT_SEC = 60.0
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Item(_Wire):
    index: int
    embedding: list[float]


class _Usage(_Wire):
    prompt_tokens: int = 0
    total_tokens: int = 0


class _EmbeddingsResponse(_Wire):
    data: list[_Item]
    model: str = ""
    usage: _Usage | None = None


class _ErrorDetail(_Wire):
    message: str = ""
    code: str | None = None


class _ErrorBody(_Wire):
    error: _ErrorDetail


def parse_embeddings(content: bytes, expected: int) -> tuple[npt.NDArray[np.float32], int | None]:
    """The (expected, dim) float32 matrix ordered by `index`, and the billed prompt tokens."""
    try:
        body = _EmbeddingsResponse.model_validate_json(content)
    except ValidationError as exc:
        raise ParseError(f"embeddings response has an unexpected shape: {exc}") from exc
    items = sorted(body.data, key=lambda item: item.index)
    if [item.index for item in items] != list(range(expected)):
        raise ParseError(f"embeddings response has indices for {len(items)} of {expected} texts")
    dims = {len(item.embedding) for item in items}
    if expected and (len(dims) != 1 or 0 in dims):
        raise ParseError(f"embeddings response has inconsistent dimensions {sorted(dims)}")
    # Checked in float64 first: a value beyond float32's range would silently become inf.
    wide = np.asarray([item.embedding for item in items], dtype=np.float64)
    if not np.isfinite(wide).all() or (wide.size and np.abs(wide).max() > _FLOAT32_MAX):
        raise ParseError("embeddings response holds non-finite values")
    return wide.astype(np.float32), (body.usage.prompt_tokens if body.usage else None)


def _error_message(response: httpx.Response) -> str:
    try:
        return _ErrorBody.model_validate_json(response.content).error.message
    except ValidationError:
        return response.text[:200]


class OpenAIProvider:
    """An OpenAI-compatible embeddings client; 429/5xx/timeouts retried, honouring Retry-After."""

    name = "openai"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        model: str,
        base_url: str,
        policy: RetryPolicy | None = None,
        owns_http: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.model = model
        self.url = endpoint_url(base_url, "embeddings", "OPENAI_BASE_URL")
        self.tokens_used = (
            0  # billed prompt tokens over the provider's life (estimated if unreported)
        )
        self._http = http
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._policy = policy or RetryPolicy()
        self._owns_http = owns_http
        self._sleep = sleep

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One request for all `texts` (callers batch), retried on transient failures."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        body: dict[str, object] = {
            "model": self.model,
            "input": list(texts),
            "encoding_format": "float",
        }

        async def call() -> httpx.Response:
            return await self._post(body)

        response = await with_retries(
            call, self._policy, f"POST {self.url} ({len(texts)} texts)", sleep=self._sleep
        )
        matrix, tokens = parse_embeddings(response.content, len(texts))
        self.tokens_used += tokens if tokens is not None else estimate_tokens(texts)
        return matrix

    async def _post(self, body: dict[str, object]) -> httpx.Response:
        response = await self._http.post(
            self.url, json=body, headers=self._headers, timeout=REQUEST_TIMEOUT_SEC
        )
        status = response.status_code
        if status in (401, 403):
            what = "rejected the API key" if status == 401 else "refused access"
            raise PermanentUpstreamError(
                f"{self.url} {what} (HTTP {status}: {_error_message(response)}); "
                "check OPENAI_API_KEY",
                status,
            )
        if status in (400, 404) and "model" in _error_message(response).lower():
            raise PermanentUpstreamError(
                f"{self.url} cannot embed with model {self.model!r} "
                f"(HTTP {status}: {_error_message(response)}); check EMBEDDING_MODEL",
                status,
            )
        raise_for_status(response)
        return response

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_http:
            await self._http.aclose()
