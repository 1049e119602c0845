"""The analyser that text and queries share, and the topic index kept beside the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SeedError
from bot.library import Document, Library, Section
from bot.search.text import fold, is_english_word, stem, tokens
from bot.search.topics import load_topics


def stems_of(text: str) -> list[str]:
    return [token.stem for token in tokens(text)]


def test_folding_ignores_case_accents_and_curly_apostrophes() -> None:
    assert fold("Génocidaires") == "genocidaires"
    assert stems_of("AI’s") == stems_of("AI's") == stems_of("ai")


def test_british_and_american_spellings_share_a_stem() -> None:
    assert stem("labour") == stem("labor")
    assert stem("organisation") == stem("organization")
    assert stem("nationalise") == stem("nationalisation") == stem("nationalization")


def test_compounds_are_indexed_whole_and_in_parts() -> None:
    assert stems_of("co-operatives") == [stem("cooperatives"), stem("co"), stem("operatives")]


def test_footnote_markers_and_punctuation_are_not_words() -> None:
    from bot.search.text import strip_markup

    assert stems_of(strip_markup("labor.[^3] (dignity)")) == [stem("labor"), stem("dignity")]


def test_dictionary_words_are_told_from_misspellings() -> None:
    assert is_english_word("kids")
    assert is_english_word("organising")  # through its American spelling
    assert not is_english_word("hegemoney")


def test_every_index_key_is_a_section(search_library: Library) -> None:
    for document in search_library.documents.values():
        topics = load_topics(document)
        assert topics, f"{document.slug} has no topic index"
        sections = {section.slug for section in document.walk() if section.paragraphs}
        assert set(topics) <= {section.slug for section in document.walk()}
        # Every section with text is described, so none depends on its own words alone.
        assert sections - set(topics) <= {"references"}


def _document(tmp_path: Path) -> Document:
    document = Document("demo", "Demo", "Someone", "2025", "A demo.", source=tmp_path / "demo.md")
    document.sections.append(Section("demo", "work", "Work", 2))
    return document


def test_an_unknown_section_in_the_index_is_a_seed_error(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "demo.toml").write_text('[play]\ntopics = ["games"]\n', encoding="utf-8")
    with pytest.raises(SeedError) as raised:
        load_topics(_document(tmp_path))
    assert "play" in raised.value.message
    assert "demo.toml" in raised.value.location


def test_a_malformed_index_is_a_seed_error(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "demo.toml").write_text("[work]\ntopics = 3\n", encoding="utf-8")
    with pytest.raises(SeedError):
        load_topics(_document(tmp_path))
    (tmp_path / "index" / "demo.toml").write_text("[work\n", encoding="utf-8")
    with pytest.raises(SeedError):
        load_topics(_document(tmp_path))


def test_no_index_file_means_no_topics(tmp_path: Path) -> None:
    assert load_topics(_document(tmp_path)) == {}
