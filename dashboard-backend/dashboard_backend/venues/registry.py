"""The venues the product knows: every package under `venues/` that exposes `SPEC`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import httpx

import dashboard_backend.venues as venues_pkg
from dashboard_backend.errors import ConfigError
from dashboard_backend.settings import Settings
from dashboard_backend.venues.base import FeeModel, Venue, VenueSpec


@cache
def venue_specs() -> tuple[VenueSpec, ...]:
    """Every venue package's spec, by name."""
    specs: list[VenueSpec] = []
    for module in pkgutil.iter_modules(venues_pkg.__path__):
        if not module.ispkg:
            continue
        package = importlib.import_module(f"{venues_pkg.__name__}.{module.name}")
        spec = getattr(package, "SPEC", None)
        if isinstance(spec, VenueSpec):
            specs.append(spec)
    return tuple(sorted(specs, key=lambda s: s.name))


def enabled_specs(settings: Settings) -> list[VenueSpec]:
    """The venues these settings enable."""
    return [s for s in venue_specs() if s.enabled(settings)]


def spec_for(name: str) -> VenueSpec:
    """One venue's spec; ConfigError naming the known venues when there is none."""
    for spec in venue_specs():
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in venue_specs())
    raise ConfigError(f"unknown venue {name!r} (known: {known})")


def create_venue(name: str, settings: Settings, http: httpx.AsyncClient) -> Venue:
    """Build a venue's capabilities over one HTTP client."""
    return spec_for(name).create(settings, http)


def venue_fee_models(settings: Settings) -> dict[str, FeeModel]:
    """Each venue's own fee model, for the venues that have one beyond the category table."""
    models: dict[str, FeeModel] = {}
    for spec in venue_specs():
        model = spec.fee_model(settings)
        if model is not None:
            models[spec.name] = model
    return models
