"""Ranking on the real texts: a few queries of each kind find the section they mean.

These are tests of behaviour, one or two per kind; the full development set and its figures are
in ``bench/search.py``. A hit counts when its section (or note) is the expected one.
"""

from __future__ import annotations

import pytest

from bot.errors import UnknownDocument
from bot.library import Footnote, Library, Paragraph, Passage
from bot.search import SearchEngine, Tuning


def unit(passage: Passage) -> str:
    if isinstance(passage, Footnote):
        return f"{passage.document}:note:{passage.label}"
    assert isinstance(passage, Paragraph)
    return f"{passage.document}:{passage.section}"


def top_units(
    engine: SearchEngine, query: str, n: int = 3, document: str | None = None
) -> list[str]:
    return [unit(hit.passage) for hit in engine.search(query, document=document, limit=n)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # exact phrases
        ("swing it at the computer and then keep swinging", "anti-ai:to-wage-war-against-ai"),
        ("labor unions lead to the creation of the weekend", "anti-ai:labor-unions"),
        ("Freedom of conscience, speech and creativity", "technocommunist:freedom-of-the-person"),
        # misspelt words
        ("sledgehamer", "anti-ai:to-wage-war-against-ai"),
        ("watermakrs generatoins", "anti-ai:minimal-demands"),
        ("Mondragn cooperatves", "anti-ai:note:47"),
        # the gist partly in the text's words
        ("workers owning their own firms democratically", "anti-ai:co-operatives"),
        ("join the Democratic Socialists", "anti-ai:party-participation"),
        # paraphrases that avoid the text's words
        (
            "afraid of a rogue superintelligence wiping us out",
            "anti-ai:non-generative-ai-and-ai-apocalypticism",
        ),
        ("the writer could not sleep while drafting", "anti-ai:a-note-to-early-readers"),
    ],
)
def test_query_finds_its_section_in_the_top_three(
    engine: SearchEngine, query: str, expected: str
) -> None:
    assert expected in top_units(engine, query)


def test_results_are_best_first_and_limited(engine: SearchEngine) -> None:
    hits = engine.search("automation of labour", limit=5)
    assert 1 <= len(hits) <= 5
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({hit.passage.ref for hit in hits}) == len(hits)


def test_matched_terms_are_words_of_the_passage_as_written(engine: SearchEngine) -> None:
    hit = engine.search("sledgehamer computer")[0]
    assert "sledgehammer" in hit.terms
    for term in hit.terms:
        assert term in hit.passage.text


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("nationalise", "nationalization"),
        ("cooperatives", "co-operatives"),
        ("co-operative", "co-operatives"),
        ("organising", "organize"),
        ("labour", "labor"),
        ("automated", "automation"),
    ],
)
def test_word_forms_meet(engine: SearchEngine, query: str, word: str) -> None:
    texts = [hit.passage.text.casefold() for hit in engine.search(query, limit=10)]
    assert any(word in text for text in texts), f"{query!r} should find a passage with {word!r}"


def test_british_and_american_spellings_reach_both_texts(engine: SearchEngine) -> None:
    for query in ("labour", "labor"):
        documents = {hit.passage.document for hit in engine.search(query, limit=20)}
        assert documents == {"anti-ai", "technocommunist"}


def test_english_words_missing_from_the_texts_are_not_corrected(engine: SearchEngine) -> None:
    # "kids" is one letter from "kind", but it is a word: it must not pull in passages about kinds.
    hits = engine.search("kids")
    assert all(hit.terms == () for hit in hits)
    # What it finds, it finds by meaning, and says so.
    assert hits and all(hit.by_meaning for hit in hits)
    # The first are the passages about a child growing up (a boy, his daughter, her children).
    assert any("children" in hit.passage.text for hit in hits[:3])
    assert not any("kind" in hit.passage.text.split() for hit in hits[:3])


def test_document_filter_by_slug_and_alias(engine: SearchEngine) -> None:
    for name in ("technocommunist", "tc", "TC", "Techno"):
        hits = engine.search("labour and reason", document=name)
        assert hits
        assert {hit.passage.document for hit in hits} == {"technocommunist"}
    only_anti_ai = engine.search("labour and reason", document="anti-ai")
    assert only_anti_ai
    assert {hit.passage.document for hit in only_anti_ai} == {"anti-ai"}


def test_unknown_document_names_the_known_ones(engine: SearchEngine) -> None:
    with pytest.raises(UnknownDocument) as raised:
        engine.search("labour", document="das-kapital")
    assert "anti-ai" in raised.value.message
    assert "technocommunist" in raised.value.message


def test_notes_are_searched(engine: SearchEngine) -> None:
    assert top_units(engine, "Darwin among the Machines", n=1) == ["anti-ai:note:1"]


