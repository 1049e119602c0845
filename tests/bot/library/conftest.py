"""Shared fixtures: the real seeds, loaded once, and the folders tests find texts in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import Library, load_library

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO_ROOT / "seeds"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return REPO_ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def shared_seeds() -> Path:
    """The texts as published; CI clones the repository with ``shared/`` beside it."""
    return REPO_ROOT / "../shared/seeds"


@pytest.fixture(scope="session")
def library(seeds_dir: Path) -> Library:
    return load_library(seeds_dir)
