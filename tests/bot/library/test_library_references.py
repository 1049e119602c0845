"""References: canonical ones exactly, typed ones forgivingly, failures with suggestions."""

from __future__ import annotations

import pytest

from bot.errors import AmbiguousReference, UnknownDocument, UnknownReference
from bot.library import Library

FORGIVING = [
    # canonical, and its case, spacing and separators
    ("anti-ai:immediate-demands:2", "anti-ai:immediate-demands:2"),
    ("Anti-AI : Immediate-Demands : 2", "anti-ai:immediate-demands:2"),
    ("anti-ai immediate-demands 2", "anti-ai:immediate-demands:2"),
    ("anti-ai.immediate-demands.2", "anti-ai:immediate-demands:2"),
    ("  ANTI AI   IMMEDIATE DEMANDS   2 ", "anti-ai:immediate-demands:2"),
    # document aliases and prefixes
    ("antiai immediate demands 2", "anti-ai:immediate-demands:2"),
    ("anti immediate 2", "anti-ai:immediate-demands:2"),
    ("tc:preface:1", "technocommunist:preface:1"),
    ("techno preface", "technocommunist:preface:1"),
    ("technocomm preface", "technocommunist:preface:1"),
    # section numbers, roman or arabic, with or without noise words
    ("tc III 1", "technocommunist:goals-of-the-movement:1"),
    ("tc iii 1", "technocommunist:goals-of-the-movement:1"),
    ("tc 3 1", "technocommunist:goals-of-the-movement:1"),
    ("tc III.1", "technocommunist:goals-of-the-movement:1"),
    ("TC:III:1", "technocommunist:goals-of-the-movement:1"),
    ("tc section 9 paragraph 1", "technocommunist:principles-and-party-programme:1"),
    ("tc §8 ¶1", "technocommunist:russia-and-the-communist-mission:1"),
    # section titles and their prefixes; a whole section is its first paragraph
    ("anti-ai immediate 1", "anti-ai:immediate-demands:1"),
    ("anti-ai what is to be done? 2", "anti-ai:what-is-to-be-done:2"),
    ("anti-ai labor unions", "anti-ai:labor-unions:1"),
    ("anti-ai unions 3", "anti-ai:labor-unions:3"),
    ("tc conclusion 2", "technocommunist:conclusion:2"),
    ("anti-ai:labor-unions", "anti-ai:labor-unions:1"),
    ("tc", "technocommunist:opening:1"),
    # no document, when only one has such a section
    ("immediate demands 2", "anti-ai:immediate-demands:2"),
    ("a note to early readers 8", "anti-ai:a-note-to-early-readers:8"),
    ("goals of the movement", "technocommunist:goals-of-the-movement:1"),
    # misspellings, when one match stands out
    ("anti-ai imediate demnads 2", "anti-ai:immediate-demands:2"),
    ("anti-ai labour unions 2", "anti-ai:labor-unions:2"),
    ("anti-ai mobilisation 4", "anti-ai:mobilization-against-ai:4"),
    ("technocomunist prefase", "technocommunist:preface:1"),
    ("anti-ia cooperatives 2", "anti-ai:co-operatives:2"),
    # notes
    ("anti-ai:note:12", "anti-ai:note:12"),
    ("anti-ai note 12", "anti-ai:note:12"),
    ("anti ai [^12]", "anti-ai:note:12"),
    ("anti-ai [12]", "anti-ai:note:12"),
    ("footnote 53", "anti-ai:note:53"),
    ("anti-ai references", "anti-ai:note:1"),
]


@pytest.mark.parametrize(("typed", "expected"), FORGIVING)
def test_forgiving_forms_resolve(library: Library, typed: str, expected: str) -> None:
    assert library.resolve(typed).ref == expected


def test_every_canonical_ref_resolves_to_itself(library: Library) -> None:
    for document in library.documents.values():
        for passage in document.passages():
            assert library.get(passage.ref) is passage
            assert library.resolve(passage.ref) is passage
            assert library.resolve(passage.ref.upper().replace(":", " ")) is passage


def test_get_is_strict(library: Library) -> None:
    assert library.get("anti-ai:labor-unions").ref == "anti-ai:labor-unions:1"
    for loose in ("tc III 1", "anti-ai immediate 2", "anti-ai:immediate-demands:9"):
        with pytest.raises(UnknownReference) as caught:
            library.get(loose)
        assert caught.value.candidates, loose


@pytest.mark.parametrize(
    ("typed", "first_candidate"),
    [
        ("tc III 2", "technocommunist:goals-of-the-movement:1"),  # that section has one paragraph
        ("anti-ai immediate 3", "anti-ai:immediate-demands:2"),
        ("anti-ai:note:99", "anti-ai:note:53"),
        ("tc conclusion 40", "technocommunist:conclusion:2"),
    ],
)
def test_unknown_reference_suggests_the_closest(
    library: Library, typed: str, first_candidate: str
) -> None:
    with pytest.raises(UnknownReference) as caught:
        library.resolve(typed)
    assert caught.value.candidates[0] == first_candidate
    assert first_candidate in caught.value.message


def test_unknown_reference_suggestions_stay_in_the_named_document(library: Library) -> None:
    with pytest.raises(UnknownReference) as caught:
        library.resolve("tc 12")
    assert caught.value.candidates
    assert all(ref.startswith("technocommunist:") for ref in caught.value.candidates)


def test_nonsense_is_unknown_and_every_candidate_resolves(library: Library) -> None:
    for typed in ("xyzzy", "", "   ", "anti-ai 3", "labour xyzzy"):
        with pytest.raises(UnknownReference) as caught:
            library.resolve(typed)
        for ref in caught.value.candidates:
            library.get(ref)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "anti-ai demands",
            {
                "anti-ai:programmatic-demands-against-ai",
                "anti-ai:immediate-demands",
                "anti-ai:minimal-demands",
                "anti-ai:maximal-demands",
            },
        ),
        ("anti-ai demands 5", {"anti-ai:minimal-demands:5", "anti-ai:maximal-demands:5"}),
        ("opening", {"anti-ai:opening", "technocommunist:opening"}),
        ("tc the", None),
    ],
)
def test_ambiguous_reference_lists_the_rivals(
    library: Library, typed: str, expected: set[str] | None
) -> None:
    with pytest.raises(AmbiguousReference) as caught:
        library.resolve(typed)
    assert len(caught.value.candidates) >= 2
    if expected is not None:
        assert set(caught.value.candidates) == expected
    for ref in caught.value.candidates:
        library.get(ref)


def test_a_paragraph_number_only_one_rival_has_settles_it(library: Library) -> None:
    # Only "Minimal Demands" has a tenth paragraph among the sections "demands" fits.
    assert library.resolve("anti-ai demands 10").ref == "anti-ai:minimal-demands:10"


def test_document_option_narrows_the_search(library: Library) -> None:
    assert library.resolve("opening 2", document="tc").ref == "technocommunist:opening:2"
    assert library.resolve("3 1", document="technocommunist").section == "goals-of-the-movement"
    with pytest.raises(UnknownReference):
        library.resolve("anti-ai:immediate-demands:1", document="tc")
    with pytest.raises(UnknownDocument):
        library.resolve("preface", document="nonexistent")


def test_document_lookup_by_slug_or_alias(library: Library) -> None:
    assert library.document("TC").slug == "technocommunist"
    assert library.document("Anti AI").slug == "anti-ai"
    with pytest.raises(UnknownDocument) as caught:
        library.document("bible")
    assert "anti-ai" in caught.value.message
