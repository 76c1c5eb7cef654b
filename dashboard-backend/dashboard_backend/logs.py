"""Logging set-up for entry points (never at import)."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """One line per record: time, level, logger, message."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # Per-request lines from the HTTP clients drown the counts that matter.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
