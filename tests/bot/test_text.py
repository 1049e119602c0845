from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import (
    ELLIPSIS,
    escape_markdown,
    is_visible,
    plain_text,
    render_footnote_marks,
    truncate,
    visible_text,
)


def test_escape_defuses_formatting_and_mentions() -> None:
    escaped = escape_markdown("**bold** _it_ `code` ||spoiler|| [link](x) <@123> @everyone @here")
    for raw in ("**", "_it_", "`code`", "||", "[link]"):
        assert raw not in escaped
    assert "\\<@123>" in escaped
    assert "@everyone" not in escaped and "@here" not in escaped


def test_escape_line_starts() -> None:
    assert (
        escape_markdown("# title\n> quote\n- item\n1. one")
        == "\\# title\n\\> quote\n\\- item\n1\\. one"
    )
    assert escape_markdown("re-read (twice)") == "re-read (twice)"


def test_footnote_marks_shown_as_published() -> None:
    assert render_footnote_marks("a claim.[^12] more", escape=False) == "a claim.[12] more"
    assert render_footnote_marks("*x*[^3]") == "*x*\\[3\\]"
    assert render_footnote_marks("**a_b** c*d") == "**a\\_b** c\\*d"
    assert plain_text("a[^1] b[^22]") == "a b"


def test_truncate_at_word_boundary() -> None:
    text = "word " * 100
    cut = truncate(text, 50)
    assert len(cut) <= 50 and cut.endswith(ELLIPSIS) and not cut[:-1].endswith(" ")
    assert truncate("short", 50) == "short"


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_truncate_never_exceeds_limit(text: str, limit: int) -> None:
    assert len(truncate(text, limit)) <= limit
    if len(text) <= limit:
        assert truncate(text, limit) == text


@given(st.text())
def test_escaped_text_keeps_its_words(text: str) -> None:
    escaped = escape_markdown(text)

    # Escaping adds only backslashes and zero-width spaces (the text may hold both already).
    def words(s: str) -> str:
        return s.replace("\\", "").replace("\u200b", "")

    assert words(escaped) == words(text)


@pytest.mark.parametrize(
    "text", ["@everyone", "say @here", "- item", "  # heading", "3. list", "a\n> quote", "x\\y"]
)
def test_text_with_a_single_mark_is_escaped(text: str) -> None:
    assert escape_markdown(text) != text


_PLAIN_PIECES = ["a", "word", " ", "\n", "\t", "1", "12", ".", "everyone", "here"]
_MARKDOWN_PIECES = [*"-#>*_~`|[]<@\\", "12."]


@given(
    st.lists(st.sampled_from(_PLAIN_PIECES), max_size=12),
    st.lists(st.tuples(st.integers(0, 12), st.sampled_from(_MARKDOWN_PIECES)), max_size=2),
)
def test_the_quick_check_never_skips_text_that_needs_escaping(
    plain: list[str], marks: list[tuple[int, str]]
) -> None:
    """Mostly plain text with a mark or two, where a missed mark would show."""
    from bot.text import _escape_all

    for position, mark in marks:
        plain.insert(position, mark)
    text = "".join(plain)
    assert escape_markdown(text) == _escape_all(text)


def test_visible_text_trims_invisible_characters_and_finds_none_in_blank_text() -> None:
    assert visible_text("  \u200bWhy read?\u200b ") == "Why read?"
    assert visible_text("👩\u200d💻") == "👩\u200d💻"  # a joiner inside an emoji stays
    for blank in ("", "   ", "\u200b", "\u2060\ufeff", "\u3164", "\u2800 \u115f", "\u0301"):
        assert visible_text(blank) == "", repr(blank)
    assert is_visible("a") and not is_visible("\u200e")
