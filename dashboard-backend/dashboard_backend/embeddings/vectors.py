"""The compact vector encoding of `markets:embeddings`: base64 of little-endian float32.

384 dimensions take 2,048 characters (1,536 bytes), about a quarter of the same vector written as
JSON numbers, and decode with one `np.frombuffer` call instead of parsing hundreds of floats.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np
import numpy.typing as npt

_WIRE_DTYPE = np.dtype("<f4")


def encode_vector(vector: npt.ArrayLike) -> str:
    """Base64 of the vector as little-endian float32; the vector must be one-dimensional."""
    array = np.asarray(vector, dtype=_WIRE_DTYPE)
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D vector, got shape {array.shape}")
    return base64.b64encode(array.tobytes()).decode("ascii")


def decode_vector(text: str) -> npt.NDArray[np.float32]:
    """The float32 vector encoded by `encode_vector` (a fresh, writable, native-order array)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not a base64 vector: {exc}") from exc
    if len(raw) % _WIRE_DTYPE.itemsize:
        raise ValueError(f"vector byte length {len(raw)} is not a multiple of 4")
    return np.frombuffer(raw, dtype=_WIRE_DTYPE).astype(np.float32)


def encoded_length(dimensions: int) -> int:
    """Characters of base64 text `encode_vector` produces for this many dimensions."""
    return 4 * ((dimensions * _WIRE_DTYPE.itemsize + 2) // 3)
