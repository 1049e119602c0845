"""The core under ``bot/`` is plain Python: only ``cogs/`` may import discord."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[3] / "bot"


def _discord_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [
            f"{path}:{node.lineno} imports {n}" for n in names if n.split(".")[0] == "discord"
        ]
    return found


def test_no_module_under_bot_imports_discord() -> None:
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 5
    offenders = [line for module in modules for line in _discord_imports(module)]
    assert offenders == []


def test_the_scan_does_catch_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom discord.ext import commands\n", encoding="utf-8")
    assert _discord_imports(sample) == [f"{sample}:2 imports discord.ext"]
