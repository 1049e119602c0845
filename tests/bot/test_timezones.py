from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import BotError
from bot.timezones import UnknownTimezone, parse_timezone, suggest_timezones


def test_parse_is_case_and_space_tolerant() -> None:
    assert parse_timezone("europe/berlin").key == "Europe/Berlin"
    assert parse_timezone(" America/New York ").key == "America/New_York"


def test_unknown_zone_suggests() -> None:
    with pytest.raises(UnknownTimezone) as info:
        parse_timezone("Europe/Berln")
    assert "Europe/Berlin" in info.value.suggestions


def test_suggestions_fit_autocomplete() -> None:
    found = suggest_timezones("new")
    assert "America/New_York" in found
    assert 0 < len(found) <= 25
    assert suggest_timezones("")[0] == "UTC"


@given(st.text(max_size=200))
def test_any_input_is_a_zone_or_a_bot_error(text: str) -> None:
    assert len(suggest_timezones(text)) <= 25
    with contextlib.suppress(BotError):
        assert parse_timezone(text).key
