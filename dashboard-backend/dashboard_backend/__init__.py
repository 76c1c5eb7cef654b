"""Prediction-market mispricing finder: ingest, opportunities, embeddings, matching, API."""

__version__ = "0.1.0"
