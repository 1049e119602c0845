"""The seeds parse into the structure their authors gave them; a third text just drops in."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.errors import SeedError
from bot.library import Library, load_library, parse_seed_text, slugify
from bot.library.model import Paragraph


def _sections(library: Library, slug: str) -> dict[str, int]:
    return {s.slug: len(s.paragraphs) for s in library.documents[slug].walk()}


def test_documents_load_in_file_order_with_front_matter(library: Library) -> None:
    assert list(library.documents) == ["anti-ai", "technocommunist"]
    anti = library.documents["anti-ai"]
    assert anti.title == "Manifesto of the Anti-AI Movement"
    assert anti.date == "December 2025"
    assert "antiai" in anti.aliases
    assert "tc" in library.documents["technocommunist"].aliases
    for document in library.documents.values():
        assert document.author and document.description
        assert document.source is not None and document.source.name == f"{document.slug}.md"


def test_technocommunist_has_preface_nine_numbered_sections_and_conclusion(
    library: Library,
) -> None:
    document = library.documents["technocommunist"]
    top = [s.slug for s in document.sections]
    assert top[1] == "preface" and top[-1] == "conclusion"
    numbered = [s for s in document.sections if s.number]
    assert [s.number for s in numbered] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]
    goals = next(s for s in numbered if s.number == "III")
    assert (goals.slug, goals.title, goals.heading) == (
        "goals-of-the-movement",
        "GOALS OF THE MOVEMENT",
        "III. GOALS OF THE MOVEMENT",
    )
    assert all(not s.children for s in document.sections)
    # The closing signature stays with the conclusion it signs.
    assert document.sections[-1].paragraphs[-1].text == "Technocommunist Party"


def test_anti_ai_sections_and_nested_subsections(library: Library) -> None:
    document = library.documents["anti-ai"]
    tree = {s.slug: [c.slug for c in s.children] for s in document.sections}
    assert tree["programmatic-demands-against-ai"] == [
        "immediate-demands",
        "minimal-demands",
        "maximal-demands",
    ]
    assert tree["what-is-to-be-done"] == ["party-participation", "labor-unions", "co-operatives"]
    assert list(tree)[-2:] == ["references", "a-note-to-early-readers"]
    assert sum(1 for _ in document.walk()) == 17
    sub = next(s for s in document.walk() if s.slug == "labor-unions")
    assert (sub.level, sub.parent) == (3, "what-is-to-be-done")
    counts = _sections(library, "anti-ai")
    assert counts["immediate-demands"] == 2
    assert counts["a-note-to-early-readers"] == 8  # ends with the signature and its date
    assert counts["references"] == 0  # the notes themselves are footnotes


def test_text_before_the_first_heading_is_an_opening_section(library: Library) -> None:
    opening = library.documents["anti-ai"].sections[0]
    assert (opening.slug, opening.title) == ("opening", "Opening")
    texts = [p.text for p in opening.paragraphs]
    assert texts[0] == "Last updated: December 2025"
    assert texts[2].startswith("“Day by day") and texts[2].endswith("\n-Samuel Butler[^1]")


def test_notes_are_defined_cited_and_linked(library: Library) -> None:
    document = library.documents["anti-ai"]
    assert list(document.footnotes) == [str(n) for n in range(1, 54)]
    cited: dict[str, list[Paragraph]] = {}
    for paragraph in document.paragraphs():
        markers = re.findall(r"\[\^([^\]]+)\]", paragraph.text)
        assert list(paragraph.notes) == list(dict.fromkeys(markers))
        for label in paragraph.notes:
            cited.setdefault(label, []).append(paragraph)
    assert set(cited) == set(document.footnotes)
    assert cited["1"][0].section == "opening"
    assert document.footnotes["12"].text.startswith("Stefano Montali")
    # A note's continuation line (an indented URL) belongs to the note.
    assert document.footnotes["11"].text.endswith("data-centers-and-water-consumption.")
    assert library.documents["technocommunist"].footnotes == {}


def test_paragraph_indices_count_from_one_and_slugs_are_unique(library: Library) -> None:
    for document in library.documents.values():
        slugs = [s.slug for s in document.walk()]
        assert len(slugs) == len(set(slugs))
        for section in document.walk():
            assert [p.index for p in section.paragraphs] == list(
                range(1, len(section.paragraphs) + 1)
            )
            assert all(p.section == section.slug for p in section.paragraphs)


def test_slugify() -> None:
    assert slugify("What Is to Be Done?") == "what-is-to-be-done"
    assert slugify("Co-Operatives") == "co-operatives"
    assert slugify("Jeanne d’Arc écoutant") == slugify("Jeanne d'Arc écoutant")
    assert slugify("Jeanne d'Arc écoutant") == "jeanne-darc-ecoutant"
    assert slugify("¿!") == "section"
    assert len(slugify("word " * 40)) <= 48


def test_repeated_and_reserved_titles_get_distinct_slugs() -> None:
    text = (
        "---\nslug: rep\ntitle: T\nauthor: A\ndate: 2024\ndescription: D\n---\n\n"
        "## Notes\n\nOne.\n\n## Part\n\nTwo.\n\n## Part\n\nThree.\n"
    )
    document = parse_seed_text(text, name="rep.md")
    assert [s.slug for s in document.walk()] == ["notes-2", "part", "part-2"]


def test_lists_become_paragraphs_keeping_their_markers() -> None:
    text = (
        "---\nslug: li\ntitle: T\nauthor: A\ndate: 2024\ndescription: D\n---\n\n"
        "## Demands\n\n1. Bread.\n2. Roses.\n\n- Also this.\n"
    )
    paragraphs = [p.text for p in parse_seed_text(text, name="li.md").paragraphs()]
    assert paragraphs == ["1. Bread.", "2. Roses.", "- Also this."]


def test_a_third_text_is_one_file_dropped_into_the_folder(
    tmp_path: Path, seeds_dir: Path, fixtures_dir: Path
) -> None:
    for seed in seeds_dir.glob("*.md"):
        shutil.copy(seed, tmp_path)
    shutil.copy(fixtures_dir / "seeds-third" / "utopia.md", tmp_path)
    library = load_library(tmp_path)
    assert list(library.documents) == ["anti-ai", "technocommunist", "utopia"]
    utopia = library.documents["utopia"]
    assert utopia.date == "2024-05-01"  # YAML dates are kept as the text wrote them
    long_table = next(s for s in utopia.walk() if s.slug == "the-long-table")
    assert long_table.parent == "evening"
    assert library.resolve("ut I 2").ref == "utopia:morning:2"
    assert library.resolve("short utopia long table").ref == "utopia:the-long-table:1"
    assert library.resolve("utopia note 1").text.startswith("Except the trains")
    assert any(value.startswith("utopia:") for _, value in library.complete("utopia"))


def test_every_reference_fits_a_discord_button_id(library: Library) -> None:
    # 100 characters, less a prefix such as "quote:share:".
    for document in library.documents.values():
        for passage in document.passages():
            assert len(passage.ref) <= 88, passage.ref


def test_long_titles_and_note_labels_keep_references_short() -> None:
    head = "---\nslug: long\ntitle: T\nauthor: A\ndate: 2024\ndescription: D\n---\n\n"
    title = "A Very Long Heading " * 8
    document = parse_seed_text(head + f"## {title}\n\nText.\n", name="long.md")
    assert len(document.sections[0].slug) <= 48
    with pytest.raises(SeedError, match=r"long.md:13: note label \[\^ninecharz\] is longer"):
        parse_seed_text(head + "## S\n\nText.[^ninecharz]\n\n[^ninecharz]: Note.\n", name="long.md")
