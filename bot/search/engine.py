"""Ranked, typo-tolerant search over every paragraph and note of the library.

Why this shape (the figures are in ``bench/search.py``): no single method finds every kind of query.

* SQLite FTS5 with BM25 over Snowball stems finds exact phrases and the gist in the text's words,
  and does it in C, so it stays fast on a corpus a hundred times larger.
* Misspelt words are not in the index at all; each word that is neither indexed nor English is
  replaced by the indexed words nearest to it in optimal-string-alignment distance (rapidfuzz),
  found through an index of one-letter deletions rather than a scan of the vocabulary.
* Paraphrases share few words with the passage they mean, so sections are also ranked as a whole,
  with their heading and a curated topic index (``seeds/index/*.toml``) that describes each
  section's ideas in plain words; a passage's score adds its section's score.
* A query copied from the text is recognised by rapidfuzz ``partial_ratio`` against the best few
  candidates, which lifts the passage that contains it word for word above ones that merely share
  its words.
* A paraphrase may share no word with any heading or topic either, so passages and sections are
  also compared with the query by meaning (:mod:`bot.search.vectors`: a static table distilled
  from a sentence-embedding model); how close they are is added to the words' score, so a text
  without a topic index is still found by what it means.

Everything is built in memory at start-up from the library; only the passages' vectors are kept
on disk, beside the seeds, so that they are not computed again at every start.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot import i18n
from bot.errors import BotError, EmptyQuery, UnknownDocument
from bot.library.model import NOTE_SECTION, Document, Footnote, Paragraph, Passage
from bot.search.text import is_english_word, strip_markup, tokens, words
from bot.search.vectors import (
    Embedder,
    TokenStates,
    Vectors,
    default_embedder,
    document_vectors,
)

MAX_QUERY_CHARS: Final = 1000
"""Longer queries are refused with a sentence rather than searched slowly."""

MAX_LIMIT: Final = 100
SIMILAR_COUNT: Final = 5
"""How many passages More like this shows, in Discord and on the web."""
MAX_PHRASE_CHARS: Final = 240
MAX_CORRECTIONS: Final = 8
"""Unknown words corrected per query: a long paste of gibberish must not make search slow."""
MAX_TERMS: Final = 24
"""The rarest terms of a long query carry its meaning; more only slow the index down."""


class LibraryLike(Protocol):
    """What search needs of :class:`bot.library.Library`: its documents by slug."""

    @property
    def documents(self) -> Mapping[str, Document]: ...


@dataclass(frozen=True)
class SearchHit:
    """One result: the passage, its score (higher is better) and the words of the passage's text
    that matched, spelt as in the text, so that a snippet can bold them."""

    passage: Passage
    score: float
    terms: tuple[str, ...]
    by_meaning: bool = False
    """Found more by meaning than by the query's words: a reader is told why it is there."""
    via_note: str | None = None
    """The label of the note whose match with the query's words raised this paragraph more
    than its own text did: the reader is told which note brought it, and ``terms`` is the
    label alone, so that the snippet shows the paragraph where it cites the note."""


@dataclass(frozen=True, slots=True)
class Tuning:
    """The knobs of the ranking, in one place so that the benchmark can compare alternatives.

    The defaults are the measured best; see ``bench/search.py`` for the alternatives it runs.
    """

    fuzzy: bool = True
    """Replace words missing from the index by their nearest indexed words."""
    sections: bool = True
    """Add each passage's section score (section text, heading and topic index)."""
    topics: bool = True
    """Use the curated topic index at all."""
    phrase: bool = True
    """Lift passages that contain the query nearly word for word."""
    candidates: int = 40
    section_weight: float = 1.0
    topic_weight: float = 1.0
    phrase_weight: float = 1.5
    repeat_discount: float = 0.5
    """How much of its section's score a second passage from the same section still gets."""
    context_weight: float = 1.0
    """Weight of the match with a section's heading and topics alone, added to its passages."""
    common_share: float = 0.25
    """Terms in more than this share of the passages are left out of the index query: BM25
    gives them little weight, and their long posting lists are what makes a query slow."""
    passage_share: float = 0.05
    """The same for the passage query, the slowest, when sections are ranked: common terms
    still count through the sections' scores."""
    meaning: bool = True
    """Compare the query with passages and sections by meaning too."""
    words: bool = True
    """Match the query's words at all (off: search by meaning alone, for the benchmark)."""
    meaning_weight: float = 2.0
    """Weight of a passage's closeness in meaning (1 for the closest passage): 2 since the
    passages are embedded ahead by the transformer, whose closeness is worth more than the
    words' best match (1.5 with the table's passage vectors; 1.5 and 2 measured for both)."""
    meaning_section_weight: float = 0.0
    """Weight of its section's closeness in meaning (1 for the closest section). Measured and
    left out: a section's vector mixes all its ideas, and its words already count."""
    meaning_candidates: int = 40
    sentences: bool = True
    """Let a passage's closest sentence count as well as the passage as a whole."""
    scale: str = "max"
    """How cosines become closeness: ``max`` (the closest row 1, the mean 0) or ``z``."""
    fusion: str = "blend"
    """``blend`` adds the closeness in meaning to the words' scores; ``rrf`` fuses the two
    rankings by reciprocal rank instead (measured, not the default)."""
    rrf_k: float = 10.0
    meaning_gate: float = 1.0
    gate_power: float = 6.0
    """How much less closeness in meaning counts when the query's words are all found: it is
    scaled by ``1 - meaning_gate * share ** gate_power``, where ``share`` is the largest share
    of the query's words (weighted by rarity) that any candidate passage and its section
    contain. A query whose every word some passage holds is answered by its words; a
    paraphrase, whose words are mostly not there, keeps nearly all of its meaning (a gate of
    0.3 to 0.6 without the power, which also weakened paraphrases, and powers 3 and 6 were
    measured)."""
    coverage: float = 0.5
    """With search by meaning, how much the words' score is scaled by the share of the query's
    words (weighted by rarity) that the passage or its section contains: the words' scores are
    relative to the best match, so one word in common would otherwise count as much as all."""
    token_weight: float = 0.2
    """Share of a passage's closeness in meaning that comes from matching the query's word
    pieces one by one with the passage's own as the transformer read them (late interaction,
    :class:`~bot.search.vectors.TokenStates`), the rest from the passage's vector as a whole.
    Alone, it finds more paraphrases than the passages' vectors alone (Recall@3 0.83 against
    0.76 on the development set, 0.81 against 0.71 on the held-out one); in the engine 0.1 to 0.7
    were measured, and 0.15 to 0.25 do about as well. Texts embedded by the table alone have no
    pieces kept and keep their vectors' closeness whole."""
    token_pool: int = 20
    """Only the passages this close as a whole have their pieces matched: matching costs a
    product of 256 numbers per piece of each (about 1 ms for 60 passages), and a passage far
    from the query seldom holds what it asks (20 to 80 measured: the same within a query)."""
    words_doubt: float = 0.6
    """How much the words' part shrinks when no passage holds most of the query's words: it is
    scaled by ``1 - words_doubt * (1 - share)``, ``share`` as for :attr:`meaning_gate`. The words
    a paraphrase has in common with a passage are mostly incidental ("people", "future"), and
    with the pieces matched, its meaning is the surer guide (0.3 to 0.7 measured)."""
    feedback: int = 5
    """After the first result, rank the others with the query's vector widened towards this
    many passages closest to it in meaning (pseudo-relevance feedback; 0: off). A paraphrase's
    few words land near one passage that happens to share them; what its closest passages have
    in common finds the others that mean what was asked. Widening also moved the first result,
    for the worse as often as for the better, so the first stays the query's own best match."""
    feedback_weight: float = 0.7
    """How far the query moves: the closest passages' mean vector at this weight is added to
    the query's unit vector (0.5 to 1 and 3 to 8 passages measured)."""
    note_share: float = 0.3
    """How much of a note's match with the query's words the paragraphs citing it gain. A note
    names its sources (a title, an author, a headline), and a reader who searches for one is
    after the paragraph that relies on it as much as the note itself. Only the words lend:
    notes are short, and their closeness in meaning is too loose to vouch for a paragraph
    (lending all of a note's score, 0.3 to 1, cost paraphrases at rank 1)."""


