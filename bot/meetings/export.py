"""The attendance CSV, row by row from an async stream: 100,000 rows never sit in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator, AsyncIterable
from datetime import datetime
from typing import IO

from bot.meetings.model import ExportRow
from bot.storage import meetings as store
from bot.storage.database import Database

HEADER = (
    "meeting_id",
    "meeting_title",
    "meeting_started_at",
    "meeting_ended_at",
    "member_id",
    "source",
    "recorded_at",
)

# Spreadsheet programs run a cell that starts with one of these as a formula; a meeting title is
# typed by people, so it must not be able to become one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_filename(guild_id: int, now: datetime) -> str:
    """The file's name, the same from ``/attendance export`` and the web page's download."""
    return f"attendance-{guild_id}-{now.strftime('%Y%m%d')}.csv"


def safe_cell(text: str) -> str:
    """Neutralise formula injection by prefixing an apostrophe, as spreadsheet programs expect."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def row_values(row: ExportRow) -> tuple[str, ...]:
    return (
        str(row.meeting_id),
        safe_cell(row.title),
        _iso(row.started_at),
        _iso(row.ended_at),
        str(row.member_id),
        row.source.value,
        _iso(row.recorded_at),
    )


class _Line:
    """A write target for :mod:`csv` that keeps the last line, so quoting stays the csv module's."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> int:
        self.value = text
        return len(text)


async def csv_lines(rows: AsyncIterable[ExportRow]) -> AsyncGenerator[str, None]:
    """The header then one CSV line per row, produced lazily."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield line.value
    async for row in rows:
        writer.writerow(row_values(row))
        yield line.value


async def write_csv(rows: AsyncIterable[ExportRow], out: IO[str]) -> int:
    """Write the CSV to ``out`` (a temporary file, typically) and return the number of data rows."""
    count = -1
    async for text in csv_lines(rows):
        out.write(text)
        count += 1
    return count


async def export_file(
    db: Database, guild_id: int, start: datetime | None, end: datetime | None, raw: IO[bytes]
) -> tuple[int, int]:
    """Write a server's attendance CSV (UTF-8) into ``raw``; returns (rows, bytes).

    On disk, not in memory: a large server's history streams through the file the surface gives
    (a temporary file for a Discord upload, a response for the web).
    """
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    rows = await write_csv(store.iter_export(db, guild_id, start, end), text)
    text.flush()
    size = raw.tell()
    text.detach()
    return rows, size
