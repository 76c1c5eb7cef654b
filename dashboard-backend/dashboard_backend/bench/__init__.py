"""Runnable benchmarks: `python -m dashboard_backend.bench NAME|all` (see BENCHMARKS.md)."""
