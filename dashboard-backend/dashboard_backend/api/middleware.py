"""ASGI middleware of the API: HEAD / OPTIONS, security headers and the bearer token.

Pure ASGI (no per-request objects beyond what is needed) so they cost little on every request,
streams included.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The page runs only its own scripts and styles; nothing may frame it.
PAGE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
TOKEN_COOKIE = "api_token"


class SecurityHeaders:
    """nosniff, no framing, no referrer, and the page's CSP on every response without one."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                # A response with a policy of its own (the docs pages) keeps it.
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", PAGE_CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAndOptions:
    """HEAD answers like GET without a body (streams end at once); OPTIONS lists the methods."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method == "OPTIONS":
            await self._options(scope, receive, send)
        elif method == "HEAD":
            await self._head(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _options(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = scope["app"].router if "app" in scope else None
        get_scope = {**scope, "method": "GET"}
        known = router is not None and any(
            route.matches(get_scope)[0] == Match.FULL for route in router.routes
        )
        if not known:
            await self.app(scope, receive, send)  # 404 / 405 as usual
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"allow", b"GET, HEAD, OPTIONS")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server still knows the request was HEAD and sends no body bytes; here the app runs
        # as for GET and is told the client left once the headers are out (ends a stream).
        done = asyncio.Event()

        async def head_send(message: Message) -> None:
            if done.is_set():
                return
            if message["type"] == "http.response.body":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                done.set()
                return
            await send(message)

        async def head_receive() -> Message:
            if done.is_set():
                return {"type": "http.disconnect"}
            incoming = asyncio.ensure_future(receive())
            finished = asyncio.ensure_future(done.wait())
            await asyncio.wait({incoming, finished}, return_when=asyncio.FIRST_COMPLETED)
            if incoming.done():
                finished.cancel()
                return incoming.result()
            incoming.cancel()
            return {"type": "http.disconnect"}

        await self.app({**scope, "method": "GET"}, head_receive, head_send)


class BearerToken:
    """With API_TOKEN set, every request carries it (header or cookie) or gets 401.

    `GET /?token=...` with the right token stores it in an HttpOnly, SameSite=Strict cookie and
    redirects to `/`, so a browser (whose EventSource cannot send headers) can use the page.
    """

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode()

    def _matches(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        auth = headers.get("authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is just no cookie
            cookie = SimpleCookie()
        from_cookie = cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else None
        if self._matches(bearer) or self._matches(from_cookie):
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        offered = query.get("token", [None])[0]
        if scope.get("path") == "/" and self._matches(offered):
            await _respond(
                send,
                303,
                b"",
                [
                    (b"location", b"/"),
                    (
                        b"set-cookie",
                        f"{TOKEN_COOKIE}={offered}; Path=/; HttpOnly; SameSite=Strict".encode(),
                    ),
                ],
            )
            return
        body = json.dumps({"detail": "missing or wrong API token (Authorization: Bearer …)"})
        await _respond(
            send,
            401,
            body.encode(),
            [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
        )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
