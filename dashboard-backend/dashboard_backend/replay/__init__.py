"""Offline stand-in for Polymarket: recorded Gamma catalogues and synthesized CLOB books.

`python -m dashboard_backend.replay DIR` serves, on one port, Gamma (`/markets`,
`/markets/keyset`, `/events`, `/events/keyset`, `/markets/{id}`, `/events/{id}`, `/tags`,
`/tags/slug/{slug}`) and CLOB (`/book`, `POST /books`) in the venues' wire formats. See
`dataset` (what is loaded), `synth` (books and planted arbitrage), `faults` (the `--faults`
syntax) and `state` (the shared `ReplayState`).
"""

from dashboard_backend.replay.app import create_app
from dashboard_backend.replay.books import BookStore, OrderBook
from dashboard_backend.replay.dataset import Dataset, load_dataset
from dashboard_backend.replay.faults import FaultPlan
from dashboard_backend.replay.state import ReplayState
from dashboard_backend.serve import serve_in_thread

__all__ = [
    "BookStore",
    "Dataset",
    "FaultPlan",
    "OrderBook",
    "ReplayState",
    "create_app",
    "load_dataset",
    "serve_in_thread",
]
