"""The timed stages `bench ws` runs on each venue's stream: one core's CPU time per stage."""

from __future__ import annotations

import time
from collections.abc import Callable

from dashboard_backend.live_book import ApplyOutcome
from dashboard_backend.workers.ws_pipeline import WsPipeline


def cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of this process for one call (one core's work, whatever the machine load)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def apply_each(pipeline: WsPipeline, frames: list[str]) -> None:
    """Decode and apply the frames one at a time, as the ingest receives them."""
    for frame in frames:
        pipeline.ingest([frame], ApplyOutcome())


def apply_and_recompute(pipeline: WsPipeline, frames: list[str]) -> None:
    """`apply_each`, then recompute the opportunities of the markets each frame changed."""
    for frame in frames:
        out = ApplyOutcome()
        pipeline.ingest([frame], out)
        markets = pipeline.changed_markets(out)
        if markets:
            pipeline.recompute(markets)
