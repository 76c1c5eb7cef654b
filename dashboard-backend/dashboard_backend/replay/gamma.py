"""Gamma API routes of the replay server: markets, events and tags in the venue's wire format.

Offset listings (`/markets`, `/events`, `/tags`) answer 422 from offset 2100 on, as the real
API does; the keyset listings (`/markets/keyset`, `/events/keyset`) take `after_cursor` and
return `{"markets"|"events": [...], "next_cursor": ...}`, with `next_cursor` absent on the last
page, at most 100 markets or 500 events a page, and reject `offset`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard_backend.replay.dataset import Raw, market_tokens, to_float
from dashboard_backend.replay.state import ReplayState

MAX_OFFSET = 2100  # offset pagination fails at and beyond this (API_FACTS.md)
DEFAULT_LIMIT = 20
MAX_LIMIT = 500
KEYSET_MAX = {"markets": 100, "events": 500}

Encoder = Callable[[str], bytes | None]  # id -> the record's JSON bytes
Selector = Callable[[Request], list[Raw]]  # request -> the listing it pages through


class QueryError(Exception):
    """A bad query parameter; answered with its status and a message naming it."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"type": "validation error", "error": message}, status_code=status)


def _bool(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise QueryError(f"{name}: expected true or false, got {value!r}")


def _int(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name}: expected an integer, got {value!r}") from None
    if number < 0:
        raise QueryError(f"{name}: must not be negative")
    return min(number, maximum) if maximum is not None else number


def _multi(request: Request, name: str) -> set[str]:
    """A repeatable parameter (`id=1&id=2`), also accepting comma-separated values."""
    return {
        v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()
    }


def _sort(records: list[Raw], request: Request) -> list[Raw]:
    """Apply `order` (comma-separated fields) and `ascending`; missing values sort last."""
    order = request.query_params.get("order")
    if not order:
        return records
    descending = not (_bool(request, "ascending") or False)
    for name in reversed([f.strip() for f in order.split(",") if f.strip()]):
        present = [r for r in records if r.get(name) is not None]
        missing = [r for r in records if r.get(name) is None]

        def key(record: Raw, name: str = name) -> tuple[int, float, str]:
            number = to_float(record.get(name))
            return (0, number, "") if number is not None else (1, 0.0, str(record.get(name)))

        present.sort(key=key, reverse=descending)  # stable, so earlier fields keep ties
        records = present + missing
    return records


def _flags(request: Request) -> Callable[[Raw], bool]:
    """A predicate for the `active`/`closed`/`archived` filters of this request."""
    wanted = [
        (n, v) for n in ("active", "closed", "archived") if (v := _bool(request, n)) is not None
    ]
    return lambda record: all(bool(record.get(n)) == v for n, v in wanted)


def _select_markets(state: ReplayState, request: Request) -> list[Raw]:
    ids, slugs = _multi(request, "id"), _multi(request, "slug")
    tag_ids = _multi(request, "tag_id")
    conditions, tokens = _multi(request, "condition_ids"), _multi(request, "clob_token_ids")
    flags = _flags(request)
    out = []
    for m in state.dataset.markets:
        mid = str(m["id"])
        if (
            (ids and mid not in ids)
            or (slugs and m.get("slug") not in slugs)
            or (tag_ids and not tag_ids & state.dataset.market_tag_ids.get(mid, frozenset()))
            or (conditions and m.get("conditionId") not in conditions)
            or (tokens and not tokens & set(market_tokens(m)))
            or not flags(m)
        ):
            continue
        out.append(m)
    return _sort(out, request)


def _select_events(state: ReplayState, request: Request) -> list[Raw]:
    ids, slugs = _multi(request, "id"), _multi(request, "slug")
    tag_ids, tag_slug = _multi(request, "tag_id"), request.query_params.get("tag_slug")
    flags = _flags(request)
    out = []
    for e in state.dataset.events:
        tags = [t for t in e.get("tags") or [] if isinstance(t, dict)]
        if (
            (ids and str(e["id"]) not in ids)
            or (slugs and e.get("slug") not in slugs)
            or (tag_ids and not tag_ids & {str(t.get("id")) for t in tags})
            or (tag_slug and tag_slug not in {t.get("slug") for t in tags})
            or not flags(e)
        ):
            continue
        out.append(e)
    return _sort(out, request)


def _array(parts: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(parts) + b"]"


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def _query_key(request: Request) -> str:
    """What a cursor is bound to: the query minus paging parameters."""
    items = sorted(
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("limit", "offset", "after_cursor")
    )
    return hashlib.sha1(repr(items).encode(), usedforsecurity=False).hexdigest()[:12]


def _encode_cursor(position: int, request: Request) -> str:
    raw = json.dumps({"p": position, "q": _query_key(request)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, request: Request) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = int(data["p"])
        same_query = data["q"] == _query_key(request)
    except (ValueError, KeyError, TypeError):
        raise QueryError("after_cursor: invalid cursor", 400) from None
    if not same_query or position < 0:
        raise QueryError("after_cursor: cursor does not belong to this query", 400)
    return position


def gamma_routes(state: ReplayState) -> list[BaseRoute]:
    """The Gamma endpoints bound to `state`."""

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                return handler(request)
            except QueryError as exc:
                return _error(str(exc), exc.status)

        return endpoint

    def offset_page(items: list[Raw], blobs: Encoder, request: Request) -> Response:
        limit = _int(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        offset = _int(request, "offset", 0)
        if offset >= MAX_OFFSET:
            raise QueryError(f"offset: must be less than {MAX_OFFSET}; use keyset pagination")
        return _json(
            _array([blobs(str(r["id"])) or b"null" for r in items[offset : offset + limit]])
        )

    def keyset_page(items: list[Raw], blobs: Encoder, kind: str, request: Request) -> Response:
        if "offset" in request.query_params:
            raise QueryError("offset: not supported by keyset pagination; use after_cursor")
        limit = _int(request, "limit", DEFAULT_LIMIT)
        if limit > KEYSET_MAX[kind]:
            raise QueryError(f"limit: at most {KEYSET_MAX[kind]} {kind} per keyset page")
        cursor = request.query_params.get("after_cursor")
        start = _decode_cursor(cursor, request) if cursor else 0
        page = items[start : start + limit]
        body = (
            b'{"' + kind.encode() + b'":' + _array([blobs(str(r["id"])) or b"null" for r in page])
        )
        if start + limit < len(items):
            body += b',"next_cursor":' + json.dumps(_encode_cursor(start + limit, request)).encode()
        return _json(body + b"}")

    def one(blobs: Encoder, key: str | None) -> Response:
        blob = blobs(key) if key is not None else None
        if blob is None:
            return JSONResponse(
                {"type": "not found error", "error": "id not found"}, status_code=404
            )
        return _json(blob)

    def by_slug(records: list[Raw], blobs: Encoder, slug: str) -> Response:
        found = next((str(r["id"]) for r in records if r.get("slug") == slug), None)
        return one(blobs, found)

    def list_tags(request: Request) -> Response:
        limit = _int(request, "limit", 100, MAX_LIMIT)
        offset = _int(request, "offset", 0)
        if offset >= MAX_OFFSET:
            raise QueryError(f"offset: must be less than {MAX_OFFSET}")
        return JSONResponse(state.dataset.tags[offset : offset + limit])

    def read_tag(request: Request) -> Response:
        key, value = (
            ("slug", request.path_params["slug"])
            if "slug" in request.path_params
            else ("id", request.path_params["id"])
        )
        tag = next((t for t in state.dataset.tags if str(t.get(key)) == value), None)
        if tag is None:
            return JSONResponse(
                {"type": "not found error", "error": "tag not found"}, status_code=404
            )
        return JSONResponse(tag)

    ds, mj, ej = state.dataset, state.market_json, state.event_json
    selections: dict[tuple[str, str], list[Raw]] = {}

    def cached(kind: str, select: Callable[[ReplayState, Request], list[Raw]]) -> Selector:
        # The catalogue never changes while serving, so a listing's filtered, sorted order is
        # computed once per query and each further page is a slice of it.
        def run(request: Request) -> list[Raw]:
            key = (kind, _query_key(request))
            if key not in selections:
                if len(selections) >= 256:
                    selections.clear()
                selections[key] = select(state, request)
            return selections[key]

        return run

    markets, events = cached("markets", _select_markets), cached("events", _select_events)
    return [
        Route("/markets", guarded(lambda r: offset_page(markets(r), mj, r))),
        Route(
            "/markets/keyset",
            guarded(lambda r: keyset_page(markets(r), mj, "markets", r)),
        ),
        Route(
            "/markets/slug/{slug}",
            guarded(lambda r: by_slug(ds.markets, mj, r.path_params["slug"])),
        ),
        Route("/markets/{id}", guarded(lambda r: one(mj, r.path_params["id"]))),
        Route("/events", guarded(lambda r: offset_page(events(r), ej, r))),
        Route(
            "/events/keyset",
            guarded(lambda r: keyset_page(events(r), ej, "events", r)),
        ),
        Route(
            "/events/slug/{slug}", guarded(lambda r: by_slug(ds.events, ej, r.path_params["slug"]))
        ),
        Route("/events/{id}", guarded(lambda r: one(ej, r.path_params["id"]))),
        Route("/tags", guarded(list_tags)),
        Route("/tags/slug/{slug}", guarded(read_tag)),
        Route("/tags/{id}", guarded(read_tag)),
    ]
