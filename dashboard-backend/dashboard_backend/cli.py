"""`pmarb`: one console command for everything the product does.

    pmarb run                 the whole product (what `make run` starts)
    pmarb demo [DIR]          the same, offline, over the recordings (what `make demo` starts)
    pmarb poll --loop         one worker; every subcommand forwards its arguments

Each subcommand hands the rest of the command line to the module that `python -m` runs, so the
two forms take the same arguments (`pmarb SUBCOMMAND --help` shows them). Modules are imported
only when chosen: `pmarb --help` answers at once.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

PROG = "pmarb"

# Where `make demo` finds the recordings: beside the repository (../shared/data from its root).
DEMO_DATA = Path("..") / "shared" / "data"


@dataclass(frozen=True)
class Command:
    """A subcommand: the module whose `main(argv)` it runs, and arguments put first."""

    module: str
    summary: str
    prefix: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {
    "run": Command(
        "dashboard_backend.run", "start everything under one supervisor (what `make run` does)"
    ),
    "demo": Command(
        "dashboard_backend.run",
        "the product offline over recorded data: pmarb demo [DIR] (default ../shared/data)",
        ("--demo",),
    ),
    "poll": Command(
        "dashboard_backend.workers.poller",
        "poll a venue's markets and books once (--loop: forever; --venue NAME)",
    ),
    "ingest": Command(
        "dashboard_backend.workers.ws_ingest", "keep live books from the venue websocket"
    ),
    "embed": Command(
        "dashboard_backend.workers.embedding", "embed new or changed markets (--loop: forever)"
    ),
    "pair": Command(
        "dashboard_backend.workers.matching", "pair similar markets in Redis (--loop: forever)"
    ),
    "cross": Command(
        "dashboard_backend.workers.cross",
        "price related pairs from live books: cross-market opportunities (--loop: forever)",
    ),
    "notify": Command(
        "dashboard_backend.workers.notifier",
        "send alerts for opportunities and relations (ALERT_URLS; --dry-run prints them)",
    ),
    "serve": Command("dashboard_backend.api.__main__", "serve the HTTP API and the web page"),
    "match": Command("dashboard_backend.match", "offline matching of JSONL market files, no Redis"),
    "relate": Command(
        "dashboard_backend.relate",
        "offline relation engine: pairs or market files in, typed relations out (--evaluate)",
    ),
    "record": Command("dashboard_backend.record", "capture live venue responses for the replay"),
    "replay": Command(
        "dashboard_backend.replay.__main__", "serve recordings as a stand-in for the venues"
    ),
    "bench": Command("dashboard_backend.bench.__main__", "run benchmarks: pmarb bench all"),
}


def usage() -> str:
    """The `--help` text: every subcommand with one line each."""
    width = max(len(name) for name in COMMANDS)
    lines = [
        f"usage: {PROG} SUBCOMMAND [ARGS...]",
        "",
        "Prediction-market mispricing finder.",
        "",
        "subcommands:",
        *(f"  {name.ljust(width)}  {cmd.summary}" for name, cmd in COMMANDS.items()),
        "",
        f"`{PROG} SUBCOMMAND --help` lists a subcommand's own arguments;",
        "`python -m dashboard_backend.<module>` forms take the same arguments.",
        "Settings come from the environment and .env.local (see the README).",
    ]
    return "\n".join(lines)


def demo_args(argv: Sequence[str]) -> list[str]:
    """`demo [DIR] [run options]`: DIR defaults to the recordings beside the repository."""
    if argv and not argv[0].startswith("-"):
        return [argv[0], *argv[1:]]
    return [str(DEMO_DATA), *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand; exit code 2 for an unknown one."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name == "--version":
        from dashboard_backend import __version__

        print(f"{PROG} {__version__}")
        return 0
    command = COMMANDS.get(name)
    if command is None:
        print(f"{PROG}: unknown subcommand {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    wants_help = any(a in {"-h", "--help"} for a in rest)
    if name == "demo" and not wants_help:
        rest = demo_args(rest)
    module = importlib.import_module(command.module)
    entry = cast(Callable[[list[str]], int | None], module.main)
    return entry(rest if wants_help else [*command.prefix, *rest]) or 0


if __name__ == "__main__":
    raise SystemExit(main())
