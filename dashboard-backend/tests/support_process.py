"""Running an entry point as its own process, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys


def run_module(
    module: str, drop: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m module` with these environment variables set (and `drop` unset); waits."""
    environment = {**os.environ, **env}
    for name in drop:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", module],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