@dataclass(slots=True)
class _Entry:
    passage: Passage
    document: str
    unit: int
    folded: str
    surfaces: dict[str, tuple[str, ...]]


@dataclass(slots=True)
class _Unit:
    """A section, or a note: what the development set counts as found."""

    document: str
    key: str
    passages: list[int] = field(default_factory=list)
    context: frozenset[str] = frozenset()
    """The stems of the section's heading and topics."""


@dataclass(frozen=True, slots=True)
class _Meaning:
    """The vectors search by meaning compares a query with, row for row with the entries and
    the units, and which document each row belongs to."""

    embedder: Embedder
    passages: Vectors
    units: Vectors
    sentences: Vectors
    owners: npt.NDArray[np.int32]
    """The passage (entry index) each sentence belongs to, in order."""
    firsts: npt.NDArray[np.intp]
    """Where each passage's run of sentences starts."""
    counts: npt.NDArray[np.intp]
    """How many sentences each passage has."""
    passage_docs: npt.NDArray[np.int32]
    unit_docs: npt.NDArray[np.int32]
    doc_index: dict[str, int]
    tokens: _Pieces
    """Each passage's word pieces in context, by entry index (none for a table-embedded text)."""
    headings: _Pieces
    """Each section's heading's word pieces, by unit index: a passage is read under its heading."""


@dataclass(frozen=True, slots=True)
class _Pieces:
    """Word-piece states of a library (see :class:`TokenStates`): each document's rows as kept
    (memory-mapped), and where each owner's run of rows is."""

    parts: tuple[npt.NDArray[np.int8], ...]
    scales: tuple[npt.NDArray[np.float32], ...]
    part: npt.NDArray[np.intp]
    """The document (index into ``parts``) of each owner's rows."""
    firsts: npt.NDArray[np.intp]
    """Where each owner's rows start in its document's."""
    counts: npt.NDArray[np.intp]

    @staticmethod
    def of(states: Sequence[TokenStates], offsets: Sequence[int], owners: int) -> _Pieces:
        """Each document's states, its owners shifted by its offset, for ``owners`` in all."""
        part = np.zeros(owners, np.intp)
        firsts = np.zeros(owners, np.intp)
        counts = np.zeros(owners, np.intp)
        for number, (state, offset) in enumerate(zip(states, offsets, strict=True)):
            if not len(state.owners):
                continue
            own = np.bincount(state.owners).astype(np.intp)
            counts[offset : offset + len(own)] = own
            firsts[offset : offset + len(own)] = np.concatenate([[0], np.cumsum(own)[:-1]])
            part[offset : offset + len(own)] = number
        return _Pieces(
            tuple(s.rows for s in states), tuple(s.scales for s in states), part, firsts, counts
        )

    @property
    def empty(self) -> bool:
        return not self.counts.any()

    def best(self, owners: npt.NDArray[np.intp], pieces: Vectors) -> Vectors:
        """For each of ``owners``, each query piece's best cosine with its rows (-1 when it has
        none): ``len(pieces)`` x ``len(owners)``."""
        out = np.full((len(pieces), len(owners)), -1.0, dtype=np.float32)
        if not len(pieces):
            return out
        # A few owners at a time, so that the rows made float for the product stay small (a
        # whole pool's at once held 5 MB more after a few searches).
        group: list[int] = []
        rows = 0
        for position in np.flatnonzero(self.counts[owners] > 0):
            group.append(int(position))
            rows += int(self.counts[owners[position]])
            if rows >= PIECE_CHUNK:
                self._best_into(out, owners, group, pieces)
                group, rows = [], 0
        if group:
            self._best_into(out, owners, group, pieces)
        return out

    def _best_into(
        self, out: Vectors, owners: npt.NDArray[np.intp], positions: list[int], pieces: Vectors
    ) -> None:
        runs = [
            (int(self.part[o]), int(self.firsts[o]), int(self.counts[o])) for o in owners[positions]
        ]
        rows = np.concatenate([self.parts[p][f : f + c] for p, f, c in runs])
        scales = np.concatenate([self.scales[p][f : f + c] for p, f, c in runs])
        # The int8 rows are scaled after the product: a column of products costs less than a
        # row of 256 numbers.
        products = rows.astype(np.float32) @ pieces.T
        products *= scales[:, None]
        starts = np.concatenate([[0], np.cumsum([c for _, _, c in runs])[:-1]])
        out[:, positions] = np.maximum.reduceat(products, starts, axis=0).T


PIECE_CHUNK: Final = 1024
"""Rows of word pieces compared with a query in one product (1 MB as float32)."""

SENTENCE_POOL: Final = 400
"""Passages whose sentences are compared with a query, the closest as a whole first."""

Z_FULL: Final = 4.0
"""With ``scale="z"``, a row this many standard deviations above the mean scores 1."""


