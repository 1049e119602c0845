"""The core under ``bot/`` is plain Python: only ``cogs/`` may import discord, only ``web/`` the
web framework; ``web/`` imports neither discord nor the cogs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BOT = ROOT / "bot"
CORE_FORBIDDEN = ("discord", "aiohttp.web", "aiohttp_session", "jinja2", "web", "cogs")
WEB_FORBIDDEN = ("discord", "cogs")


def _forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _discord_imports(path: Path, prefixes: tuple[str, ...] = ("discord",)) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from aiohttp import web`` imports aiohttp.web as surely as ``import aiohttp.web``.
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found += [f"{path}:{node.lineno} imports {n}" for n in names if _forbidden(n, prefixes)][:1]
    return found


def test_no_module_under_bot_imports_discord() -> None:
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 5
    offenders = [line for module in modules for line in _discord_imports(module, CORE_FORBIDDEN)]
    assert offenders == []


def test_the_web_layer_imports_neither_discord_nor_cogs() -> None:
    modules = sorted((ROOT / "web").rglob("*.py"))
    assert len(modules) > 5
    offenders = [line for module in modules for line in _discord_imports(module, WEB_FORBIDDEN)]
    assert offenders == []


def test_the_scan_does_catch_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom discord.ext import commands\n", encoding="utf-8")
    assert _discord_imports(sample) == [f"{sample}:2 imports discord.ext"]


def test_the_scan_catches_the_web_framework(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import aiohttp\nfrom aiohttp import web\nimport aiohttp.web\n")
    assert _discord_imports(sample, CORE_FORBIDDEN) == [
        f"{sample}:2 imports aiohttp.web",
        f"{sample}:3 imports aiohttp.web",
    ]