def test_a_search_for_a_notes_source_finds_the_paragraph_citing_it(
    search_library: Library, engine: SearchEngine
) -> None:
    # Note 12 is a headline ("A Debate About A.I. Plays Out on the Subway Walls"); the paragraph
    # that cites it describes the subway adverts without naming it. The note comes first, the
    # paragraph right after; without the note's words lent, the paragraph is nowhere.
    document = search_library.documents["anti-ai"]
    citing = [p.ref for s in document.walk() for p in s.paragraphs if "12" in p.notes]
    query = "A Debate About A.I. Plays Out on the Subway Walls"
    found = [hit.passage.ref for hit in engine.search(query, limit=10)]
    assert found[0] == "anti-ai:note:12"
    assert found[1] in citing
    unlent = SearchEngine.build(search_library, tuning=Tuning(note_share=0.0))
    assert not set(citing) & {hit.passage.ref for hit in unlent.search(query, limit=10)}


def test_widening_the_query_finds_more_after_the_first_and_keeps_the_first(
    search_library: Library, engine: SearchEngine
) -> None:
    narrow = SearchEngine.build(search_library, tuning=Tuning(feedback=0))
    paraphrase = "software meant to liberate us ends up spying on us"
    wanted = "technocommunist:the-world-on-the-edge-of-a-new-epoch"
    assert wanted in top_units(engine, paraphrase)
    assert wanted not in top_units(narrow, paraphrase)
    for query in (
        paraphrase,
        "sledgehamer",
        "labor unions lead to the creation of the weekend",
        "afraid of a rogue superintelligence wiping us out",
        "kids",
        "Darwin among the Machines",
    ):
        widened = engine.search(query, limit=10)
        assert widened[0].passage == narrow.search(query, limit=10)[0].passage
        refs = [hit.passage.ref for hit in widened]
        assert len(refs) == len(set(refs)) == 10
        scores = [hit.score for hit in widened]
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "the author admits the ideas will sound radical but says they come from love",
        "when bosses replace staff with machines the owners get richer, not the workers",
    ],
)
def test_the_results_after_the_first_know_its_section_is_shown(
    engine: SearchEngine, query: str
) -> None:
    # The results after the first are ranked again, widened; that ranking has to count the
    # first result's section as shown, so that its other paragraphs keep only part of the
    # section's score, as in a single ranking. It did not: each query was answered first by two
    # paragraphs of one section (To Wage War Against AI; Labor Unions).
    hits = engine.search(query, limit=3)
    assert unit(hits[0].passage) != unit(hits[1].passage)


def test_suggest_offers_close_words_of_the_texts(engine: SearchEngine) -> None:
    suggestions = engine.suggest("hegemonny")
    assert "hegemony" in suggestions
    assert len(engine.suggest("hegemonny", limit=2)) <= 2
    assert engine.suggest("   ") == []


def test_meaning_gives_way_when_some_passage_holds_every_word_of_the_query(
    search_library: Library,
) -> None:
    # With the gate at full strength and no power, a query whose every word one passage holds
    # is ranked by its words alone, exactly as with meaning weighed at nothing; a paraphrase,
    # whose words no passage holds together, still counts its meaning.
    gated = SearchEngine.build(search_library, tuning=Tuning(meaning_gate=1.0, gate_power=1.0))
    no_meaning = SearchEngine.build(search_library, tuning=Tuning(meaning_weight=0.0))

    def ranked(engine: SearchEngine, query: str) -> list[tuple[str, float]]:
        return [(hit.passage.ref, hit.score) for hit in engine.search(query, limit=10)]

    words = "labor unions lead to the creation of the weekend"
    assert ranked(gated, words) == ranked(no_meaning, words)
    paraphrase = "government as a short-lived manager of the handover"
    assert ranked(gated, paraphrase) != ranked(no_meaning, paraphrase)


def test_the_words_count_for_less_when_no_passage_holds_most_of_them(
    search_library: Library,
) -> None:
    # The converse of the gate: a query whose every word one passage holds keeps its words'
    # whole score; a paraphrase's few words in common are doubted.
    sure = SearchEngine.build(search_library, tuning=Tuning(words_doubt=0.0))

    def ranked(engine: SearchEngine, query: str) -> list[tuple[str, float]]:
        return [(hit.passage.ref, hit.score) for hit in engine.search(query, limit=10)]

    words = "labor unions lead to the creation of the weekend"
    doubting = SearchEngine.build(search_library)
    assert ranked(doubting, words) == ranked(sure, words)
    paraphrase = (
        "being laid off by machines doesn't give you leisure, it throws you into insecure gigs"
    )
    wanted = "anti-ai:mobilization-against-ai"
    assert wanted in top_units(doubting, paraphrase)
    assert wanted not in top_units(sure, paraphrase)


@pytest.mark.parametrize("document", [None, "anti-ai"])
def test_the_widened_query_compared_with_a_pool_scores_as_if_compared_with_all(
    engine: SearchEngine, document: str | None
) -> None:
    # The second ranking compares only the first query's closest passages; the scaling still
    # needs the mean over every passage, which comes from the vectors' sum. With the pool
    # holding every passage of the text, the two must agree.
    vector = engine._query_vector("police and armies get tireless digital spies")
    assert vector is not None
    full = engine._closeness(vector, document)
    pooled = engine._closeness(vector, document, full.pool)
    assert len(full.pool) == sum(
        1 for p in engine._entries if document is None or p.document == document
    )
    assert pooled.passages.keys() == full.passages.keys()
    for index, value in full.passages.items():
        assert pooled.passages[index] == pytest.approx(value, abs=1e-5)
