"""One search engine over the real seeds, built once for every search test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import Library, load_library
from bot.search import SearchEngine

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def search_library() -> Library:
    return load_library(REPO_ROOT / "seeds")


@pytest.fixture(scope="session")
def engine(search_library: Library) -> SearchEngine:
    return SearchEngine.build(search_library)
