"""Market embeddings: providers (OpenAI-compatible HTTP or the offline local model), storage, planning."""
