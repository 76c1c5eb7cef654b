"""Schemathesis over the whole OpenAPI document: every operation, generated valid and invalid
inputs, real HTTP against the real app and Redis; no 5xx, and every answer (status, headers,
body) is the one the document declares. The endless stream is excluded here (its contract is
checked in test_stream.py and test_api_errors.py).

Driven through Hypothesis directly (one property per operation and generation mode) rather than
schemathesis' pytest plugin, so the examples stay bounded and every failure of every operation is
reported together.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from dashboard_backend.catalog import CatalogStore
from dashboard_backend.connections import create_redis
from dashboard_backend.fees import FeeTable
from dashboard_backend.opportunities import find_opportunities
from dashboard_backend.ops_store import OpsStore
from tests.api_fixtures import binary_market

Operation = schemathesis.APIOperation[Any, Any, Any, Any]
EXAMPLES = 30  # per operation and mode: bounded, so the suite stays fast
EXCLUDED = {"/v1/stream"}


async def seed(redis_url: str) -> None:
    """Three markets, two with an opportunity, and their history."""
    redis = create_redis(redis_url)
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    markets = [
        binary_market("1", "Will A win?", "politics", 0.40, 0.50),
        binary_market("2", "Will BTC hit 200k?", "crypto", 0.30, 0.65),
        binary_market("3", "Will C happen?", "politics", 0.52, 0.50),
    ]
    docs = [doc for doc, _ in markets]
    books = {b.token_id: b for _, bs in markets for b in bs}
    try:
        await CatalogStore(redis).replace({d.id: d for d in docs})
        await CatalogStore(redis).write_books(books.values())
        fees = FeeTable({}, 0.0)
        await OpsStore(redis).replace_all(find_opportunities(docs, books, fees, now), now)
    finally:
        await redis.aclose()


def check_operation(operation: Operation, mode: GenerationMode) -> str | None:
    """Run the bounded property for one operation; the failure text, or None."""

    @given(case=operation.as_strategy(generation_mode=mode), _=st.just(None))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def holds(case: Any, _: None) -> None:
        case.call_and_validate()

    try:
        holds()
    except Unsatisfiable:
        return None  # no invalid input exists (an operation without parameters)
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported per operation below
        return f"{operation.method.upper()} {operation.path} ({mode.value}): {str(exc)[:1500]}"
    return None


def test_every_operation_keeps_the_documented_contract(redis_url: str, api_url: str) -> None:
    asyncio.run(seed(redis_url))
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document does not parse: {result.err()}"
        operations.append(result.ok())
    checked = [op for op in operations if op.path not in EXCLUDED]
    assert len(checked) >= 6, [op.path for op in operations]
    failures = [
        failure
        for op in checked
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := check_operation(op, mode)) is not None
    ]
    assert failures == [], "\n\n".join(failures)
