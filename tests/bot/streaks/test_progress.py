from __future__ import annotations

import pytest

from bot.library.library import Library
from bot.library.model import Document, Paragraph, Section
from bot.streaks.progress import (
    UnknownSection,
    find_section,
    progress_bar,
    progress_of,
    section_choices,
)


def library() -> Library:
    def section(slug: str, title: str, count: int, kids: list[Section] | None = None) -> Section:
        paragraphs = [Paragraph("tc", slug, i, f"Text {slug} {i}.") for i in range(1, 1 + count)]
        return Section("tc", slug, title, 2, paragraphs=paragraphs, children=kids or [])

    goals, means = section("goals", "Goals", 2), section("means", "Means", 1)
    part = section("part-one", "Part One", 0, [goals, means])
    doc = Document(
        slug="tc",
        title="Technocommunist Manifesto",
        author="A",
        date="2024",
        description="d",
        sections=[part, section("closing", "Closing", 1)],
    )
    return Library([doc])


def test_progress_counts_sections_with_text_of_their_own() -> None:
    [progress] = progress_of(library(), {("tc", "goals"), ("tc", "closing"), ("other", "goals")})
    assert (progress.read, progress.total) == (2, 3)


def test_progress_bar_is_full_only_when_everything_is_read() -> None:
    assert progress_bar(0, 3, width=6) == "▱" * 6
    assert progress_bar(2, 3, width=6) == "▰" * 4 + "▱" * 2
    assert progress_bar(29, 30, width=10) == "▰" * 9 + "▱"
    assert progress_bar(3, 3, width=6) == "▰" * 6


def test_sections_are_found_by_ref_or_label_and_offered_as_you_type() -> None:
    lib = library()
    assert find_section(lib, "tc:goals").slug == "goals"
    assert find_section(lib, "technocommunist manifesto › means").slug == "means"
    assert ("Technocommunist Manifesto › Goals", "tc:goals") in section_choices(lib, "goal")
    assert all(ref != "tc:part-one" for _, ref in section_choices(lib, ""))


def test_unknown_section_suggests_close_ones() -> None:
    with pytest.raises(UnknownSection) as info:
        find_section(library(), "tc:goalz")
    assert "tc:goals" in info.value.suggestions
