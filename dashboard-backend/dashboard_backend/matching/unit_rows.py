"""The catalog's unit vectors, kept between passes and moved to the current positions by runs.

Normalising 300,000 × 384 floats, or gathering them row by row into a fresh matrix, costs about
a second; an incremental pass needs neither. A market's vector does not change unless the market
is dirty (its signature is in the relation key), and markets that stay keep their order, so the
previous matrix maps onto the current one in long runs of consecutive rows: each run is one block
copy, and only the dirty rows are normalised. Two buffers take turns (the one of two passes ago
is no longer read), so the pages are not allocated again every pass.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.similarity import normalize

FloatArray = npt.NDArray[np.float32]
_GROWTH = 1.05  # room a new buffer leaves for a growing catalog


class UnitRows:
    """The previous pass's unit vectors (`current`) and a spare buffer."""

    def __init__(self) -> None:
        self.current: FloatArray | None = None
        self._spare: FloatArray | None = None

    def update(self, array: FloatArray, delta: Delta) -> FloatArray:
        """The unit vectors of `array` (rows = current positions), computed only where dirty."""
        old = self.current
        n, dim = array.shape
        if old is None or delta.full or old.shape[1] != dim:
            unit = normalize(array)
        elif not delta.dirty.any() and len(old) == n and bool((delta.old_of == np.arange(n)).all()):
            return old
        else:
            unit = self._buffer(n, dim)
            keep = np.flatnonzero(~delta.dirty)
            src = delta.old_of[keep]
            if len(keep):
                breaks = np.flatnonzero((np.diff(keep) != 1) | (np.diff(src) != 1)) + 1
                starts, ends = np.r_[0, breaks], np.r_[breaks, len(keep)] - 1
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                    unit[keep[s] : keep[e] + 1] = old[src[s] : src[e] + 1]
            rows = np.flatnonzero(delta.dirty)
            if len(rows):
                unit[rows] = normalize(array[rows])
        self._spare = None if old is None else old.base if old.base is not None else old
        self.current = unit
        return unit

    def _buffer(self, n: int, dim: int) -> FloatArray:
        spare = self._spare
        if spare is None or spare.ndim != 2 or spare.shape[1] != dim or len(spare) < n:
            spare = np.empty((int(n * _GROWTH) + 1, dim), dtype=np.float32)
        view: FloatArray = spare[:n]
        return view
