"""Lenient scalar coercion for upstream JSON, where numbers may arrive as strings."""

from __future__ import annotations

import math


def to_number(value: object) -> float | None:
    """A finite float from a number or numeric string; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return f if math.isfinite(f) else None


def to_positive(value: object) -> float | None:
    """A number > 0, else None."""
    f = to_number(value)
    return f if f is not None and f > 0 else None
