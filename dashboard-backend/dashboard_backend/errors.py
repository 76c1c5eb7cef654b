"""Error hierarchy.

DashboardError                 root of everything raised on purpose
├── ConfigError                a setting is missing or invalid (exit with a message)
├── UpstreamError              a venue or provider answered badly
│   ├── RetryableUpstreamError 429 / 5xx / timeout: retried with backoff
│   └── PermanentUpstreamError 4xx other than 429, or retries exhausted
├── ParseError                 an upstream payload did not have the expected shape
└── ApiError                   raised in the API; carries its HTTP status
    └── NotFoundError          404
"""

from __future__ import annotations


class DashboardError(Exception):
    """Root of all errors raised on purpose by this package."""


class ConfigError(DashboardError):
    """A setting is missing or invalid."""


class UpstreamError(DashboardError):
    """A venue or provider answered with an error."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableUpstreamError(UpstreamError):
    """A transient upstream failure (429, 5xx, timeout, connection error)."""


class PermanentUpstreamError(UpstreamError):
    """An upstream failure that retrying will not fix."""


class ParseError(DashboardError):
    """An upstream payload did not have the expected shape."""


class ApiError(DashboardError):
    """An error that reaches an API client, with its HTTP status."""

    status_code = 400

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class NotFoundError(ApiError):
    """The requested resource does not exist."""

    status_code = 404
