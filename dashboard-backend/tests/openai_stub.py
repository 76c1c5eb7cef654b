"""A local OpenAI-compatible `/v1/embeddings` server (real HTTP on loopback) for embedding tests.

Vectors are a deterministic hashed bag of words, so texts sharing words are close. The server
counts requests and can be told to answer 429 (with Retry-After), 500 from some request on, or a
malformed body; a wrong key gets 401 and an unknown model 404, as from OpenAI.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from dashboard_backend.serve import free_port, read_body, send_json

API_KEY = "sk-test-embeddings-0123456789"
MODELS = {"text-embedding-3-small": 64, "text-embedding-3-large": 96}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def bag_of_words(text: str, model: str, dims: int) -> list[float]:
    """Deterministic vector: each word adds ±1 at a hashed position (per model)."""
    vector = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(f"{model}:{word}".encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dims
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    return vector


def _error(message: str, kind: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


@dataclass
class OpenAIStub:
    """The ASGI app plus what it saw and what it has been told to do."""

    api_key: str = API_KEY
    base_url: str = ""
    attempts: int = 0  # every POST /v1/embeddings, whatever the answer
    requests: list[dict[str, Any]] = field(default_factory=list)  # bodies answered with 200
    rate_limits: int = 0  # answer this many next requests with 429
    retry_after: str = "1"
    fail_after: int | None = None  # after this many 200s, answer every request with 500
    garble_attempt: int | None = None  # answer this attempt (1-based) with one vector missing

    @property
    def texts(self) -> list[str]:
        """Every text embedded successfully, in request order."""
        return [t for body in self.requests for t in body["input"]]

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        self.attempts += 1
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return (
                401,
                _error(
                    "Incorrect API key provided: sk-***. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                    "invalid_api_key",
                ),
                {},
            )
        if self.rate_limits > 0:
            self.rate_limits -= 1
            message = "Rate limit reached for text-embedding-3-small on requests per min (RPM)."
            return (
                429,
                _error(message, "requests", "rate_limit_exceeded"),
                {"retry-after": self.retry_after},
            )
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            message = "The server had an error while processing your request. Sorry about that!"
            return 500, _error(message, "server_error", None), {}
        request = json.loads(body)
        model = request.get("model")
        if model not in MODELS:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return 404, _error(message, "invalid_request_error", "model_not_found"), {}
        texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
        if self.attempts != self.garble_attempt:
            self.requests.append(request)
        data = [
            {"object": "embedding", "index": i, "embedding": bag_of_words(t, model, MODELS[model])}
            for i, t in enumerate(texts)
        ]
        tokens = sum(len(re.findall(r"\w+", t)) for t in texts)
        if self.attempts == self.garble_attempt:
            data = data[1:]
        # Answer out of order: clients must sort by `index`.
        return (
            200,
            {
                "object": "list",
                "data": data[::-1],
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            {},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] == "POST" and scope["path"] == "/v1/embeddings":
            status, payload, extra = self._answer(headers, body)
        else:
            status, extra = 404, {}
            payload = _error(
                f"Invalid URL ({scope['method']} {scope['path']})", "invalid_request_error", None
            )
        await send_json(send, status, payload, extra)


@asynccontextmanager
async def serve_stub(stub: OpenAIStub | None = None) -> AsyncIterator[OpenAIStub]:
    """Serve a stub on a free loopback port for the duration of the block."""
    app = stub or OpenAIStub()
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", ws="none", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    app.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield app
    finally:
        server.should_exit = True
        await task
