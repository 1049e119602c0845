"""Reading order, neighbours, sections, the daily and random quotes, and the JSON payload."""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import UnknownDocument
from bot.library import Library, passage_payload
from bot.library.library import QUOTABLE_WORDS
from bot.library.model import Footnote, Paragraph


def test_paragraphs_in_reading_order(library: Library) -> None:
    every = library.paragraphs()
    anti = library.paragraphs("anti-ai")
    tc = library.paragraphs("tc")
    assert list(every) == [*anti, *tc]
    assert anti[0].text == "Last updated: December 2025"
    assert tc[-1].text == "Technocommunist Party"
    with pytest.raises(UnknownDocument):
        library.paragraphs("nope")


def test_neighbours_cross_section_boundaries_within_a_document(library: Library) -> None:
    last_immediate = library.get("anti-ai:immediate-demands:2")
    before, after = library.neighbours(last_immediate)
    assert before is not None and before.ref == "anti-ai:immediate-demands:1"
    assert after is not None and after.ref == "anti-ai:minimal-demands:1"
    # Into a subsection from its parent's introduction.
    _, first_sub = library.neighbours(library.get("anti-ai:what-is-to-be-done:2"))
    assert first_sub is not None and first_sub.ref == "anti-ai:party-participation:1"


def test_neighbours_stop_at_the_ends_of_a_document(library: Library) -> None:
    anti = library.paragraphs("anti-ai")
    tc = library.paragraphs("technocommunist")
    assert library.neighbours(anti[0])[0] is None
    assert library.neighbours(anti[-1])[1] is None  # not the next document's opening
    assert library.neighbours(tc[0])[0] is None
    assert library.neighbours(tc[-1])[1] is None


def test_notes_neighbour_notes(library: Library) -> None:
    before, after = library.neighbours(library.get("anti-ai:note:12"))
    assert (before and before.ref, after and after.ref) == ("anti-ai:note:11", "anti-ai:note:13")
    assert library.neighbours(library.get("anti-ai:note:1"))[0] is None
    assert library.neighbours(library.get("anti-ai:note:53"))[1] is None


def test_section_of_and_section_path(library: Library) -> None:
    paragraph = library.get("anti-ai:labor-unions:2")
    assert isinstance(paragraph, Paragraph)
    assert library.section_of(paragraph).title == "Labor Unions"
    assert library.section_path(paragraph) == "What Is to Be Done? › Labor Unions"
    goals = library.get("technocommunist:goals-of-the-movement:1")
    assert library.section_path(goals) == "III. GOALS OF THE MOVEMENT"
    note = library.get("anti-ai:note:3")
    assert library.section_path(note) == "Notes"


def test_passage_payload_shape(library: Library) -> None:
    paragraph = library.get("anti-ai:immediate-demands:2")
    payload = passage_payload(library, paragraph)
    assert payload == {
        "ref": "anti-ai:immediate-demands:2",
        "document": "anti-ai",
        "document_title": "Manifesto of the Anti-AI Movement",
        "section": "Immediate Demands",
        "paragraph": 2,
        "text": paragraph.text,
    }
    note = library.get("anti-ai:note:7")
    assert isinstance(note, Footnote)
    note_payload = passage_payload(library, note)
    assert (note_payload["section"], note_payload["paragraph"]) == ("Notes", "7")
    assert json.loads(json.dumps(note_payload)) == note_payload


def test_random_paragraph_follows_the_generator_and_skips_fragments(library: Library) -> None:
    first = [library.random_paragraph(random.Random(7)).ref for _ in range(3)]
    assert len(set(first)) == 1  # same seed, same draw
    draws = {library.random_paragraph(random.Random(seed), "tc") for seed in range(200)}
    assert all(p.document == "technocommunist" for p in draws)
    assert all(len(p.text.split()) >= QUOTABLE_WORDS for p in draws)
    assert len(draws) > 5


def test_daily_paragraph_is_fixed_for_the_day_and_changes_the_next(library: Library) -> None:
    guild = 81384788765712384
    start = datetime.date(2026, 1, 1)
    days = [start + datetime.timedelta(days=n) for n in range(60)]
    picks = [library.daily_paragraph(guild, day) for day in days]
    assert picks == [library.daily_paragraph(guild, day) for day in days]
    assert all(a != b for a, b in itertools.pairwise(picks))
    assert len(set(picks)) == len(picks)  # no repeat until the quotable paragraphs run out
    assert all(len(p.text.split()) >= QUOTABLE_WORDS for p in picks)
    others = [library.daily_paragraph(guild + 1, day) for day in days]
    assert sum(a == b for a, b in zip(picks, others, strict=True)) < 10
    assert library.daily_paragraph(guild, start, "tc").document == "technocommunist"


def test_daily_paragraph_is_the_same_in_another_process(seeds_dir: Path, library: Library) -> None:
    code = (
        "import datetime, sys; from pathlib import Path; from bot.library import load_library;"
        "lib = load_library(Path(sys.argv[1]));"
        "print(lib.daily_paragraph(42, datetime.date(2026, 3, 14)).ref)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(seeds_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip() == library.daily_paragraph(42, datetime.date(2026, 3, 14)).ref
