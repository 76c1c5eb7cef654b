"""Prometheus metrics: counted by the workers into Redis, read and exposed by the API's /metrics."""
