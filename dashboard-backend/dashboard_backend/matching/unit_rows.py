"""The catalog's unit vectors, kept between passes in one buffer and moved in place.

Normalising 300,000 × 384 floats, or gathering them into a fresh matrix (whose pages the kernel
must first supply), costs about a second; an incremental pass needs neither. A market's vector
does not change unless the market is dirty (its signature is in the relation key), and markets
that stay keep their order, so the previous rows map onto the current ones in long runs of
consecutive rows, each shifted by the markets added or removed before it. Runs that do not move
cost nothing; the others are moved inside the buffer, those moving down first in ascending order,
then those moving up in descending order, so no run overwrites a row not yet moved. Only the dirty
rows are normalised. The buffer keeps room to grow; a catalog that outgrows it, a reordered one
or a full pass gets a new buffer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dashboard_backend.matching.delta import Delta
from dashboard_backend.matching.similarity import normalize

FloatArray = npt.NDArray[np.float32]
_GROWTH = 1.05  # room a new buffer leaves for a growing catalog


class UnitRows:
    """The previous pass's unit vectors (`current`, the first rows of a larger buffer)."""

    def __init__(self) -> None:
        self.current: FloatArray | None = None
        self._buffer: FloatArray | None = None

    def update(self, array: FloatArray, delta: Delta) -> FloatArray:
        """The unit vectors of `array` (rows = current positions), computed only where dirty."""
        old, buffer = self.current, self._buffer
        n, dim = array.shape
        if old is None or buffer is None or delta.full or old.shape[1] != dim:
            unit = normalize(array, self._fresh(n, dim))
        elif not delta.in_order or len(buffer) < n:
            unit = self._fresh(n, dim)
            _move(old, unit, delta)
        elif not delta.dirty.any() and len(old) == n and not delta.gone:
            return old
        else:
            unit = buffer[:n]
            _move(buffer, unit, delta)
        rows = np.flatnonzero(delta.dirty)
        if len(rows) and not delta.full:
            unit[rows] = normalize(array[rows])
        self.current = unit
        return unit

    def _fresh(self, n: int, dim: int) -> FloatArray:
        self._buffer = np.empty((int(n * _GROWTH) + 1, dim), dtype=np.float32)
        view: FloatArray = self._buffer[:n]
        return view


def _move(source: FloatArray, target: FloatArray, delta: Delta) -> None:
    """Copy each unchanged market's row from its previous position to its current one; `target`
    may share `source`'s memory (the markets keep their order: see the module docstring)."""
    keep = np.flatnonzero(~delta.dirty)
    if not len(keep):
        return
    src = delta.old_of[keep]
    breaks = np.flatnonzero((np.diff(keep) != 1) | (np.diff(src) != 1)) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, len(keep)]
    first_to, first_from = keep[starts], src[starts]
    sizes = ends - starts
    shared = np.shares_memory(source, target)
    down = np.flatnonzero(first_to < first_from).tolist()
    up = np.flatnonzero(first_to > first_from).tolist()
    still = [] if shared else np.flatnonzero(first_to == first_from).tolist()
    for k in [*down, *reversed(up), *still]:
        to, frm, size = int(first_to[k]), int(first_from[k]), int(sizes[k])
        target[to : to + size] = source[frm : frm + size]
