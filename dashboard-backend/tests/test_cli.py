"""The `pmarb` console command: its help, its dispatch, and `make run` / `make demo` going through it."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard_backend.cli import COMMANDS, DEMO_DATA, demo_args, main

REPO_ROOT = Path(__file__).resolve().parents[2]
PMARB = Path(sys.executable).parent / "pmarb"
# What the issue and README promise a user can do from one command.
PROMISED = {
    "run",
    "demo",
    "poll",
    "ingest",
    "embed",
    "match",
    "relate",
    "record",
    "replay",
    "bench",
}


def pmarb(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [str(PMARB), *args], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )


def test_help_lists_every_subcommand() -> None:
    assert PMARB.exists(), "the console script is installed by `make setup`"
    result = pmarb("--help")
    assert result.returncode == 0
    listed = set(re.findall(r"^  (\w+)\s", result.stdout, flags=re.MULTILINE))
    assert listed == set(COMMANDS)
    assert listed >= PROMISED


def test_every_subcommand_runs_a_module_with_a_main() -> None:
    for name, command in COMMANDS.items():
        module = importlib.import_module(command.module)
        assert callable(module.main), name


def test_a_subcommand_forwards_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["poll", "--help"])
    assert exited.value.code == 0
    assert "--loop" in capsys.readouterr().out


def test_unknown_subcommand_exits_2_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown subcommand 'nope'" in err
    assert "replay" in err
    assert main([]) == 2


def test_demo_defaults_to_the_recordings_beside_the_repository() -> None:
    assert demo_args([]) == [str(DEMO_DATA)]
    assert demo_args(["--replay-port", "8780"]) == [str(DEMO_DATA), "--replay-port", "8780"]
    assert demo_args(["data", "--replay-port", "8780"]) == ["data", "--replay-port", "8780"]
    assert COMMANDS["demo"].prefix == ("--demo",)
    assert COMMANDS["demo"].module == COMMANDS["run"].module


def test_make_run_and_demo_are_the_console_command() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipes = dict(re.findall(r"^(\w+): setup\n\t(.+)$", makefile, flags=re.MULTILINE))
    assert recipes["run"] == "$(CLI) run"
    assert recipes["demo"] == "$(CLI) demo $(DATA)"
    assert "CLI := $(VENV)/bin/pmarb" in makefile


def test_demo_with_a_missing_directory_fails_clearly(tmp_path: Path) -> None:
    result = pmarb("demo", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "nowhere does not exist" in result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_answers_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main([name, "--help"])
    except SystemExit as exited:
        code = exited.code  # type: ignore[assignment]
    assert code == 0
    assert "usage" in capsys.readouterr().out.lower()
