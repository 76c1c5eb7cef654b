"""The replay server's ASGI app: Gamma and CLOB routes on one Starlette app, faults around them."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from dashboard_backend.replay.clob import clob_routes
from dashboard_backend.replay.faults import FaultMiddleware
from dashboard_backend.replay.gamma import gamma_routes
from dashboard_backend.replay.state import ReplayState


def create_app(state: ReplayState, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """One app serving Gamma, CLOB and any extra routes (e.g. the `/ws/market` channel)."""
    routes = [*gamma_routes(state), *clob_routes(state), *extra_routes]
    app = Starlette(routes=routes, middleware=[Middleware(FaultMiddleware, plan=state.faults)])
    app.state.replay = state
    return app
