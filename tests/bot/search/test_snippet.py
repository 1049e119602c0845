"""Snippet pieces for surfaces that are not Markdown (the web pages)."""

from __future__ import annotations


def test_snippet_parts_mark_the_same_words_as_the_markdown_snippet() -> None:
    from bot.search.snippet import snippet_parts

    text = "The *machines* gain ground upon us; day by day the machines grow."
    parts = snippet_parts(text, ["machines"], width=300)
    assert (
        "".join(p for p, _ in parts)
        == "The *machines* gain ground upon us; day by day the machines grow."
    )
    assert [p for p, bold in parts if bold] == ["machines", "machines"]
