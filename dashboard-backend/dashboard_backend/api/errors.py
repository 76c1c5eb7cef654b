"""The error side of the API contract: error bodies, their handlers and the documented responses.

Every error is JSON with a human `detail`; validation errors (422) also list each problem.
Redis being unreachable (restarting) is a 503 with `Retry-After`, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from dashboard_backend.errors import ApiError
from dashboard_backend.outage import REDIS_DOWN

# Seconds a client is asked to wait when Redis is unreachable.
REDIS_RETRY_AFTER_SEC = 2
# Longest piece of client input echoed back in an error message.
ECHO_MAX = 80


class ErrorBody(BaseModel):
    """Any error: what went wrong, in one sentence."""

    detail: str


class ValidationIssue(BaseModel):
    """One invalid parameter."""

    loc: list[str]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    """422: every invalid parameter, named in `detail` and listed in `errors`."""

    detail: str
    errors: list[ValidationIssue]


def shorten(text: str, limit: int = ECHO_MAX) -> str:
    """Client input fit to echo in a message: printable, at most `limit` characters."""
    clean = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


UNAVAILABLE: dict[int, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "Redis is unreachable; retry shortly"}
}
UNAUTHORIZED: dict[int, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "API_TOKEN is set and was not sent"}
}
INVALID: dict[int, dict[str, Any]] = {
    422: {"model": ValidationErrorBody, "description": "an invalid parameter"}
}
NOT_FOUND: dict[int, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such resource"}
}


def documented(*groups: Mapping[int, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Merge documented responses for `responses=`."""
    out: dict[int | str, dict[str, Any]] = {}
    for group in groups:
        for status, response in group.items():
            out[status] = response
    return out


def validation_issues(exc: RequestValidationError) -> list[ValidationIssue]:
    """Validation errors reduced to JSON-safe fields (the rejected input is never echoed)."""
    return [
        ValidationIssue(
            loc=[shorten(str(p)) for p in e.get("loc", ())],
            msg=shorten(str(e.get("msg", "")), 200),
            type=str(e.get("type", "")),
        )
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    """ApiError -> its status; validation -> 422 naming each parameter; Redis down -> 503."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        issues = validation_issues(exc)
        messages = []
        for issue in issues:
            loc = [p for p in issue.loc if p not in ("query", "path", "body", "header")]
            # A repeatable parameter's value is named by position: 'kind' (value 2).
            names = [p for p in loc if not p.isdigit()]
            values = [f" (value {int(p) + 1})" for p in loc if p.isdigit()]
            name = ".".join(names) or "request"
            messages.append(f"invalid parameter '{name}'{''.join(values)}: {issue.msg}")
        body = ValidationErrorBody(detail="; ".join(messages), errors=issues)
        return JSONResponse(body.model_dump(), status_code=422)

    async def redis_down(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": f"Redis is unreachable ({shorten(str(exc), 200)}); retry shortly"},
            status_code=503,
            headers={"Retry-After": str(REDIS_RETRY_AFTER_SEC)},
        )

    for error in REDIS_DOWN:
        app.add_exception_handler(error, redis_down)
