"""A loopback stand-in for an OpenAI-compatible chat endpoint (tests and the verifier benchmark).

It speaks the chat-completions wire format: `POST /v1/chat/completions` with a bearer key and a
JSON body (`model`, `messages` of {role, content}) answers a `chat.completion` object (`id`,
`object`, `created`, `model`, `choices[{index, message{role, content, refusal}, logprobs,
finish_reason}]`, `usage`), and errors come as OpenAI's `{"error": {message, type, param,
code}}` bodies: 401 for a wrong key (echoing a masked key, as OpenAI does), 400 for a malformed
request, 429 with `Retry-After`, 500. What the model says is a function of the request
(`answer`); `script` injects one fault per request, in order: "429", "500", "hang" (answer after
`hang_sec`, past the client's timeout), "garble" (content that is not JSON), "cut"
(finish_reason "length") or "shape" (a 200 body that is not a completion).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from dashboard_backend.serve import read_body, send_json

STANDIN_KEY = "sk-standin-verifier-0123456789abcdef"

Answerer = Callable[[dict[str, Any]], str]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_ENGINE = re.compile(
    r"A rule-based engine says: (?P<rel>[a-z_]+) \(confidence [\d.]+\), outcome map (?P<map>[^,]"
    r"[^\n]*?), because:"
)
_FIVE = {"inverse": "equivalent", "mutually_exclusive": "related_not_equivalent"}


def user_text(body: dict[str, Any]) -> str:
    """The user message of a request."""
    return next(
        (str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"),
        "",
    )


def content_json(relation: str, pairs: list[tuple[str, str]], reason: str) -> str:
    """A well-formed answer's content."""
    return json.dumps(
        {
            "relation": relation,
            "outcome_map": [{"a": a, "b": b} for a, b in pairs],
            "reason": reason,
        }
    )


def engine_reading(body: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The engine's relation (in the five classes) and outcome map, read back from the prompt."""
    found = _ENGINE.search(user_text(body))
    if found is None:
        return "unrelated", []
    pairs: list[tuple[str, str]] = []
    if found["map"] != "none":
        for item in found["map"].split(", "):
            a, _, b = item.partition("=")
            pairs.append((a, b))
    return _FIVE.get(found["rel"], found["rel"]), pairs


def confirm_engine(body: dict[str, Any]) -> str:
    """Agree with the engine (its relation and map, in the five classes)."""
    relation, pairs = engine_reading(body)
    if relation in ("related_not_equivalent", "unrelated"):
        pairs = []
    return content_json(relation, pairs, "the stand-in agrees with the engine")


def always(relation: str, pairs: list[tuple[str, str]] | None = None) -> Answerer:
    """Answer the same relation and map whatever is asked."""

    def answer(_body: dict[str, Any]) -> str:
        return content_json(relation, pairs or [], f"the stand-in always says {relation}")

    return answer


def _error(status: int, message: str, kind: str, code: str | None) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _masked(key: str) -> str:
    return f"{key[:3]}{'*' * 10}{key[-4:]}" if len(key) > 8 else "***"


@dataclass
class ChatStandIn:
    """The ASGI app, what it saw and what it has been told to do."""

    answer: Answerer = confirm_engine
    api_key: str | None = STANDIN_KEY  # None: any key, or none, is accepted
    script: list[str] = field(default_factory=list)
    retry_after: str = "1"
    hang_sec: float = 3.0
    attempts: int = 0  # every POST, whatever the answer
    requests: list[dict[str, Any]] = field(default_factory=list)  # bodies answered with 200
    authorizations: list[str] = field(default_factory=list)  # Authorization headers received

    async def _answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        self.attempts += 1
        given = headers.get("authorization", "")
        self.authorizations.append(given)
        if self.api_key is not None and given != f"Bearer {self.api_key}":
            sent = given.removeprefix("Bearer ")
            return (
                *_error(
                    401,
                    f"Incorrect API key provided: {_masked(sent)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                    "invalid_api_key",
                ),
                {},
            )
        fault = self.script.pop(0) if self.script else ""
        if fault == "429":
            message = "Rate limit reached for requests per min (RPM). Please try again later."
            return (
                *_error(429, message, "requests", "rate_limit_exceeded"),
                {"retry-after": self.retry_after},
            )
        if fault == "500":
            message = "The server had an error while processing your request. Sorry about that!"
            return (*_error(500, message, "server_error", None), {})
        if fault == "hang":
            await asyncio.sleep(self.hang_sec)
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            return (
                *_error(
                    400,
                    "We could not parse the JSON body of your request.",
                    "invalid_request_error",
                    None,
                ),
                {},
            )
        messages = body.get("messages") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("model"), str)
            or not isinstance(messages, list)
            or not all(isinstance(m, dict) and {"role", "content"} <= m.keys() for m in messages)
        ):
            return (
                *_error(400, "'messages' and 'model' are required.", "invalid_request_error", None),
                {},
            )
        self.requests.append(body)
        if fault == "shape":
            return 200, {"object": "list", "data": []}, {}
        content = (
            "Sure! The markets look the same to me." if fault == "garble" else self.answer(body)
        )
        tokens = len(user_text(body).split())
        completion = {
            "id": f"chatcmpl-standin{len(self.requests)}",
            "object": "chat.completion",
            "created": 1767225600,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "length" if fault == "cut" else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": tokens,
                "completion_tokens": 30,
                "total_tokens": tokens + 30,
            },
            "system_fingerprint": "fp_standin",
        }
        return 200, completion, {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["method"] == "POST" and scope["path"] == "/v1/chat/completions":
            status, payload, extra = await self._answer(headers, raw)
        else:
            status, payload = _error(
                404,
                f"Invalid URL ({scope['method']} {scope['path']})",
                "invalid_request_error",
                None,
            )
            extra = {}
        await send_json(send, status, payload, extra)
