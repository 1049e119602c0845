from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import Library, load_library
from bot.library.model import Paragraph
from bot.render import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    TOTAL_LIMIT,
    EmbedField,
    EmbedSpec,
    fit,
    passage_embed,
    search_page_embed,
)
from bot.search import SearchHit

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(SEEDS)


def within_limits(spec: EmbedSpec) -> bool:
    return (
        spec.total_length() <= TOTAL_LIMIT
        and len(spec.description) <= DESCRIPTION_LIMIT
        and all(len(f.value) <= FIELD_VALUE_LIMIT and len(f.name) <= 256 for f in spec.fields)
        and len(spec.title) <= 256
        and len(spec.fields) <= 25
    )


def test_every_passage_fits_an_embed_with_its_notes(library: Library) -> None:
    for document in library.documents.values():
        for passage in document.passages():
            spec = passage_embed(library, passage)
            assert within_limits(spec), passage.ref
            assert spec.footer == passage.ref
            assert document.title in spec.author


def test_cited_notes_are_shown_with_the_passage(library: Library) -> None:
    cited = next(p for p in library.paragraphs() if p.notes)
    spec = passage_embed(library, cited)
    assert [f.name for f in spec.fields] == [f"[{label}]" for label in cited.notes]
    assert "[^" not in spec.description


def test_overlong_content_is_cut_to_the_limits() -> None:
    spec = fit(
        EmbedSpec(
            title="t" * 400,
            description="word " * 2000,
            fields=tuple(EmbedField("n" * 300, "v " * 800) for _ in range(30)),
        )
    )
    assert within_limits(spec)
    assert spec.description.endswith("…")


def test_search_page_shows_five_with_bold_terms(library: Library) -> None:
    paragraphs = [p for p in library.paragraphs() if isinstance(p, Paragraph)][:12]
    hits = [SearchHit(passage=p, score=1.0, terms=(p.text.split()[0],)) for p in paragraphs]
    first = search_page_embed(library, "query *with* markdown", hits, 0)
    last = search_page_embed(library, "q", hits, 2)
    assert len(first.fields) == 5 and len(last.fields) == 2
    assert first.fields[0].name.startswith("1. ") and paragraphs[0].ref in first.fields[0].name
    assert "**" in first.fields[0].value
    assert "\\*with\\*" in first.title
    assert first.footer == "Page 1/3 · 12 results" and last.footer.startswith("Page 3/3")
    assert within_limits(first)
