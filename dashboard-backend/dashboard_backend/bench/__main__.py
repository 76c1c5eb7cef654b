"""Dispatch `python -m dashboard_backend.bench NAME [args]` to `dashboard_backend.bench.NAME`."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import dashboard_backend.bench as bench_pkg


def available() -> list[str]:
    """Names of the benchmark modules in this package."""
    return sorted(
        m.name for m in pkgutil.iter_modules(bench_pkg.__path__) if not m.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    """Run one benchmark (its own arguments follow) or all of them with defaults."""
    names = available()
    if not argv or argv[0] in {"-h", "--help"}:
        print(f"usage: python -m dashboard_backend.bench {{all|{'|'.join(names)}}} [args]")
        return 0 if argv else 2
    chosen = names if argv[0] == "all" else [argv[0]]
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; choose from {names}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"dashboard_backend.bench.{name}")
        print(f"=== benchmark: {name} ===", flush=True)
        module.main(argv[1:] if argv[0] != "all" else [])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
