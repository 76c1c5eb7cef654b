"""Market embeddings: providers (OpenAI-compatible HTTP, offline local model), storage, plan."""