def _closeness(
    similarity: Vectors, mask: npt.NDArray[np.bool_] | None, scale: str = "max"
) -> Vectors:
    """Cosines rescaled so that an average row scores 0 (or less, clipped) and the closest 1
    (``max``), or one ``Z_FULL`` standard deviations above the mean 1 (``z``): a static model's
    cosines all crowd into a narrow band, and only how far a row stands out says anything."""
    values = similarity if mask is None else similarity[mask]
    if values.size == 0:
        return np.zeros_like(similarity)
    mean = float(values.mean())
    spread = float(values.max()) - mean if scale == "max" else Z_FULL * float(values.std())
    if spread <= 1e-6:
        return np.zeros_like(similarity)
    scaled = np.clip((similarity - mean) / spread, 0.0, None)
    if mask is not None:
        scaled = np.where(mask, scaled, 0.0)
    result: npt.NDArray[Any] = scaled.astype(np.float32)
    return result


def _top(values: Vectors, count: int) -> dict[int, float]:
    """The ``count`` largest positive values by index."""
    if values.size > count:
        chosen = np.argpartition(-values, count)[:count]
    else:
        chosen = np.arange(values.size)
    return {int(i): float(values[i]) for i in chosen if values[i] > 0.0}


@dataclass(frozen=True, slots=True)
class _Closeness:
    passages: dict[int, float]
    units: dict[int, float]
    pool: npt.NDArray[np.intp]
    """The passages closest to the query as a whole (:data:`SENTENCE_POOL` at most)."""


@dataclass(frozen=True, slots=True)
class _Words:
    """The query's words' scores: BM25 of the passages (raw) and of the units (scaled)."""

    passages: dict[int, float]
    units: dict[int, float]


@dataclass(slots=True)
class _Memo:
    """What one search's two rankings share: each passage's share of the query's words and
    its likeness to the query character by character (the costliest of the words' parts)."""

    coverage: dict[int, float] = field(default_factory=dict)
    phrases: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Query:
    stems: tuple[str, ...]
    folded: str
    word_count: int
    understood: str
    """The query's words that mean something (indexed, English, or corrected to an indexed
    word), for search by meaning: gibberish has no meaning to be close to."""
    absent: int = 0
    """English words of the query that no text contains."""


MIN_FUZZY: Final = 4
"""Shorter words are too many letters away from too many others to correct safely."""


def _deletions(word: str) -> set[str]:
    """The word and every form of it with one letter left out."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _name_key(name: str) -> str:
    """A document slug or alias as typed: any case, hyphens and spaces optional."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _match_expression(stems: Iterable[str]) -> str:
    # Each term is quoted, so FTS5 reads it as a string and never as syntax; stems are made of
    # letters and digits only, so they cannot contain a quote.
    return " OR ".join(f'"{term}"' for term in stems)


def _embed_library(
    documents: Mapping[str, Document], embedder: Embedder | None, cache: bool
) -> _Meaning:
    """Every passage's and unit's vector, in the engine's order: a document's passages, its
    sections in reading order, then its notes (whose unit vector is the note's own)."""
    embedder = embedder or default_embedder()
    passages: list[Vectors] = []
    units: list[Vectors] = []
    sentences: list[Vectors] = []
    owners: list[npt.NDArray[np.int32]] = []
    passage_docs: list[int] = []
    unit_docs: list[int] = []
    doc_index: dict[str, int] = {}
    tokens: list[TokenStates] = []
    headings: list[TokenStates] = []
    token_offsets: list[int] = []
    heading_offsets: list[int] = []
    for number, (slug, document) in enumerate(documents.items()):
        doc_index[slug] = number
        vectors = document_vectors(document, embedder, cache=cache)
        tokens.append(vectors.tokens)
        token_offsets.append(len(passage_docs))
        headings.append(vectors.headings)
        heading_offsets.append(len(unit_docs))
        notes = len(document.footnotes)
        owners.append(vectors.owners + len(passage_docs))
        passages.append(vectors.passages)
        sentences.append(vectors.sentences)
        units.append(vectors.sections)
        if notes:
            units.append(vectors.passages[len(vectors.passages) - notes :])
        passage_docs.extend([number] * len(vectors.passages))
        unit_docs.extend([number] * (len(vectors.sections) + notes))

    def stack(parts: list[Vectors]) -> Vectors:
        return np.concatenate(parts) if parts else np.zeros((0, embedder.dimensions), np.float32)

    all_owners = np.concatenate(owners) if owners else np.zeros(0, np.int32)
    counts = np.bincount(all_owners, minlength=len(passage_docs)).astype(np.intp)
    return _Meaning(
        embedder=embedder,
        passages=stack(passages),
        units=stack(units),
        sentences=stack(sentences),
        owners=all_owners,
        firsts=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp),
        counts=counts,
        passage_docs=np.asarray(passage_docs, dtype=np.int32),
        unit_docs=np.asarray(unit_docs, dtype=np.int32),
        doc_index=doc_index,
        tokens=_Pieces.of(tokens, token_offsets, len(passage_docs)),
        headings=_Pieces.of(headings, heading_offsets, len(unit_docs)),
    )


