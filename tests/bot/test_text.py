from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text import ELLIPSIS, escape_markdown, plain_text, render_footnote_marks, truncate


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
    assert escaped.replace("\\", "").replace("\u200b", "") == text.replace("\\", "")
