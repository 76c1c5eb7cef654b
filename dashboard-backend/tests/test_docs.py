"""Keep the README honest: every setting and every entry point it promises exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from dashboard_backend.cli import COMMANDS
from dashboard_backend.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_with_its_default() -> None:
    text = README.read_text()
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \|", text, flags=re.MULTILINE))
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in rows]
    assert missing == [], f"settings missing from README: {missing}"
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            documented = rows[name.upper()].strip().strip("`")
            assert float(documented) == float(field.default), name


def test_documented_modules_exist() -> None:
    text = README.read_text()
    modules = set(re.findall(r"python -m (dashboard_backend(?:\.\w+)*)", text))
    assert "dashboard_backend.run" in modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"README names missing {module}"


def test_documented_subcommands_exist_and_every_subcommand_is_documented() -> None:
    text = README.read_text()
    documented = set(re.findall(r"`pmarb ([a-z]+)", text))
    assert documented == set(COMMANDS)
