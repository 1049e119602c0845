"""Snippets: matched words bolded, other Markdown escaped, bounded length, ellipses where cut."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import i18n
from bot.search import SearchEngine, result_mark, result_snippet, snippet

LONG = " ".join(f"word{i}" for i in range(200))


def unescaped(rendered: str) -> str:
    """The visible text: escapes dropped, bold markers dropped."""
    return re.sub(r"\\(.)", r"\1", rendered.replace("**", ""))


def test_matched_words_are_bolded_wherever_they_appear() -> None:
    text = "Join a union, organize through it, and strike against capital. Unions matter."
    rendered = snippet(text, ["union", "Unions", "strike"])
    assert "**union**" in rendered
    assert "**Unions**" in rendered
    assert "**strike**" in rendered
    assert "**capital**" not in rendered


def test_terms_match_whole_words_only() -> None:
    rendered = snippet("The reunion of unions.", ["union"])
    assert "**union**" not in rendered
    assert "reunion" in rendered


def test_markdown_in_the_text_is_escaped() -> None:
    text = "Some *stars*, _underscores_, `ticks`, ~~strike~~, ||spoiler||, > quote and # hash."
    rendered = snippet(text, ["quote"])
    for raw in ("*stars*", "_underscores_", "`ticks`", "~~strike~~", "||spoiler||"):
        assert raw not in rendered
    assert "\\*stars\\*" in rendered
    assert "**quote**" in rendered
    assert unescaped(rendered) == text


def test_a_stray_asterisk_cannot_swallow_the_bolding() -> None:
    rendered = snippet("5 * 3 is labour*time for labour", ["labour"])
    # Every unescaped asterisk belongs to a pair of bold markers.
    bare = re.sub(r"\\.", "", rendered)
    assert bare.count("**") % 2 == 0
    assert bare.replace("**", "").count("*") == 0


def test_footnote_markers_read_as_numbers() -> None:
    rendered = snippet("As Marx wrote.[^6] More.", ["Marx"])
    assert "[^6]" not in rendered
    assert "\\[6\\]" in rendered


def test_a_short_text_is_whole_without_ellipses() -> None:
    assert snippet("Labour and dignity.", ["dignity"]) == "Labour and **dignity**."


def test_a_long_text_is_cut_around_the_match_with_ellipses() -> None:
    rendered = snippet(LONG, ["word120"], width=80)
    assert rendered.startswith("…") and rendered.endswith("…")
    assert "**word120**" in rendered
    assert len(rendered) <= 80 + 2


def test_the_window_goes_where_most_distinct_terms_are() -> None:
    text = "alpha " + "filler " * 60 + "beta gamma alpha " + "filler " * 60
    rendered = snippet(text, ["alpha", "beta", "gamma"], width=60)
    assert "**beta**" in rendered and "**gamma**" in rendered


def test_without_a_match_the_start_is_shown() -> None:
    rendered = snippet(LONG, ["absent"], width=50)
    assert rendered.startswith("word0 ")
    assert rendered.endswith("…")


@settings(max_examples=200, deadline=None)
@given(
    st.text(min_size=0, max_size=600),
    st.lists(st.text(min_size=1, max_size=10), max_size=4),
    st.integers(min_value=20, max_value=400),
)
def test_never_longer_than_width_plus_the_ellipses(text: str, terms: list[str], width: int) -> None:
    rendered = snippet(text, terms, width=width)
    assert len(rendered) <= width + 2
    # Bold markers always come in pairs, whatever the text holds.
    assert re.sub(r"\\.", "", rendered).count("**") % 2 == 0


def test_snippets_of_real_hits_bold_what_matched(engine: SearchEngine) -> None:
    for hit in engine.search("sledgehamer computer", limit=3):
        rendered = snippet(hit.passage.text, hit.terms, width=200)
        assert len(rendered) <= 202
        assert any(f"**{term}**" in rendered for term in hit.terms)


def test_results_found_by_meaning_say_so_and_the_others_do_not(engine: SearchEngine) -> None:
    found = engine.search("kids", limit=3) + engine.search("sledgehamer computer", limit=1)
    assert [hit.by_meaning for hit in found] == [True, True, True, False]
    for hit in found:
        rendered = result_snippet(hit, width=300)
        assert rendered.startswith("*≈ found by meaning* · ") == hit.by_meaning
        assert len(rendered) <= 302


def test_a_paragraph_brought_by_its_note_names_the_note(engine: SearchEngine) -> None:
    # The paragraph citing note 12 shares no word with the headline that note quotes.
    hits = engine.search("A Debate About A.I. Plays Out on the Subway Walls", limit=3)
    brought = [hit for hit in hits if hit.via_note is not None]
    assert [hit.via_note for hit in brought] == ["12"]
    assert "12" in brought[0].passage.notes  # type: ignore[union-attr]
    assert result_mark(brought[0]) == "↳ through its note 12"
    assert result_snippet(brought[0]).startswith("*↳ through its note 12* · ")
    assert "\\[**12**\\]" in result_snippet(brought[0])  # the window is where it cites the note
    assert all(hit.via_note is None for hit in engine.search("sledgehamer computer", limit=3))


def test_the_marks_are_in_the_readers_language(engine: SearchEngine) -> None:
    hits = engine.search("kids", limit=1) + engine.search(
        "A Debate About A.I. Plays Out on the Subway Walls", limit=2
    )
    with i18n.language("de"):
        marks = [result_mark(hit) for hit in hits if result_mark(hit)]
    assert len(marks) == 2
    assert not {"≈ found by meaning", "↳ through its note 12"} & set(marks)
