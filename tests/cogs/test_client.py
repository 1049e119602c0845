"""The bot's event loop: uvloop where it is installed, asyncio's own loop where it is not."""

from __future__ import annotations

import sys

import pytest
import uvloop

from cogs.client import _loop_factory


def test_uvloop_runs_the_bot_where_installed() -> None:
    assert _loop_factory() is uvloop.new_event_loop


def test_asyncio_loop_where_uvloop_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what an import sees on Windows
    assert _loop_factory() is None
