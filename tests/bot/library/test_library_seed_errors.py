"""A malformed seed is refused with ``file:line: what``, so its author can find the fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import SeedError
from bot.library import load_library, parse_seed

BROKEN = {
    "no-front-matter.md": (1, "no front matter"),
    "missing-keys.md": (1, "front matter lacks author, date, description"),
    "undefined-note.md": (13, "note [^2] is cited but never defined"),
    "skipped-heading.md": (13, "heading level skipped: ### follows #"),
    "duplicate-note.md": (15, "note [^1] is defined twice (first on line 13)"),
    "bad-yaml.md": (4, "front matter is not valid YAML"),
    "bad-slug.md": (3, "slug “Not A Slug” must be lower-case"),
    "no-paragraphs.md": (1, "the text has no paragraphs"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_malformed_seed_names_file_line_and_problem(name: str, fixtures_dir: Path) -> None:
    path = fixtures_dir / "seeds-broken" / name
    line, problem = BROKEN[name]
    with pytest.raises(SeedError) as caught:
        parse_seed(path)
    assert caught.value.location == f"{path}:{line}"
    assert caught.value.problem.startswith(problem)
    assert "\n" not in caught.value.message
    assert caught.value.message == f"{path}:{line}: {caught.value.problem}"


def test_every_broken_fixture_is_covered(fixtures_dir: Path) -> None:
    assert sorted(p.name for p in (fixtures_dir / "seeds-broken").glob("*.md")) == sorted(BROKEN)


def test_two_files_with_one_slug_are_refused_at_the_second(fixtures_dir: Path) -> None:
    folder = fixtures_dir / "seeds-duplicate-slug"
    with pytest.raises(SeedError) as caught:
        load_library(folder)
    assert caught.value.location == f"{folder / 'second.md'}:3"
    assert "“same”" in caught.value.problem and "first.md" in caught.value.problem


def test_an_alias_may_not_name_another_document(tmp_path: Path, fixtures_dir: Path) -> None:
    text = (fixtures_dir / "seeds-third" / "utopia.md").read_text(encoding="utf-8")
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    clash = text.replace("slug: utopia", "slug: other").replace("[ut, short-utopia]", "[ut]")
    (tmp_path / "b.md").write_text(clash, encoding="utf-8")
    with pytest.raises(SeedError, match="“ut” already refers to the document “utopia”"):
        load_library(tmp_path)


def test_a_folder_without_seeds_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="no seed texts"):
        load_library(tmp_path)
    with pytest.raises(SeedError, match="no such folder"):
        load_library(tmp_path / "missing")


def test_text_that_is_not_utf8_is_refused(tmp_path: Path, fixtures_dir: Path) -> None:
    shutil.copy(fixtures_dir / "seeds-third" / "utopia.md", tmp_path / "utopia.md")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    with pytest.raises(SeedError) as caught:
        load_library(tmp_path)
    assert caught.value.location == f"{tmp_path / 'latin1.md'}:1"
    assert "not UTF-8" in caught.value.problem
