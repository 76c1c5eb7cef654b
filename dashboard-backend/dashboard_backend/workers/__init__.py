"""Long-running workers, each with a once mode (`python -m dashboard_backend.workers.NAME`)."""
