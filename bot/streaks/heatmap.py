"""The reading heatmap: the last 26 weeks as a grid of days, drawn as a PNG with Pillow.

It is drawn without any text, so the picture is the same pixel for pixel on every machine whatever
fonts it has (a golden-image test relies on that); the embed around it carries the words. Drawing
is CPU work of a few milliseconds, so the Discord layer runs :func:`render_heatmap` in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from PIL import Image, ImageDraw

from bot.streaks.rules import week_start

WEEKS: Final = 26
CELL: Final = 12
GAP: Final = 3
MARGIN: Final = 8
MONTH_MARK: Final = 3
"""Height of the tick above the first column of each month: the only calendar cue, without text."""

Colour = tuple[int, int, int]
BACKGROUND: Final[Colour] = (43, 45, 49)  # Discord's dark theme, so the image has no visible frame
MONTH_TICK: Final[Colour] = (128, 132, 142)
TODAY_OUTLINE: Final[Colour] = (242, 243, 245)
LEVELS: Final[tuple[Colour, ...]] = (
    (64, 68, 75),  # nothing read
    (14, 68, 41),
    (0, 109, 50),
    (38, 166, 65),
    (57, 211, 83),
)
LEVEL_FLOORS: Final = (0, 1, 2, 3, 5)
"""Readings on a day needed for each level: one, two, three or four, five or more."""


def level(count: int) -> int:
    """Colour level of a day with ``count`` readings (absolute, so pictures compare over time)."""
    return max(i for i, floor in enumerate(LEVEL_FLOORS) if count >= floor)


@dataclass(frozen=True, slots=True)
class HeatmapGrid:
    """``cells[week][weekday]``: readings that day, ``None`` for days after ``today``."""

    start: date
    today: date
    cells: tuple[tuple[int | None, ...], ...]

    @property
    def total(self) -> int:
        return sum(c for week in self.cells for c in week if c)

    @property
    def active_days(self) -> int:
        return sum(1 for week in self.cells for c in week if c)


def heatmap_grid(counts: Mapping[date, int], today: date, weeks: int = WEEKS) -> HeatmapGrid:
    """Columns of Monday-to-Sunday weeks, the last one holding ``today`` (in the member's zone)."""
    start = week_start(today) - timedelta(weeks=weeks - 1)
    cells = tuple(
        tuple(
            None if (day := start + timedelta(days=7 * w + k)) > today else counts.get(day, 0)
            for k in range(7)
        )
        for w in range(weeks)
    )
    return HeatmapGrid(start, today, cells)


def image_size(weeks: int = WEEKS) -> tuple[int, int]:
    width = 2 * MARGIN + weeks * (CELL + GAP) - GAP
    height = 2 * MARGIN + MONTH_MARK + GAP + 7 * (CELL + GAP) - GAP
    return width, height


def cell_origin(week: int, weekday: int) -> tuple[int, int]:
    """Top-left pixel of a day's square (tests use it to check colours independently)."""
    return (
        MARGIN + week * (CELL + GAP),
        MARGIN + MONTH_MARK + GAP + weekday * (CELL + GAP),
    )


def draw_heatmap(grid: HeatmapGrid) -> Image.Image:
    weeks = len(grid.cells)
    image = Image.new("RGB", image_size(weeks), BACKGROUND)
    pen = ImageDraw.Draw(image)
    for w, week in enumerate(grid.cells):
        monday = grid.start + timedelta(weeks=w)
        if (monday + timedelta(days=6)).month != (monday - timedelta(days=1)).month:
            x = MARGIN + w * (CELL + GAP)
            pen.rectangle((x, MARGIN, x + CELL - 1, MARGIN + MONTH_MARK - 1), fill=MONTH_TICK)
        for k, count in enumerate(week):
            if count is None:
                continue
            x, y = cell_origin(w, k)
            pen.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=LEVELS[level(count)])
            if monday + timedelta(days=k) == grid.today:
                pen.rectangle((x, y, x + CELL - 1, y + CELL - 1), outline=TODAY_OUTLINE)
    return image


def render_heatmap(grid: HeatmapGrid) -> bytes:
    """The heatmap as PNG bytes, ready to attach to a message."""
    buffer = io.BytesIO()
    draw_heatmap(grid).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
