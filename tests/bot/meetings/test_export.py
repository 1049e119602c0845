"""The CSV stream: correct quoting, formula injection neutralised, produced lazily."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bot.meetings.export import HEADER, csv_lines, safe_cell, write_csv
from bot.meetings.model import ExportRow, Source

START = datetime(2024, 9, 1, 18, tzinfo=UTC)


def row(i: int, title: str = "Week 1") -> ExportRow:
    return ExportRow(i, title, START, None, 1000 + i, Source.BUTTON, START)


async def rows(items: list[ExportRow]) -> AsyncIterator[ExportRow]:
    for item in items:
        yield item


async def test_round_trip_through_the_csv_reader() -> None:
    out = io.StringIO()
    titles = ['Commas, "quotes"\nand newlines', '=HYPERLINK("x")', "plain"]
    count = await write_csv(rows([row(i, t) for i, t in enumerate(titles)]), out)
    assert count == 3
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed[0] == list(HEADER)
    assert [line[1] for line in parsed[1:]] == [titles[0], "'" + titles[1], "plain"]
    assert parsed[1][4] == "1000" and parsed[1][3] == "" and parsed[1][5] == "button"


def test_safe_cell() -> None:
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM") == "'@SUM"
    assert safe_cell("Reading 1") == "Reading 1"


async def test_lines_are_produced_one_at_a_time() -> None:
    pulled = 0

    async def counting() -> AsyncIterator[ExportRow]:
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield row(i)

    lines = csv_lines(counting())
    assert (await anext(lines)).startswith("meeting_id,")
    await anext(lines)
    assert pulled == 1
    await lines.aclose()