class SearchEngine:
    """An in-memory full-text index of a library; build once at start-up with :meth:`build`."""

    def __init__(
        self,
        entries: list[_Entry],
        units: list[_Unit],
        documents: Mapping[str, Document],
        connection: sqlite3.Connection,
        stem_df: Mapping[str, int],
        known: set[str],
        vocabulary: Mapping[str, tuple[str, int]],
        tuning: Tuning,
        meaning: _Meaning | None = None,
    ) -> None:
        self._meaning = meaning
        self._centred: Vectors | None = None
        self._sums: dict[str | None, tuple[Vectors, int]] = {}
        self._terms: dict[int, frozenset[str]] = {}
        self._entries = entries
        self._positions = {entry.passage.ref: index for index, entry in enumerate(entries)}
        self._citing: dict[int, list[int]] = defaultdict(list)
        """The paragraphs citing each note, by entry index."""
        for index, entry in enumerate(entries):
            if isinstance(entry.passage, Paragraph):
                for label in entry.passage.notes:
                    note = self._positions.get(f"{entry.document}:{NOTE_SECTION}:{label}")
                    if note is not None:
                        self._citing[note].append(index)
        self._units = units
        self._entry_units = np.asarray([entry.unit for entry in entries], dtype=np.intp)
        self._documents = dict(documents)
        self._db = connection
        self._lock = threading.Lock()
        self._stem_df = stem_df
        self._known = known
        self._vocabulary = vocabulary
        # Nearest-word lookup without scanning the vocabulary: every word is filed under itself
        # and each of its one-letter deletions, so two words one edit apart (a letter changed,
        # added, dropped or two swapped) always share a key. Wider misspellings of long words fall
        # back to a scan of words of similar length that start with the same letter.
        self._deletions: dict[str, list[str]] = defaultdict(list)
        self._by_start: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in vocabulary:
            if len(word) < MIN_FUZZY - 1 or not word.isalpha():
                continue
            for key in _deletions(word):
                self._deletions[key].append(word)
            self._by_start[word[0], len(word)].append(word)
        self._tuning = tuning
        self._aliases: dict[str, str] = {}
        for slug, document in self._documents.items():
            for name in (slug, *document.aliases):
                self._aliases.setdefault(_name_key(name), slug)

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        library: LibraryLike,
        topics: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
        tuning: Tuning | None = None,
        embedder: Embedder | None = None,
        cache: bool = True,
    ) -> SearchEngine:
        """Index every paragraph and note of ``library``.

        ``topics`` maps a document slug to its topic index (section slug → topic phrases); when
        omitted, each document's index is read from ``index/<slug>.toml`` beside its seed.
        Passage vectors come from ``vectors/<slug>.npz`` beside each seed when it matches the
        text, and are embedded (and kept there) when it does not.
        """
        from bot.search.topics import load_topics

        tuning = tuning or Tuning()
        documents = library.documents
        if topics is None:
            topics = {slug: load_topics(document) for slug, document in documents.items()}

        entries: list[_Entry] = []
        units: list[_Unit] = []
        unit_rows: list[tuple[str, str, str]] = []
        passage_rows: list[tuple[int, str, str]] = []
        stem_df: Counter[str] = Counter()
        word_count: Counter[str] = Counter()
        word_stem: dict[str, str] = {}

        def add_passage(passage: Passage, unit_index: int) -> list[str]:
            text = strip_markup(passage.text)
            stems: list[str] = []
            surfaces: dict[str, set[str]] = defaultdict(set)
            for token in tokens(text):
                stems.append(token.stem)
                surfaces[token.stem].add(text[token.start : token.end])
                word_count[token.fold] += 1
                word_stem.setdefault(token.fold, token.stem)
            stem_df.update(set(stems))
            index = len(entries)
            entries.append(
                _Entry(
                    passage=passage,
                    document=passage.document,
                    unit=unit_index,
                    folded=" ".join(words(text)),
                    surfaces={k: tuple(sorted(v)) for k, v in surfaces.items()},
                )
            )
            units[unit_index].passages.append(index)
            passage_rows.append((index, " ".join(stems), passage.document))
            return stems

        for slug, document in documents.items():
            doc_topics = topics.get(slug, {}) if tuning.topics else {}
            titles = {section.slug: section.title for section in document.walk()}
            for section in document.walk():
                unit_index = len(units)
                units.append(_Unit(slug, section.slug))
                heading = [section.title]
                if section.parent and section.parent in titles:
                    heading.append(titles[section.parent])
                context = " ".join([*heading, *doc_topics.get(section.slug, ())])
                context_stems = " ".join(token.stem for token in tokens(context))
                units[unit_index].context = frozenset(context_stems.split())
                body: list[str] = []
                for paragraph in section.paragraphs:
                    body.extend(add_passage(paragraph, unit_index))
                unit_rows.append((" ".join(body), context_stems, slug))
            for label, note in document.footnotes.items():
                unit_index = len(units)
                units.append(_Unit(slug, f"note:{label}"))
                body = add_passage(note, unit_index)
                unit_rows.append((" ".join(body), "", slug))

        connection = sqlite3.connect(":memory:", check_same_thread=False)
        # Terms are already stemmed and folded; the tokenizer only has to split on spaces.
        tokenizer = "unicode61 remove_diacritics 0"
        connection.execute(
            f"CREATE VIRTUAL TABLE passages USING fts5(body, doc UNINDEXED, tokenize='{tokenizer}')"
        )
        connection.execute(
            f"CREATE VIRTUAL TABLE contexts USING fts5(body, doc UNINDEXED, tokenize='{tokenizer}')"
        )
        connection.execute(
            "CREATE VIRTUAL TABLE units USING fts5("
            f"body, context, doc UNINDEXED, tokenize='{tokenizer}')"
        )
        connection.executemany(
            "INSERT INTO passages(rowid, body, doc) VALUES (?, ?, ?)", passage_rows
        )
        connection.executemany(
            "INSERT INTO contexts(rowid, body, doc) VALUES (?, ?, ?)",
            [(index, context, doc) for index, (_, context, doc) in enumerate(unit_rows) if context],
        )
        connection.executemany(
            "INSERT INTO units(rowid, body, context, doc) VALUES (?, ?, ?, ?)",
            [(index, *row) for index, row in enumerate(unit_rows)],
        )
        connection.execute(
            "INSERT INTO units(units, rank) VALUES ('rank', ?)",
            (f"bm25(1.0, {float(tuning.topic_weight)})",),
        )
        connection.commit()

        # The words a misspelling can be corrected to: every folded word of the texts, with its
        # stem and how often it occurs (the more frequent of two equally close words wins).
        vocabulary = {word: (word_stem[word], count) for word, count in word_count.items()}
        is_english_word("load")  # loads the word list now, not during the first search
        # A word only a heading or the topic index knows is known too: it is searched, not
        # "corrected" into some other word of the texts.
        known = set(stem_df)
        for _, context_stems, _ in unit_rows:
            known.update(context_stems.split())
        meaning = _embed_library(documents, embedder, cache) if tuning.meaning else None
        return cls(
            entries, units, documents, connection, stem_df, known, vocabulary, tuning, meaning
        )

    # -- searching --------------------------------------------------------------------------

    def _document_slug(self, document: str | None) -> str | None:
        if document is None:
            return None
        slug = self._aliases.get(_name_key(document))
        if slug is None:
            raise UnknownDocument(document.strip()[:80], sorted(self._documents))
        return slug

    def _corrections(self, word: str) -> list[str]:
        """Indexed words nearest to a word the index lacks, best first (empty if none is close):
        one edit away for any word of four letters or more, two for words of seven or more."""
        if len(word) < MIN_FUZZY or not word.isalpha():
            return []
        near = {c for key in _deletions(word) for c in self._deletions.get(key, ())}
        found = [(OSA.distance(word, c), -self._vocabulary[c][1], c) for c in near]
        found = [f for f in found if f[0] <= 1]
        if not found and len(word) >= 7:
            for length in range(len(word) - 2, len(word) + 3):
                bucket = self._by_start.get((word[0], length), ())
                for candidate, distance, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=2, limit=3
                ):
                    found.append((int(distance), -self._vocabulary[candidate][1], candidate))
        if not found:
            return []
        found.sort()
        best = found[0][0]
        return [candidate for distance, _, candidate in found[:3] if distance == best]

    def _analyse(self, query: str) -> _Query:
        if not query or not query.strip():
            raise EmptyQuery()
        if len(query) > MAX_QUERY_CHARS:
            raise BotError(
                i18n._(
                    "That search is {length} characters long; keep it under {limit} characters."
                ).format(length=i18n.number(len(query)), limit=i18n.number(MAX_QUERY_CHARS))
            )
        analysed = list(tokens(strip_markup(query)))
        if not analysed:
            raise EmptyQuery(
                "There are no words to search for in that query: type a few words from the texts."
            )
        stems: dict[str, None] = {}
        understood: list[tuple[str | None, str]] = []
        corrected = 0
        whole_known: tuple[int, int] | None = None
        for token in analysed:
            span = (token.start, token.end)
            if span == whole_known:
                # The parts of a hyphenated word the index knows whole ("co-operatives") would
                # only widen the search ("operation").
                continue
            whole_known = span if token.stem in self._known else None
            if token.stem in self._known:
                stems[token.stem] = None
                understood.append((token.stem, token.fold))
            elif is_english_word(token.fold):
                understood.append((None, token.fold))
            elif self._tuning.fuzzy and corrected < MAX_CORRECTIONS:
                corrected += 1
                corrections = self._corrections(token.fold)
                for correction in corrections:
                    stems[self._vocabulary[correction][0]] = None
                understood.extend((None, c) for c in corrections[:1])
        folded = " ".join(words(strip_markup(query)))
        informative = self._informative(list(stems))
        # The words the index query leaves out as too common ("or", "the") are left out of the
        # meaning too: they would only blur it, and FTS operators typed as words are among them.
        kept = set(informative)
        meaning = [word for stem, word in understood if stem is None or stem in kept]
        absent = sum(1 for stem, _ in understood if stem is None) - corrected
        return _Query(informative, folded, len(analysed), " ".join(meaning), max(0, absent))

    def _informative(self, stems: list[str]) -> tuple[str, ...]:
        """Drop the commonest terms (see :attr:`Tuning.common_share`) unless nothing else is
        left, and keep the rarest few of a long query."""
        cutoff = self._tuning.common_share * len(self._entries)
        ranked = sorted(stems, key=lambda s: self._stem_df.get(s, 0))
        kept = [s for s in ranked if self._stem_df.get(s, 0) <= cutoff]
        return tuple((kept or ranked[:2])[:MAX_TERMS])

    def _fetch(
        self, table: str, expression: str, document: str | None, limit: int
    ) -> list[tuple[int, float]]:
        sql = f"SELECT rowid, -rank FROM {table} WHERE {table} MATCH ?"
        params: list[object] = [expression]
        if document is not None:
            sql += " AND doc = ?"
            params.append(document)
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [(int(rowid), float(score)) for rowid, score in rows]

    def _with_sentences(
        self, similarity: Vectors, query: Vectors, mask: npt.NDArray[np.bool_] | None
    ) -> Vectors:
        """A passage as close as the mean of its own vector and its closest sentence's.

        Only the passages closest as a whole (:data:`SENTENCE_POOL`) have their sentences
        compared: on a large library the sentences are most of the vectors, and a passage far
        from the query as a whole seldom holds the one sentence that answers it.
        """
        pool = np.arange(len(similarity))
        if len(similarity) > SENTENCE_POOL:
            ranked = similarity if mask is None else np.where(mask, similarity, -np.inf)
            pool = np.argpartition(-ranked, SENTENCE_POOL)[:SENTENCE_POOL]
        best = similarity.copy()
        best[pool] = self._best_sentences(pool, similarity[pool], query)
        result: npt.NDArray[Any] = (similarity + best) / 2
        return result

    def _best_sentences(self, pool: npt.NDArray[np.intp], own: Vectors, query: Vectors) -> Vectors:
        """For the passages ``pool`` (whose own cosines are ``own``), the larger of their own
        cosine and their closest sentence's."""
        meaning = self._meaning
        assert meaning is not None
        best = own.copy()
        having = np.flatnonzero(meaning.counts[pool] > 0)
        if len(having):
            lengths = meaning.counts[pool[having]]
            ends = np.cumsum(lengths)
            offsets = np.arange(int(ends[-1])) - np.repeat(ends - lengths, lengths)
            rows = np.repeat(meaning.firsts[pool[having]], lengths) + offsets
            closest = np.maximum.reduceat(meaning.sentences[rows] @ query, ends - lengths)
            best[having] = np.maximum(best[having], closest)
        return best

    def _query_vector(self, text: str) -> Vectors | None:
        """The vector of the query's meaningful words; None when there is nothing to compare."""
        meaning = self._meaning
        if meaning is None or not text or not len(meaning.passages):
            return None
        query = meaning.embedder.embed_one(text)
        return query if query.any() else None

    def _closeness(
        self,
        query: Vectors | None,
        slug: str | None,
        pool: npt.NDArray[np.intp] | None = None,
        text: str = "",
    ) -> _Closeness:
        """How close in meaning to ``query`` the closest passages and units are (see
        :func:`_closeness`), each best few by index; empty without search by meaning.

        With ``pool``, only those passages are compared (the mean of all is still exact): what
        the widened query needs, since its closest passages are among the first query's. With
        ``text`` (the query's words), its word pieces are matched too (:meth:`_with_pieces`).
        """
        meaning = self._meaning
        if meaning is None or query is None:
            return _Closeness({}, {}, np.arange(0))
        tuning = self._tuning
        passage_mask = unit_mask = None
        if slug is not None:
            number = meaning.doc_index[slug]
            passage_mask = meaning.passage_docs == number
            unit_mask = meaning.unit_docs == number
        sentences = tuning.sentences and len(meaning.sentences) > 0
        count = tuning.meaning_candidates
        if pool is not None and tuning.scale == "max":
            passages = self._pooled_closeness(query, slug, pool, sentences)
        else:
            similarity = meaning.passages @ query
            if sentences:
                similarity = self._with_sentences(similarity, query, passage_mask)
            ranked = (
                similarity if passage_mask is None else np.where(passage_mask, similarity, -np.inf)
            )
            pool = np.arange(len(ranked))
            if len(ranked) > SENTENCE_POOL:
                pool = np.argpartition(-ranked, SENTENCE_POOL)[:SENTENCE_POOL]
            if passage_mask is not None:
                pool = pool[passage_mask[pool]]
            scaled = _closeness(similarity, passage_mask, tuning.scale)
            if text and tuning.token_weight:
                scaled = self._with_pieces(scaled, text, passage_mask)
            passages = _top(scaled, count)
        units: dict[int, float] = {}
        if tuning.meaning_section_weight:
            units = _top(_closeness(meaning.units @ query, unit_mask, tuning.scale), count)
        return _Closeness(passages, units, pool)

    def _with_pieces(
        self, scaled: Vectors, text: str, mask: npt.NDArray[np.bool_] | None
    ) -> Vectors:
        """``scaled`` closeness with a share (:attr:`Tuning.token_weight`) taken from matching
        the query's word pieces one by one with the closest passages' and their headings': each
        query piece's best cosine with a piece of the passage, weighted by the query pieces'
        Zipf weights, rescaled over the pool as :func:`_closeness` rescales cosines."""
        meaning = self._meaning
        assert meaning is not None
        pieces_of = getattr(meaning.embedder, "pieces", None)
        if pieces_of is None or meaning.tokens.empty:
            return scaled
        pieces, weights = pieces_of(text)
        if not len(pieces) or float(weights.sum()) <= 0.0:
            return scaled
        tuning = self._tuning
        ranked = scaled if mask is None else np.where(mask, scaled, -np.inf)
        count = min(tuning.token_pool, len(ranked))
        pool = np.argpartition(-ranked, count - 1)[:count]
        if mask is not None:
            pool = pool[mask[pool]]
        pool = pool[meaning.tokens.counts[pool] > 0]
        if not len(pool):
            return scaled
        best = meaning.tokens.best(pool, pieces)
        # A passage is read under its heading: the heading's pieces count as the passage's own.
        units, inverse = np.unique(self._entry_units[pool], return_inverse=True)
        best = np.maximum(best, meaning.headings.best(units, pieces)[:, inverse])
        matched = _closeness((weights @ best / float(weights.sum())).astype(np.float32), None)
        blended = scaled.copy()
        blended[meaning.tokens.counts > 0] *= 1.0 - tuning.token_weight
        blended[pool] += tuning.token_weight * matched
        return blended

    def _pooled_closeness(
        self, query: Vectors, slug: str | None, pool: npt.NDArray[np.intp], sentences: bool
    ) -> dict[int, float]:
        """:func:`_closeness` with ``max`` scaling, computed for ``pool`` alone: the mean over
        every passage (of the text ``slug``, or all) is that of their cosines, from their
        vectors' sum, plus what the pool's sentences added."""
        meaning = self._meaning
        assert meaning is not None
        total, number = self._passage_sums(slug)
        own = meaning.passages[pool] @ query
        similarity = own
        if sentences:
            similarity = (own + self._best_sentences(pool, own, query)) / 2
        if not number or not len(pool):
            return {}
        mean = (float(total @ query) + float((similarity - own).sum())) / number
        spread = float(similarity.max()) - mean
        if spread <= 1e-6:
            return {}
        scaled = np.clip((similarity - mean) / spread, 0.0, None)
        chosen = _top(scaled.astype(np.float32), self._tuning.meaning_candidates)
        return {int(pool[i]): value for i, value in chosen.items()}

    def _passage_sums(self, slug: str | None) -> tuple[Vectors, int]:
        """The sum of the passages' vectors (of the text ``slug``, or all) and their number."""
        cached = self._sums.get(slug)
        if cached is None:
            meaning = self._meaning
            assert meaning is not None
            rows = meaning.passages
            if slug is not None:
                rows = rows[meaning.passage_docs == meaning.doc_index[slug]]
            cached = (rows.sum(axis=0, dtype=np.float64).astype(np.float32), len(rows))
            self._sums[slug] = cached
        return cached

    def _widened(self, query: Vectors, closeness: Mapping[int, float]) -> Vectors:
        """``query`` moved towards the passages closest to it (see :attr:`Tuning.feedback`)."""
        assert self._meaning is not None
        nearest = sorted(closeness, key=closeness.__getitem__, reverse=True)
        rows = self._meaning.passages[nearest[: self._tuning.feedback]]
        unit = query / (float(np.linalg.norm(query)) or 1.0)
        widened: Vectors = (unit + self._tuning.feedback_weight * rows.mean(axis=0)).astype(
            np.float32
        )
        return widened

    def search(self, query: str, document: str | None = None, limit: int = 10) -> list[SearchHit]:
        """The passages that best answer ``query``, best first; empty when nothing matches.

        Raises :class:`EmptyQuery` for a query without words and :class:`UnknownDocument` for a
        ``document`` that is neither a slug nor an alias.
        """
        if limit < 1:
            raise BotError(i18n._("Ask for at least one result."))
        limit = min(limit, MAX_LIMIT)
        slug = self._document_slug(document)
        analysed = self._analyse(query)
        tuning = self._tuning
        vector = self._query_vector(analysed.understood) if tuning.meaning else None
        close = self._closeness(vector, slug, text=analysed.understood)
        if not analysed.stems and not close.passages:
            return []
        words = _Words({}, {})
        if analysed.stems and tuning.words:
            words = self._word_scores(analysed, slug)

        if tuning.fusion == "rrf" and (close.passages or close.units):
            return self._fused(analysed, words, close, limit)
        widen = bool(tuning.feedback and vector is not None and close.passages)
        memo = _Memo()
        hits = self._ranked(analysed, words, close, limit, memo, keep=1 if widen else limit)
        if not widen or not hits or vector is None:
            return hits
        # The first result is the query's own best match; the ones after it are ranked again
        # with the query widened towards its closest passages (see Tuning.feedback).
        wide = self._closeness(self._widened(vector, close.passages), slug, close.pool)
        first = hits[0]
        others = self._ranked(
            analysed, words, wide, limit, memo, keep=limit, shown=self._positions[first.passage.ref]
        )
        rest = others[: limit - 1]  # the first is not among them (shown)
        if rest and rest[0].score > first.score:
            first = replace(first, score=rest[0].score)
        return [first, *rest]

    def _ranked(
        self,
        analysed: _Query,
        words: _Words,
        close: _Closeness,
        limit: int,
        memo: _Memo,
        keep: int,
        shown: int | None = None,
    ) -> list[SearchHit]:
        """The words' scores and the closeness in meaning blended into the best ``limit``, of
        which the first ``keep`` are returned.

        ``memo`` keeps what does not depend on the meaning between the two rankings of one
        search (see :attr:`Tuning.feedback`)."""
        tuning = self._tuning
        passage_scores, unit_scores = dict(words.passages), words.units
        meaning_passages, meaning_units = close.passages, close.units
        # Closeness in meaning joins the words' scores: a passage's own, and its section's
        # (which, like the section's match with the words, its later passages share less of).
        meaning_part: dict[int, float] = {}
        for index, value in meaning_passages.items():
            meaning_part[index] = tuning.meaning_weight * value
            passage_scores.setdefault(index, 0.0)
        unit_meaning = {u: tuning.meaning_section_weight * v for u, v in meaning_units.items()}
        self._represent(set(unit_scores) | set(unit_meaning), passage_scores, meaning_passages)
        if not passage_scores:
            return []

        best_passage = max(passage_scores.values()) or 1.0
        scored: list[tuple[float, int]] = []
        words_part: dict[int, float] = {}
        weights = self._term_weights(analysed) if meaning_passages and tuning.coverage else None
        shares: dict[int, float] = {}
        for index, score in passage_scores.items():
            unit = self._entries[index].unit
            words_part[index] = score / best_passage + unit_scores.get(unit, 0.0)
            if weights is not None and words_part[index]:
                share = memo.coverage.get(index)
                if share is None:
                    share = memo.coverage[index] = self._coverage(weights, index)
                shares[index] = share
                words_part[index] *= 1.0 - tuning.coverage * (1.0 - shares[index])
        # How sure the words are: when some passage holds all of the query's words, its
        # meaning counts for less (a gist in the text's words); a paraphrase keeps it all.
        gate = 1.0
        if tuning.meaning_gate and shares:
            sure = max(shares.values())
            gate = 1.0 - tuning.meaning_gate * sure**tuning.gate_power
            # and the converse: when no passage holds most of them, the words matched are
            # mostly incidental to what was asked (see Tuning.words_doubt).
            doubt = 1.0 - tuning.words_doubt * (1.0 - sure)
            for index in words_part:
                words_part[index] *= doubt
        for index in passage_scores:
            unit = self._entries[index].unit
            meaning_value = meaning_part.get(index, 0.0) + unit_meaning.get(unit, 0.0)
            meaning_part[index] = meaning_value * gate
            value = words_part[index] + meaning_part[index]
            scored.append((value, index))
        scored.sort(reverse=True)

        # A quotation is a sentence or two; comparing a longer query character by character with
        # every candidate would cost more than the rest of the search together.
        if (
            tuning.phrase
            and tuning.words
            and analysed.word_count >= 3
            and len(analysed.folded) <= MAX_PHRASE_CHARS
        ):
            head = scored[: max(limit, 10)]
            lifted = []
            for value, index in head:
                closeness = memo.phrases.get(index)
                if closeness is None:
                    closeness = fuzz.partial_ratio(analysed.folded, self._entries[index].folded)
                    memo.phrases[index] = closeness
                bonus = tuning.phrase_weight * max(0.0, (closeness - 70.0) / 30.0)
                words_part[index] += bonus
                lifted.append((value + bonus, index))
            scored = sorted(lifted + scored[len(head) :], reverse=True)

        scored, via_note = self._lend_from_notes(scored, words_part)

        # A section's score belongs first to its best passage; later passages of the same section
        # keep only part of it, so that the next results can show other sections.
        seen: Counter[int] = Counter()
        if shown is not None:
            seen[self._entries[shown].unit] += 1
        final: list[tuple[float, int]] = []
        for value, index in scored:
            if index == shown:
                continue
            unit = self._entries[index].unit
            if seen[unit]:
                unit_part = unit_scores.get(unit, 0.0) + unit_meaning.get(unit, 0.0)
                value -= unit_part * (1.0 - tuning.repeat_discount ** seen[unit])
            seen[unit] += 1
            final.append((value, index))
        final.sort(reverse=True)

        def by_meaning(index: int) -> bool:
            return meaning_part.get(index, 0.0) > words_part[index]

        return self._hits(analysed, final[:keep], by_meaning, via_note)

    def _lend_from_notes(
        self, scored: list[tuple[float, int]], words_part: dict[int, float]
    ) -> tuple[list[tuple[float, int]], dict[int, str]]:
        """``scored`` with each citing paragraph raised by its best-matching note's share (see
        :attr:`Tuning.note_share`), even a paragraph that did not match on its own; and, for the
        paragraphs that gained more than their own words gave them, the note's label."""
        share = self._tuning.note_share
        if share <= 0.0:
            return scored, {}
        lent: dict[int, tuple[float, int]] = {}
        for _, index in scored:
            matched = words_part.get(index, 0.0)
            if matched <= 0.0:
                continue
            for citing in self._citing.get(index, ()):
                if share * matched > lent.get(citing, (0.0, -1))[0]:
                    lent[citing] = (share * matched, index)
        values = {index: value for value, index in scored}
        via_note: dict[int, str] = {}
        for index, (extra, note) in lent.items():
            own = words_part.get(index, 0.0)
            if extra > own:
                passage = self._entries[note].passage
                assert isinstance(passage, Footnote)
                via_note[index] = passage.label
            values[index] = values.get(index, 0.0) + extra
            words_part[index] = own + extra
        ranked = sorted(((value, index) for index, value in values.items()), reverse=True)
        return ranked, via_note

    def _term_weights(self, analysed: _Query) -> tuple[dict[str, float], float]:
        """Each query term's inverse document frequency, and their total with the query's
        English words that no text contains, which count as the rarest of all."""
        count = len(self._entries)
        weights = {
            stem: math.log(1.0 + count / (1 + self._stem_df.get(stem, 0)))
            for stem in analysed.stems
        }
        return weights, sum(weights.values()) + analysed.absent * math.log(1.0 + count)

    def _coverage(self, weights: tuple[dict[str, float], float], index: int) -> float:
        """The share of the query's terms, weighted by rarity, found in the passage, the rest of
        its section, or the section's heading and topics."""
        terms = self._unit_terms(self._entries[index].unit)
        found = sum(weight for stem, weight in weights[0].items() if stem in terms)
        return found / weights[1] if weights[1] else 1.0

    def _unit_terms(self, unit_index: int) -> frozenset[str]:
        """Every stem of a section's passages, heading and topics; kept once asked for (only
        the sections searches reach are ever asked for)."""
        terms = self._terms.get(unit_index)
        if terms is None:
            unit = self._units[unit_index]
            terms = frozenset(unit.context).union(
                *(self._entries[p].surfaces for p in unit.passages)
            )
            self._terms[unit_index] = terms
        return terms

    def _word_scores(self, analysed: _Query, slug: str | None) -> _Words:
        """BM25 of the passages (raw) and of the units (scaled, the best at ``section_weight``,
        plus the match with headings and topics), for the query's words."""
        tuning = self._tuning
        expression = _match_expression(analysed.stems)
        # With sections ranked, common terms already count through them, so the passage query
        # (the slowest) can do with the rare ones; without sections it needs them all.
        share = tuning.passage_share if tuning.sections else tuning.common_share
        cutoff = share * len(self._entries)
        rare = [s for s in analysed.stems if self._stem_df.get(s, 0) <= cutoff]
        passage_scores = dict(
            self._fetch(
                "passages", _match_expression(rare or analysed.stems[:2]), slug, tuning.candidates
            )
        )
        unit_scores: dict[int, float] = {}
        if tuning.sections:
            unit_scores = dict(self._fetch("units", expression, slug, tuning.candidates))
            best_unit = max(unit_scores.values(), default=0.0) or 1.0
            unit_scores = {u: tuning.section_weight * v / best_unit for u, v in unit_scores.items()}
            if tuning.context_weight:
                contexts = self._fetch("contexts", expression, slug, tuning.candidates)
                best_context = max((v for _, v in contexts), default=0.0) or 1.0
                for unit_index, value in contexts:
                    unit_scores[unit_index] = (
                        unit_scores.get(unit_index, 0.0)
                        + tuning.context_weight * value / best_context
                    )
        return _Words(passage_scores, unit_scores)

    def _represent(
        self, units: Iterable[int], passage_scores: dict[int, float], closeness: Mapping[int, float]
    ) -> None:
        """A section that matches as a whole stands for itself by one passage when none of its
        passages matched on their own: the closest in meaning, else its first."""
        for unit_index in units:
            members = self._units[unit_index].passages
            if members and not any(p in passage_scores for p in members):
                chosen = members[0]
                if self._meaning is not None and len(members) > 1:
                    chosen = max(members, key=lambda p: closeness.get(p, 0.0))
                passage_scores[chosen] = 0.0

    def _fused(
        self, analysed: _Query, words: _Words, close: _Closeness, limit: int
    ) -> list[SearchHit]:
        """Reciprocal rank fusion of the words' ranking and the meaning's (measured against
        blending in ``bench/search.py``)."""
        tuning = self._tuning
        passage_scores, unit_scores = dict(words.passages), words.units
        meaning_passages, meaning_units = close.passages, close.units
        self._represent(unit_scores, passage_scores, meaning_passages)
        best = max(passage_scores.values(), default=0.0) or 1.0
        words_rank = sorted(
            passage_scores,
            key=lambda i: -(passage_scores[i] / best + unit_scores.get(self._entries[i].unit, 0.0)),
        )
        candidates = set(meaning_passages)
        for unit_index in meaning_units:
            candidates.update(self._units[unit_index].passages)
        meaning_rank = sorted(
            candidates,
            key=lambda i: (
                -(
                    tuning.meaning_weight * meaning_passages.get(i, 0.0)
                    + tuning.meaning_section_weight * meaning_units.get(self._entries[i].unit, 0.0)
                )
            ),
        )[: tuning.meaning_candidates]
        fused: dict[int, float] = defaultdict(float)
        from_words: dict[int, float] = defaultdict(float)
        for rank, index in enumerate(words_rank):
            from_words[index] = 1.0 / (tuning.rrf_k + rank + 1)
            fused[index] += from_words[index]
        for rank, index in enumerate(meaning_rank):
            fused[index] += 1.0 / (tuning.rrf_k + rank + 1)
        final = sorted(((v, i) for i, v in fused.items()), reverse=True)[:limit]
        return self._hits(analysed, final, lambda i: fused[i] > 2 * from_words[i])

    def _hits(
        self,
        analysed: _Query,
        final: Sequence[tuple[float, int]],
        by_meaning: Callable[[int], bool],
        via_note: Mapping[int, str] | None = None,
    ) -> list[SearchHit]:
        stems = set(analysed.stems)
        hits = []
        for value, index in final:
            entry = self._entries[index]
            terms = sorted(
                {surface for stem in stems for surface in entry.surfaces.get(stem, ())},
                key=str.casefold,
            )
            meant = by_meaning(index)
            note = None if meant or via_note is None else via_note.get(index)
            if note is not None:
                # Its own words matched less than its note did: the snippet shows the citation.
                terms = [note]
            hits.append(SearchHit(entry.passage, round(value, 6), tuple(terms), meant, note))
        return hits

    def _centred_passages(self) -> Vectors:
        """The passage vectors less their mean, at unit length: every passage of a political
        text shares its subject, and only what is left tells one passage's ideas from another's."""
        if self._centred is None:
            assert self._meaning is not None
            centred = self._meaning.passages - self._meaning.passages.mean(0)
            norms = np.linalg.norm(centred, axis=1, keepdims=True)
            self._centred = (centred / np.maximum(norms, 1e-12)).astype(np.float32)
        return self._centred

    def similar(self, ref: str, limit: int = SIMILAR_COUNT) -> list[SearchHit]:
        """The passages closest in meaning to the passage ``ref``, from every text, leaving out
        the passage itself and its neighbours (the paragraphs before and after it, which a
        reader reaches with Previous and Next anyway). Empty without search by meaning."""
        meaning = self._meaning
        position = self._positions.get(ref)
        if position is None:
            raise BotError(i18n._("There is no passage {ref}.").format(ref=ref[:80]))
        if meaning is None:
            return []
        entry = self._entries[position]
        excluded = {position}
        for neighbour in (position - 1, position + 1):
            if 0 <= neighbour < len(self._entries):
                other = self._entries[neighbour]
                if (
                    other.document == entry.document
                    and other.passage.is_note == entry.passage.is_note
                ):
                    excluded.add(neighbour)
        centred = self._centred_passages()
        similarity = centred @ centred[position]
        similarity[list(excluded)] = -np.inf
        order = np.argsort(-similarity, kind="stable")[: max(1, min(limit, MAX_LIMIT))]
        return [
            SearchHit(self._entries[i].passage, round(float(similarity[i]), 6), (), True)
            for i in order
            if np.isfinite(similarity[i])
        ]

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """The indexed words closest to the words of ``query``, for a search that found nothing."""
        if limit < 1 or not query.strip() or len(query) > MAX_QUERY_CHARS:
            return []
        suggestions: dict[str, float] = {}
        choices = list(self._vocabulary)
        for word in list(dict.fromkeys(words(strip_markup(query))))[:MAX_CORRECTIONS]:
            if len(word) < 3:
                continue
            for candidate, similarity, _ in process.extract(
                word, choices, scorer=fuzz.ratio, score_cutoff=60, limit=limit
            ):
                if candidate != word:
                    weight = similarity + math.log1p(self._vocabulary[candidate][1])
                    suggestions[candidate] = max(suggestions.get(candidate, 0.0), weight)
        ranked = sorted(suggestions, key=lambda w: -suggestions[w])
        return ranked[:limit]
