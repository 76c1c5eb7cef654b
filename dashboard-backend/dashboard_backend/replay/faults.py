"""Fault injection for the replay server: rate limits, server errors, stalls, malformed payloads.

Spec syntax (`--faults`, or `FaultPlan.parse`): comma-separated rules
`KIND[=ARG]@WHEN[:PATH]`, e.g. `429@2,500@3,timeout@4,malformed@5`.

KIND and ARG:
- `429[=S]`      answer 429 with `Retry-After: S` (default 1 second);
- `500`, `502`, `503`, `504`   answer that status with a JSON error body;
- `timeout[=S]`  sleep S seconds (default 30) before answering, i.e. past any client timeout;
- `malformed[=K]` answer normally but corrupt every K-th record of the page (default 3, the
  first record always): Gamma markets lose `question`/`conditionId`, get unparsable
  `outcomes`/`clobTokenIds` strings, wrong types or mismatched lengths; CLOB books get
  non-numeric prices or lose a side; any other JSON body is cut short.
WHEN (requests counted per rule, 1-based, among those matching PATH):
- `N`     the N-th request only;       `N-M`  requests N to M;
- `*N`    every N-th request (N, 2N, ...);     `N+`   the N-th and every later one.
PATH: a path prefix the rule counts and applies to (default: every HTTP path), e.g.
`429@1:/markets` (the first Gamma markets request) or `500@*2:/books`.
The first matching rule wins; websocket connections are never faulted. Applied faults are
kept in `FaultPlan.applied` so tests can check what happened.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KINDS = ("429", "500", "502", "503", "504", "timeout", "malformed")
_RULE = re.compile(
    r"^(?P<kind>[a-z0-9]+)(?:=(?P<arg>[0-9.]+))?@(?P<when>\*\d+|\d+-\d+|\d+\+?)(?::(?P<path>/\S*))?$"
)


@dataclass
class FaultRule:
    """One rule of a fault plan."""

    kind: str
    first: int = 1
    last: int | None = 1  # None = no end
    every: int | None = None
    path: str = "/"
    arg: float | None = None
    seen: int = 0

    def matches(self, path: str) -> bool:
        """Count a request to `path`; True when this rule fires for it."""
        if not path.startswith(self.path):
            return False
        self.seen += 1
        if self.every is not None:
            return self.seen % self.every == 0
        return self.seen >= self.first and (self.last is None or self.seen <= self.last)


@dataclass(frozen=True)
class AppliedFault:
    """A fault that happened: which rule kind, on which path, how many records corrupted."""

    kind: str
    path: str
    corrupted: int = 0


@dataclass
class FaultPlan:
    """An ordered list of rules plus the record of what was applied."""

    rules: list[FaultRule] = field(default_factory=list)
    applied: list[AppliedFault] = field(default_factory=list)

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        """Parse the `--faults` syntax; raises ValueError naming the bad rule."""
        rules: list[FaultRule] = []
        for text in (spec or "").split(","):
            text = text.strip()
            if not text:
                continue
            match = _RULE.match(text)
            if match is None or match["kind"] not in KINDS:
                raise ValueError(f"bad fault rule {text!r}: expected KIND[=ARG]@WHEN[:PATH]")
            when, arg = match["when"], match["arg"]
            rule = FaultRule(
                match["kind"], path=match["path"] or "/", arg=float(arg) if arg else None
            )
            if when.startswith("*"):
                rule.every, rule.last = int(when[1:]), None
            elif "-" in when:
                rule.first, rule.last = (int(x) for x in when.split("-"))
            elif when.endswith("+"):
                rule.first, rule.last = int(when[:-1]), None
            else:
                rule.first = rule.last = int(when)
            if min(rule.first, rule.every or 1) < 1:
                raise ValueError(f"bad fault rule {text!r}: requests are counted from 1")
            rules.append(rule)
        return cls(rules)

    def pick(self, path: str) -> FaultRule | None:
        """The rule that fires for this request (every rule counts it), or None."""
        fired = [rule for rule in self.rules if rule.matches(path)]
        return fired[0] if fired else None


_BAD_MARKET = (
    lambda m: {k: v for k, v in m.items() if k not in ("question", "conditionId")},
    lambda m: {**m, "outcomes": '["Yes", "No"'},
    lambda m: {**m, "clobTokenIds": 12345},
    lambda m: {**m, "outcomePrices": {"yes": 0.5}},
    lambda m: {**m, "id": None},
    lambda m: {**m, "outcomes": '["Yes", "No", "Maybe"]', "clobTokenIds": "[not json"},
)
_BAD_BOOK = (
    lambda b: {**b, "bids": [{"price": "abc", "size": "10"}]},
    lambda b: {k: v for k, v in b.items() if k != "asks"},
    lambda b: {**b, "asks": "none"},
    lambda b: {**b, "asset_id": None},
)


def _corrupt_records(records: list[Any], every: int) -> int:
    """Corrupt records[0], records[every], ... in place; returns how many."""
    count = 0
    for i in range(0, len(records), every):
        record = records[i]
        if not isinstance(record, dict):
            continue
        variant = (i // every) % 6
        if "asset_id" in record:
            records[i] = _BAD_BOOK[variant % len(_BAD_BOOK)](record)
        elif isinstance(record.get("markets"), list):  # an event: corrupt its first market
            nested = [m for m in record["markets"] if isinstance(m, dict)]
            if variant == 5 or not nested:
                records[i] = {**record, "markets": "oops"}
            else:
                records[i] = {**record, "markets": [_BAD_MARKET[variant](nested[0]), *nested[1:]]}
        else:
            records[i] = _BAD_MARKET[variant](record)
        count += 1
    return count


def corrupt_body(body: bytes, every: int) -> tuple[bytes, int]:
    """A malformed version of a JSON response body and the number of records corrupted."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[: len(body) // 2], 1
    if isinstance(data, dict):
        key = next(
            (k for k in ("markets", "events", "data") if isinstance(data.get(k), list)), None
        )
        if key is not None:
            count = _corrupt_records(data[key], every)
        elif "asset_id" in data:
            data, count = _BAD_BOOK[0](data), 1
        else:
            return body[: len(body) // 2], 1
    elif isinstance(data, list):
        count = _corrupt_records(data, every)
    else:
        return body[: len(body) // 2], 1
    return json.dumps(data).encode(), count


async def _buffer_request(receive: Receive) -> Receive:
    """Drain the request body now; the returned `receive` replays it, then defers."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


class FaultMiddleware:
    """ASGI middleware applying a FaultPlan to HTTP requests."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.plan.rules:
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        rule = self.plan.pick(path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "timeout":
            self.plan.applied.append(AppliedFault("timeout", path))
            # Read the request first: the client is usually gone when the sleep ends.
            replay = await _buffer_request(receive)
            await asyncio.sleep(rule.arg if rule.arg is not None else 30.0)
            await self.app(scope, replay, send)
        elif rule.kind == "malformed":
            await self._malformed(scope, receive, send, path, int(rule.arg or 3))
        else:
            status = int(rule.kind)
            headers = [(b"content-type", b"application/json")]
            if status == 429:
                retry_after = rule.arg if rule.arg is not None else 1.0
                headers.append((b"retry-after", f"{retry_after:g}".encode()))
            body = json.dumps({"error": f"injected fault: HTTP {status}"}).encode()
            headers.append((b"content-length", str(len(body)).encode()))
            self.plan.applied.append(AppliedFault(rule.kind, path))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    async def _malformed(
        self, scope: Scope, receive: Receive, send: Send, path: str, every: int
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body, count = corrupt_body(b"".join(chunks), max(1, every))
        self.plan.applied.append(AppliedFault("malformed", path, count))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
