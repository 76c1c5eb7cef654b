"""CLOB API routes of the replay server: `GET /book` and `POST /books` in the venue's format."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard_backend.replay.state import ReplayState, dumps

NO_BOOK = "No orderbook exists for the requested token id"


def clob_routes(state: ReplayState) -> list[BaseRoute]:
    """The CLOB endpoints bound to `state` (books are read live from `state.books`)."""

    async def read_root(request: Request) -> Response:
        return PlainTextResponse("OK")

    async def read_book(request: Request) -> Response:
        token = request.query_params.get("token_id", "").strip()
        if not token:
            return JSONResponse({"error": "Invalid payload: token_id is required"}, status_code=400)
        book = state.books.get(token)
        if book is None:
            return JSONResponse({"error": NO_BOOK}, status_code=404)
        return Response(dumps(book.to_wire()), media_type="application/json")

    async def read_books(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "Invalid payload"}, status_code=400)
        if not isinstance(body, list) or not all(
            isinstance(item, dict) and isinstance(item.get("token_id"), str) for item in body
        ):
            return JSONResponse(
                {"error": 'Invalid payload: expected [{"token_id": "..."}, ...]'}, status_code=400
            )
        books = [state.books.get(item["token_id"]) for item in body]
        # Unknown tokens are left out, as the venue does.
        return Response(
            dumps([b.to_wire() for b in books if b is not None]), media_type="application/json"
        )

    return [
        Route("/", read_root),
        Route("/book", read_book),
        Route("/books", read_books, methods=["POST"]),
    ]
