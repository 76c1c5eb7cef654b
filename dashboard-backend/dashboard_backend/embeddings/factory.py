"""Build the configured embedding provider."""

from __future__ import annotations

import httpx

from dashboard_backend.embeddings.local_provider import LocalProvider
from dashboard_backend.embeddings.openai_provider import OpenAIProvider
from dashboard_backend.embeddings.provider import EmbeddingProvider
from dashboard_backend.errors import ConfigError
from dashboard_backend.retry import RetryPolicy
from dashboard_backend.settings import Settings


def create_provider(settings: Settings, http: httpx.AsyncClient | None = None) -> EmbeddingProvider:
    """OpenAI (when EMBEDDING_PROVIDER resolves to it) or the offline local model.

    A given `http` client is used and left open; otherwise the provider creates and closes its own.
    """
    kind = settings.resolved_embedding_provider()
    if kind == "local":
        return LocalProvider()
    if not settings.openai_api_key:  # resolved_embedding_provider already refuses this
        raise ConfigError("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
    return OpenAIProvider(
        http or httpx.AsyncClient(),
        api_key=settings.openai_api_key,
        model=settings.embedding_model,
        base_url=settings.openai_base_url,
        policy=RetryPolicy.from_settings(settings),
        owns_http=http is None,
    )
