"""Chat completions from any OpenAI-compatible `POST {LLM_BASE_URL}/chat/completions`, plain httpx.

429, 5xx, timeouts and connection errors are retried by the project's retry helpers (honouring
`Retry-After`); 401/403 and other 4xx fail at once. The API key only ever travels in the
`Authorization` header: no message, log line or error text carries it (an error body is not
quoted for 401/403, since some servers echo part of the key there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from dashboard_backend.endpoints import endpoint_url
from dashboard_backend.errors import ParseError, PermanentUpstreamError
from dashboard_backend.retry import RetryPolicy, raise_for_status, with_retries


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Message(_Wire):
    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None


class _Choice(_Wire):
    index: int = 0
    message: _Message
    finish_reason: str | None = None


class _Completion(_Wire):
    object: str = "chat.completion"
    choices: list[_Choice]
    model: str = ""


@dataclass(frozen=True)
class ChatReply:
    """The first choice of a completion."""

    content: str | None
    finish_reason: str | None
    refusal: str | None = None


def parse_completion(content: bytes) -> ChatReply:
    """The first choice of a `chat.completion` body; ParseError when it is not one."""
    try:
        body = _Completion.model_validate_json(content)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        raise ParseError(f"not a chat completion ({where}: {problem['msg']})") from exc
    if not body.choices:
        raise ParseError("chat completion has no choices")
    first = min(body.choices, key=lambda c: c.index)
    return ChatReply(first.message.content, first.finish_reason, first.message.refusal)


class ChatClient:
    """One model behind one endpoint; `attempts` counts every HTTP request sent."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout_sec: float,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.model = model
        self.url = endpoint_url(base_url, "chat/completions", "LLM_BASE_URL")
        self.attempts = 0
        self._http = http
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout_sec
        self._policy = policy or RetryPolicy()
        self._sleep = sleep

    async def complete(self, messages: Sequence[dict[str, str]]) -> ChatReply:
        """One completion at temperature 0 asking for a JSON object, retried when transient."""
        body: dict[str, object] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }

        async def call() -> httpx.Response:
            return await self._post(body)

        response = await with_retries(call, self._policy, f"POST {self.url}", sleep=self._sleep)
        return parse_completion(response.content)

    async def _post(self, body: dict[str, object]) -> httpx.Response:
        self.attempts += 1
        response = await self._http.post(
            self.url, json=body, headers=self._headers, timeout=self._timeout
        )
        status = response.status_code
        if status in (401, 403):
            what = "rejected the API key" if status == 401 else "refused access"
            raise PermanentUpstreamError(
                f"{self.url} {what} (HTTP {status}); check LLM_API_KEY", status
            )
        raise_for_status(response)
        return response
