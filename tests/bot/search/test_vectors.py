"""Search by meaning: the committed table against its source, the passage vectors' cache, and a
text without a topic index found by a paraphrase."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.library import Footnote, Library, Paragraph, Passage, load_library
from bot.search import SearchEngine, Tuning, fitmap
from bot.search.ahead import same_vectors
from bot.search.distil import UPSTREAM_SHA256, MiniLM, model_dir, rebuild_rows
from bot.search.engine import _Pieces
from bot.search.vectors import (
    MAP,
    MAP_META,
    TABLE,
    TABLE_META,
    TOKEN_DIMENSIONS,
    TOKENIZER,
    StaticEmbedder,
    TokenStates,
    cache_path,
    document_vectors,
    embed_document,
    embedded_ahead,
    sentences,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


def _unit(passage: Passage) -> str:
    if isinstance(passage, Footnote):
        return f"{passage.document}:note:{passage.label}"
    assert isinstance(passage, Paragraph)
    return f"{passage.document}:{passage.section}"


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM()


def test_the_model_files_are_the_upstream_ones() -> None:
    # model_dir() refuses files whose digests differ from the upstream model's.
    path = model_dir()
    assert hashlib.sha256(TOKENIZER.read_bytes()).hexdigest() == UPSTREAM_SHA256["tokenizer.json"]
    assert (path / "tokenizer.json").read_bytes() == TOKENIZER.read_bytes()


def test_the_forward_pass_is_the_models(model: MiniLM) -> None:
    # The pair sentence-transformers documents for this model, at its published similarity.
    a, b = model.embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(a @ b) == pytest.approx(0.7553, abs=2e-3)


def test_the_table_is_the_one_its_build_recorded() -> None:
    table = np.load(TABLE, allow_pickle=False)
    meta = json.loads(TABLE_META.read_text(encoding="utf-8"))
    assert table.dtype == np.float16 and table.shape == (30522, meta["dimensions"])
    assert hashlib.sha256(table.tobytes()).hexdigest() == meta["table_sha256"]
    assert meta["sha256"] == UPSTREAM_SHA256


def test_rows_rebuilt_from_the_model_match_the_committed_table(model: MiniLM) -> None:
    # The full build takes minutes (python -m bot.search.distil --check); a spread of rows,
    # common words, rare ones and word pieces, is rebuilt here from the model itself.
    rng = np.random.default_rng(14)
    ids = sorted({101, 1996, 2147, 4162, *rng.integers(999, 30522, 60).tolist()})
    table = np.load(TABLE, mmap_mode="r", allow_pickle=False)
    rebuilt = rebuild_rows(model, ids).astype(np.float32)
    committed = np.asarray(table[ids], dtype=np.float32)
    assert np.abs(rebuilt - committed).max() < 2e-3
    assert np.abs(committed).max() > 0.05  # the comparison is not of two empty tables


def test_the_map_is_the_one_its_build_recorded() -> None:
    matrix = np.load(MAP, allow_pickle=False)
    meta = json.loads(MAP_META.read_text(encoding="utf-8"))
    assert matrix.dtype == np.float32 and list(matrix.shape) == meta["shape"] == [256, 384]
    assert hashlib.sha256(matrix.tobytes()).hexdigest() == meta["map_sha256"]
    # The embedder's digest names the map too, so the kept passage vectors follow a new one.
    assert StaticEmbedder().digest != StaticEmbedder(mapped=False).digest


@pytest.mark.skipif(not fitmap.WORDNET.is_dir(), reason="Debian's wordnet-base is not installed")
def test_the_maps_sentences_are_the_ones_its_build_used() -> None:
    # The full rebuild takes minutes (python -m bot.search.fitmap --check); its inputs are
    # checked here: the same sample of WordNet's glosses and examples.
    texts = fitmap.training_sentences()
    meta = json.loads(MAP_META.read_text(encoding="utf-8"))
    assert len(texts) == meta["sample"] == fitmap.SAMPLE
    assert fitmap.texts_digest(texts) == meta["texts_sha256"]


def test_the_map_carries_static_vectors_to_the_models(model: MiniLM) -> None:
    # Sentences of the texts, never fitted on: mapped static vectors land near the model's own
    # (cosine about 0.72-0.80 here), where the same rows through a scrambled map land nowhere.
    texts = [
        "Join a union, organize through it, and strike against capital.",
        "Technologies born of collective intellect serve private interests.",
        "A corporation that is owned by its workers is still a corporation.",
    ]
    target = model.embed(texts)
    mapped = StaticEmbedder().embed(texts)
    assert (mapped * target).sum(1).min() > 0.65
    raw = StaticEmbedder(mapped=False).embed(texts)
    scrambled = raw @ np.load(MAP)[np.random.default_rng(0).permutation(256)]
    scrambled /= np.linalg.norm(scrambled, axis=1, keepdims=True)
    assert abs((scrambled * target).sum(1).mean()) < 0.3


def test_fitting_recovers_a_known_map() -> None:
    rng = np.random.default_rng(14)
    known = rng.normal(size=(8, 5)).astype(np.float32)
    inputs = rng.normal(size=(400, 8)).astype(np.float32)
    assert np.allclose(fitmap.fit(inputs, inputs @ known, ridge=1e-6), known, atol=1e-3)


def test_embeddings_are_deterministic_and_unit_length() -> None:
    texts = ["machines work and humans create", "join a union", "co-operatives"]
    first = StaticEmbedder().embed(texts)
    second = StaticEmbedder().embed(list(reversed(texts)))[::-1]
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert not StaticEmbedder().embed([""]).any()


def test_sentences_keep_clauses_of_three_words_or_more() -> None:
    text = "One. Two words here! A third; then a fourth clause: and a fifth one here."
    assert sentences(text) == ["Two words here!", "then a fourth clause:", "and a fifth one here."]


def _copy_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO_ROOT / "seeds", seeds)
    return seeds


def test_the_committed_vectors_are_current_and_the_transformers() -> None:
    library = load_library(REPO_ROOT / "seeds")
    for document in library.documents.values():
        kept = document_vectors(document, cache=True)
        assert not kept.embedded and kept.ahead and embedded_ahead(document), (
            f"seeds/vectors/{document.slug}.npz is stale: run python -m bot.search.ahead"
        )
        # Every passage's and heading's word pieces are kept, in owner order, as int8.
        passages = len(list(document.passages()))
        sections = len(list(document.walk()))
        for states, owners in ((kept.tokens, passages), (kept.headings, sections)):
            assert states.rows.dtype == np.int8 and states.rows.shape[1] == TOKEN_DIMENSIONS
            assert np.array_equal(np.unique(states.owners), np.arange(owners))
            assert np.all(np.diff(states.owners) >= 0)


def test_the_kept_vectors_are_what_the_transformer_makes_of_the_text(model: MiniLM) -> None:
    # The whole rebuild is python -m bot.search.ahead --check; the shorter text is redone here.
    document = load_library(REPO_ROOT / "seeds").documents["technocommunist"]
    kept = document_vectors(document)
    fresh = embed_document(document, StaticEmbedder(), model)
    table_only = embed_document(document, StaticEmbedder())
    assert same_vectors(kept, fresh)
    # The transformer's share is there: its passages are not the table's alone, and only it
    # reads the word pieces in context.
    assert np.abs(kept.passages - table_only.passages).max() > 0.05
    assert len(kept.tokens.rows) and not len(table_only.tokens.rows)
    # The check can fail: a row's pieces one step off in many coordinates differ.
    rows = np.clip(kept.tokens.rows.astype(np.int16) + 2, -127, 127).astype(np.int8)
    assert not same_vectors(replace(kept, tokens=replace(kept.tokens, rows=rows)), fresh)


def test_the_pieces_are_mapped_from_their_file_and_a_changed_file_is_stale(
    tmp_path: Path,
) -> None:
    seeds = _copy_seeds(tmp_path)
    document = load_library(seeds).documents["technocommunist"]
    kept = document_vectors(document)
    assert kept.ahead and isinstance(kept.tokens.rows, np.memmap)
    pieces = seeds / "vectors" / "technocommunist.pieces.npy"
    data = bytearray(pieces.read_bytes())
    data[-1] ^= 0xFF
    pieces.write_bytes(bytes(data))
    # The vectors name their pieces by digest: these are not the ones they were kept with.
    assert not embedded_ahead(document)


def test_the_pieces_best_match_is_each_query_pieces_closest_row() -> None:
    rng = np.random.default_rng(7)
    states = [rng.normal(size=(n, 384)).astype(np.float32) for n in (3, 0, 5, 1)]
    kept = TokenStates.of(states)
    pieces = _Pieces.of([kept], [0], owners=4)
    query = rng.normal(size=(2, TOKEN_DIMENSIONS)).astype(np.float32)
    owners = np.array([2, 0, 1, 3])
    best = pieces.best(owners, query)
    rows = kept.rows * kept.scales[:, None]
    for column, owner in enumerate(owners):
        own = rows[kept.owners == owner]
        expected = (query @ own.T).max(axis=1) if len(own) else np.full(2, -1.0)
        assert np.allclose(best[:, column], expected, atol=1e-5)


def test_a_text_the_table_embedded_keeps_its_vectors_closeness_whole(
    search_library: Library,
) -> None:
    # Without the transformer's pieces (a new text, embedded at start-up) nothing is matched
    # piece by piece, and the pieces' share takes nothing from the vectors' closeness.
    table_only = SearchEngine.build(search_library, cache=False)
    without = SearchEngine.build(search_library, cache=False, tuning=Tuning(token_weight=0.0))
    for query in ("a shrinking elite growing ever mightier", "sledgehamer computer"):
        assert [(h.passage.ref, h.score) for h in table_only.search(query)] == [
            (h.passage.ref, h.score) for h in without.search(query)
        ]


def test_matching_word_pieces_finds_a_paraphrase_the_vectors_alone_miss(
    engine: SearchEngine, search_library: Library
) -> None:
    # "... a diminishing number of people with an ever-increasing amount of power": no word in
    # common, and the paragraphs' vectors put three other sections first.
    query = "a shrinking elite growing ever mightier"
    wanted = "anti-ai:artificial-intelligence-is-the-enemy-of-humanity"
    vectors_only = SearchEngine.build(search_library, tuning=Tuning(token_weight=0.0))
    assert wanted not in [_unit(h.passage) for h in vectors_only.search(query, limit=3)]
    assert wanted in [_unit(h.passage) for h in engine.search(query, limit=3)]


def test_a_seed_edited_in_one_paragraph_re_embeds_that_text_only(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    seed = seeds / "technocommunist.md"
    text = seed.read_text(encoding="utf-8")
    edited = text.replace("It must be just, rational and free.", "It must be just and free.")
    assert edited != text
    seed.write_text(edited, encoding="utf-8")

    library = load_library(seeds)
    untouched = cache_path(library.documents["anti-ai"])
    assert untouched is not None
    before = untouched.read_bytes()
    SearchEngine.build(library)
    assert untouched.read_bytes() == before

    again = load_library(seeds)
    assert document_vectors(again.documents["anti-ai"]).ahead
    # The edited text was embedded by the table at the build (start-up needs no model) and
    # kept: the next start reads it back, until it is embedded ahead again.
    kept = document_vectors(again.documents["technocommunist"])
    assert not kept.embedded and not kept.ahead
    assert not embedded_ahead(again.documents["technocommunist"])
    fresh = document_vectors(again.documents["technocommunist"], cache=False)
    assert np.array_equal(fresh.passages, kept.passages)
    old = embed_document(
        load_library(REPO_ROOT / "seeds").documents["technocommunist"], StaticEmbedder()
    )
    changed = [
        i for i in range(len(old.passages)) if not np.array_equal(old.passages[i], kept.passages[i])
    ]
    assert len(changed) == 1  # the edited paragraph only


def test_a_third_text_without_an_index_is_found_by_a_paraphrase(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "seeds-third" / "utopia.md", seeds)
    assert not (seeds / "index" / "utopia.toml").exists()
    library = load_library(seeds)
    engine = SearchEngine.build(library)
    assert (seeds / "vectors" / "utopia.npz").is_file()  # embedded at start-up, and kept

    # "Dinner is one long table down the middle of the street, and everyone brings a dish."
    hits = engine.search(
        "the whole street dines together and every neighbour brings something to eat"
    )
    assert hits[0].passage.ref == "utopia:the-long-table:1"
    # Sharing no word at all with it, the paragraph is still the closest in meaning.
    alone = SearchEngine.build(library, tuning=Tuning(words=False, phrase=False))
    supper = alone.search("a communal supper outdoors where each household contributes food")
    assert supper[0].passage.ref == "utopia:the-long-table:1"
    assert supper[0].terms == ()


def test_a_read_only_seeds_directory_still_searches_by_meaning(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "seeds-third" / "utopia.md", seeds)
    (seeds / "vectors").write_text("not a directory", encoding="utf-8")
    engine = SearchEngine.build(load_library(seeds))
    hits = engine.search("the whole street dines together and every neighbour brings something")
    assert hits[0].passage.ref == "utopia:the-long-table:1"


def test_more_like_this_leaves_out_the_passage_and_its_neighbours(engine: SearchEngine) -> None:
    hits = engine.similar("anti-ai:to-wage-war-against-ai:6")
    refs = [hit.passage.ref for hit in hits]
    assert len(refs) == len(set(refs)) == 5
    assert not {f"anti-ai:to-wage-war-against-ai:{n}" for n in (5, 6, 7)} & set(refs)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    # The paragraph on Dune's Butlerian Jihad is closest to the note citing Dune.
    assert refs[0] == "anti-ai:note:36"


def test_more_like_this_of_an_unknown_passage_says_so(engine: SearchEngine) -> None:
    from bot.errors import BotError

    with pytest.raises(BotError, match="no passage"):
        engine.similar("anti-ai:nowhere:1")


def test_a_new_text_is_embedded_ahead_when_the_model_is_given(
    tmp_path: Path, model: MiniLM
) -> None:
    # What python -m bot check does for a new text when the model is installed.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(REPO_ROOT / "tests" / "fixtures" / "seeds-third" / "utopia.md", seeds)
    document = load_library(seeds).documents["utopia"]
    assert not document_vectors(document).ahead  # start-up: the table's, kept
    assert document_vectors(document, model=model).ahead  # the table's no longer count
    again = document_vectors(load_library(seeds).documents["utopia"])
    assert again.ahead and not again.embedded
