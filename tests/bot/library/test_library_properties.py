"""Whatever is typed, ``resolve`` answers a passage or a reference error; ``complete``, a list."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.errors import BadReference
from bot.library import Library

PIECES = st.sampled_from(
    [
        "tc",
        "anti",
        "ai",
        "anti-ai",
        "III",
        "iii",
        "3",
        "12",
        "0",
        "-1",
        "99999999999999",
        "note",
        "[^",
        "[",
        "]",
        "^",
        ":",
        ".",
        " ",
        "*",
        "(",
        ")",
        "-",
        '"',
        "'",
        "¶",
        "§",
        "immediate",
        "demands",
        "labor",
        "unions",
        "preface",
        "opening",
        "🙂",
        "👩‍👩‍👧",
        "ﷺ",
        "שלום",
        "مرحبا",
        "\u202e",
        "\u200f",
        "\x00",
        "²",
        "٣",
        "Ⅻ",
        "ß",
    ]
)
TYPED = st.one_of(
    st.text(max_size=1000),
    st.lists(PIECES, max_size=40).map("".join),
    st.lists(PIECES, max_size=12).map(" ".join),
)
FIXED = settings(max_examples=150, deadline=None)


@FIXED
@given(text=TYPED)
@example(text="x" * 1000)
@example(text=":" * 1000)
@example(text='"*()-:' * 100)
@example(text="tc " + "9" * 5000)
@example(text="\u202eanti-ai immediate 2")
def test_resolve_answers_a_passage_or_a_reference_error(library: Library, text: str) -> None:
    try:
        passage = library.resolve(text)
    except BadReference as exc:
        assert exc.message
        for ref in exc.candidates:
            library.get(ref)
    else:
        assert library.get(passage.ref) is passage


@FIXED
@given(text=TYPED, limit=st.integers(min_value=-1, max_value=30))
@example(text="🙂" * 1000, limit=25)
def test_complete_returns_few_short_choices(library: Library, text: str, limit: int) -> None:
    choices = library.complete(text, limit=limit)
    assert len(choices) <= max(limit, 0)
    for label, value in choices:
        assert 0 < len(label) <= 100 and 0 < len(value) <= 100
        library.get(value)


@FIXED
@given(data=st.data())
def test_typed_variants_of_a_ref_find_it(library: Library, data: st.DataObject) -> None:
    paragraph = data.draw(st.sampled_from(list(library.paragraphs())))
    separator = data.draw(st.sampled_from([":", " ", ".", " : ", "  "]))
    document, section, index = paragraph.ref.split(":")
    section_text = data.draw(st.sampled_from([section, section.replace("-", " ")]))
    typed = separator.join([document, section_text, str(index)])
    typed = data.draw(st.sampled_from([typed, typed.upper(), typed.title()]))
    assert library.resolve(typed) is paragraph


def test_every_reference_offered_as_a_candidate_names_a_passage(library: Library) -> None:
    """Found by hypothesis: an empty heading was suggested, then could not be quoted."""
    for text in ("R", "ref", "anti-ai r", "references", "x"):
        try:
            library.resolve(text)
        except BadReference as error:
            for candidate in error.candidates:
                assert library.get(candidate).ref
