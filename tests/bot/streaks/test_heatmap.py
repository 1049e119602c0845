from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

from bot.streaks.heatmap import (
    BACKGROUND,
    CELL,
    LEVELS,
    TODAY_OUTLINE,
    WEEKS,
    cell_origin,
    heatmap_grid,
    image_size,
    level,
    render_heatmap,
)

GOLDEN = Path(__file__).parent / "golden" / "heatmap_2025-06-18.png"
TODAY = date(2025, 6, 18)  # a Wednesday


def fixture_counts() -> dict[date, int]:
    """A fixed, irregular half-year: gaps, busy days and a reading today."""
    return {
        TODAY - timedelta(days=i): (i * 7) % 9 for i in range(0, 200) if i % 5 != 3 and (i * 7) % 9
    }


def rendered(counts: dict[date, int], today: date = TODAY) -> Image.Image:
    png = render_heatmap(heatmap_grid(counts, today))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_matches_the_golden_image_pixel_for_pixel() -> None:
    image = rendered(fixture_counts())
    golden = Image.open(GOLDEN).convert("RGB")
    assert image.size == golden.size
    assert image.tobytes() == golden.tobytes()


def test_grid_spans_26_weeks_ending_with_today() -> None:
    grid = heatmap_grid({TODAY: 2, TODAY - timedelta(days=400): 5}, TODAY)
    assert len(grid.cells) == WEEKS
    assert grid.start.weekday() == 0
    assert grid.cells[-1][TODAY.weekday()] == 2
    assert grid.cells[-1][TODAY.weekday() + 1] is None  # Thursday has not happened yet
    assert grid.total == 2  # the reading 400 days ago is outside the picture


def test_each_day_has_the_colour_of_its_count() -> None:
    counts = fixture_counts()
    image = rendered(counts)
    grid = heatmap_grid(counts, TODAY)
    for w, week in enumerate(grid.cells):
        for k, count in enumerate(week):
            x, y = cell_origin(w, k)
            centre = image.getpixel((x + CELL // 2, y + CELL // 2))
            expected = BACKGROUND if count is None else LEVELS[level(count)]
            assert centre == expected, (w, k, count)
    x, y = cell_origin(WEEKS - 1, TODAY.weekday())
    assert image.getpixel((x, y)) == TODAY_OUTLINE


def test_levels_grow_with_readings() -> None:
    assert [level(n) for n in (0, 1, 2, 3, 4, 5, 50)] == [0, 1, 2, 3, 3, 4, 4]


def test_size_is_fixed() -> None:
    assert rendered({}).size == image_size()
