"""Search by meaning: texts as vectors of a static word-piece table, and the passages' vectors
kept beside the seeds.

A text's vector is the mean of its word pieces' rows in ``data/minilm-static.npy`` (distilled
once from all-MiniLM-L6-v2 by :mod:`bot.search.distil`), scaled to unit length, so two texts
that mean the same thing in different words lie close together. Embedding a query costs a
tokenizer call and a few dozen rows read from the file; none of the table stays in memory.

Passages are embedded better ahead of time: the transformer itself reads each paragraph
(``python -m bot.search.ahead`` for the seeds, or ``python -m bot check`` for a new text, both
with the development dependency that carries the model), and its vector, blended with the
table's, is kept in ``seeds/vectors/<slug>.npz`` keyed by a hash of the document's passages and
of the models. The table's mapped means land in the transformer's sentence space, so a query
embedded by the table is compared with either. A text whose kept vectors do not match it (new,
or edited) is embedded by the table alone when the engine is built, at start-up, which keeps
start-up fast and needs no model; it is then searched as well as before the transformer's
vectors existed, until they are embedded ahead again.

Embedded ahead, a text also keeps its passages' word pieces as the transformer read them
(:class:`TokenStates`, in ``vectors/<slug>.pieces.npy``, memory-mapped), for matching a query's
pieces one by one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from bot.library.model import Document

log = logging.getLogger(__name__)

DATA: Final = Path(__file__).parent / "data"
TABLE: Final = DATA / "minilm-static.npy"
"""float16, one row per word piece of the model's vocabulary."""
TABLE_META: Final = DATA / "minilm-static.json"
TOKENIZER: Final = DATA / "minilm-tokenizer.json"
MAP: Final = DATA / "minilm-map.npy"
"""float32, table dimensions x the model's: static means to the model's sentence space
(:mod:`bot.search.fitmap`)."""
MAP_META: Final = DATA / "minilm-map.json"
PROJECTION: Final = DATA / "minilm-projection.npy"
"""float32, the table's PCA: its mean (row 0) and components (the other rows). The passages'
word pieces as the transformer read them in context are projected by it too, into the space of
the table's rows (:class:`TokenStates`)."""
VECTORS_DIR: Final = "vectors"
FORMAT: Final = 3
"""Bump when what a cached vector means changes (what text is embedded, how)."""
PASSAGE_BLEND: Final = 1.0
"""A passage's (and a heading's) kept vector: this much of the transformer's, the rest the
table's (both unit length, in the same space). The transformer's alone: blends of 0.7 and 0.5
were measured in ``bench/search.py`` and found fewer paraphrases for no gain elsewhere."""
SENTENCE_BLEND: Final = 0.0
"""The same for sentences: the table's alone. The table's sentence vectors share word pieces
with a query embedded by the same table, which is what finds a gist in the text's own words
(0.25 and 0.5 found more paraphrases at rank 3 but lost gist queries without a topic index)."""
TRANSFORMER: Final = "all-MiniLM-L6-v2@1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
"""The model whose passage vectors are kept; part of their cache key."""

SIF_COEFFICIENT: Final = 1e-4
TOKEN_DIMENSIONS: Final = 256
"""The table's dimensions, which the passages' word pieces are projected to as well."""

Vectors = npt.NDArray[np.float32]


def zipf_weights(size: int) -> npt.NDArray[np.float32]:
    """model2vec's weights for a vocabulary ordered by frequency: a word piece's probability is
    estimated from its rank by Zipf's law, and frequent pieces (*the*, *of*) count for less."""
    inverse_rank = 1.0 / np.arange(2, size + 2, dtype=np.float64)
    probability = inverse_rank / inverse_rank.sum()
    result: npt.NDArray[Any] = (SIF_COEFFICIENT / (SIF_COEFFICIENT + probability)).astype(
        np.float32
    )
    return result


def table_digest() -> str:
    """The committed table's digest, as its build recorded it."""
    meta = json.loads(TABLE_META.read_text(encoding="utf-8"))
    return str(meta["table_sha256"])


def map_digest() -> str:
    """The committed map's digest, as its build recorded it."""
    meta = json.loads(MAP_META.read_text(encoding="utf-8"))
    return str(meta["map_sha256"])


class Embedder(Protocol):
    """What search needs of a model: texts to unit vectors, and a digest naming the model."""

    digest: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_one(self, text: str) -> npt.NDArray[np.float32]: ...


class StaticEmbedder:
    """Texts to unit vectors with the static table; thread-safe (it only reads).

    A query's few rows are read from the file as they are needed (``os.pread``), so the bot's
    memory holds none of the table between searches; embedding many texts at once (a seed at
    start-up) loads the whole table for that call only.
    """

    def __init__(
        self, table: Path = TABLE, tokenizer: Path = TOKENIZER, *, mapped: bool = True
    ) -> None:
        from tokenizers import Tokenizer

        with table.open("rb") as file:
            version = np.lib.format.read_magic(file)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read(file)
            self._offset = file.tell()
        if dtype != np.float16 or len(shape) != 2:
            raise ValueError(f"{table} is not a table of float16 rows")
        self._path = table
        self._fd = os.open(table, os.O_RDONLY)
        self.dimensions = int(shape[1])
        self._vocabulary = int(shape[0])
        self._row_bytes = self.dimensions * 2
        self.tokenizer: Tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.digest = table_digest() if table == TABLE else _file_digest(table)
        self._map: npt.NDArray[np.float32] | None = None
        if mapped:
            # A mean of rows each distilled from one piece alone, carried by a linear map fitted
            # on the model's own sentence embeddings to where the model would put the sentence.
            self._map = np.load(MAP, allow_pickle=False).astype(np.float32)
            if self._map.shape[0] != self.dimensions:
                raise ValueError(f"{MAP} does not fit {table}")
            self.dimensions = int(self._map.shape[1])
            self.digest = hashlib.sha256(f"{self.digest}\0{map_digest()}".encode()).hexdigest()

    def _rows(self, ids: Sequence[int]) -> npt.NDArray[np.float32]:
        unique, inverse = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
        data = b"".join(
            os.pread(self._fd, self._row_bytes, self._offset + int(i) * self._row_bytes)
            for i in unique
        )
        rows = np.frombuffer(data, dtype=np.float16).reshape(len(unique), self._row_bytes // 2)
        result: npt.NDArray[Any] = rows[inverse].astype(np.float32)
        return result

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text (zero for a text without a single word piece)."""
        out = np.zeros((len(texts), self._row_bytes // 2), dtype=np.float32)
        if not texts:
            return out if self._map is None else np.zeros((0, self.dimensions), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        table = np.load(self._path, allow_pickle=False) if len(texts) > 1 else None
        for row, encoding in enumerate(encodings):
            ids = encoding.ids
            if not ids:
                continue
            rows = (
                table[np.asarray(ids)].astype(np.float32) if table is not None else self._rows(ids)
            )
            out[row] = rows.mean(0)
        del table
        if self._map is not None:
            out = out @ self._map
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: npt.NDArray[Any] = out / np.maximum(norms, 1e-12)
        return result

    def embed_one(self, text: str) -> npt.NDArray[np.float32]:
        result: npt.NDArray[Any] = self.embed([text])[0]
        return result

    def pieces(self, text: str) -> tuple[Vectors, npt.NDArray[np.float32]]:
        """The text's word pieces one by one: each row of the table at unit length (its Zipf
        weight divided out), and the weights, for matching against the passages' word pieces
        (:class:`TokenStates`)."""
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return np.zeros((0, TOKEN_DIMENSIONS), np.float32), np.zeros(0, np.float32)
        weights = _zipf(self._vocabulary)[np.asarray(ids)]
        rows = self._rows(ids) / weights[:, None]
        rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
        return rows.astype(np.float32), weights


@cache
def _zipf(size: int) -> npt.NDArray[np.float32]:
    return zipf_weights(size)


def _file_digest(path: Path) -> str:
    """Read a megabyte at a time: the pieces' file is hashed at every start, and holding all of
    it at once would only raise the process's memory for nothing."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def default_embedder() -> StaticEmbedder:
    """The shipped table, loaded once per process."""
    return StaticEmbedder()


# -- the passages' vectors, cached beside the seeds -------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentVectors:
    """A document's vectors: its passages' (in :meth:`Document.passages` order), its sections'
    (in :meth:`Document.walk` order), and its sentences' with the passage each belongs to."""

    passages: Vectors
    sections: Vectors
    sentences: Vectors
    owners: npt.NDArray[np.int32]
    embedded: bool
    """True when they were computed now rather than read from the cache."""
    ahead: bool = False
    """True when the transformer embedded the passages (ahead of time), False for the table's."""
    tokens: TokenStates = field(default_factory=lambda: TokenStates.empty())
    """Each passage's word pieces as the transformer read them (none for the table's vectors)."""
    headings: TokenStates = field(default_factory=lambda: TokenStates.empty())
    """The same for each section's heading, by section row."""


@dataclass(frozen=True, slots=True)
class TokenStates:
    """Word pieces as the transformer read them in their text, for matching a query's pieces
    one by one (late interaction): the model's last hidden state of each piece, projected into
    the table's space and kept as int8 with a scale a row. A paraphrase shares a few ideas with
    a passage, each in other words; a piece's state in context knows what it stands for there,
    so "server farms" can meet "data centers" although the two means of the passages differ.

    Rows are in owner order (passage or section row within the document); punctuation pieces are
    left out (they carry no meaning of their own to match)."""

    rows: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    owners: npt.NDArray[np.int32]

    @staticmethod
    def empty() -> TokenStates:
        return TokenStates(
            np.zeros((0, TOKEN_DIMENSIONS), np.int8),
            np.zeros(0, np.float32),
            np.zeros(0, np.int32),
        )

    @staticmethod
    def of(states: Sequence[npt.NDArray[np.float32]]) -> TokenStates:
        """Quantised from each owner's hidden states (owner = index in ``states``)."""
        if not any(len(part) for part in states):
            return TokenStates.empty()
        projection = np.load(PROJECTION, allow_pickle=False).astype(np.float32)
        stacked = np.concatenate([part for part in states if len(part)])
        projected = (stacked - projection[0]) @ projection[1:].T
        projected /= np.maximum(np.linalg.norm(projected, axis=1, keepdims=True), 1e-12)
        scales = np.maximum(np.abs(projected).max(axis=1), 1e-12) / 127.0
        rows = np.round(projected / scales[:, None]).astype(np.int8)
        owners = np.repeat(np.arange(len(states), dtype=np.int32), [len(p) for p in states])
        return TokenStates(rows, scales.astype(np.float32), owners)


_SENTENCE_END: Final = re.compile(r"(?<=[.!?;:])\s+(?=\S)")
MIN_SENTENCE_WORDS: Final = 3


def sentences(text: str) -> list[str]:
    """A passage cut into sentences (and clauses after a semicolon or colon), dropping scraps
    of under three words: a paraphrase usually means one sentence of a long paragraph, and the
    paragraph's mean dilutes it."""
    return [part for part in _SENTENCE_END.split(text) if len(part.split()) >= MIN_SENTENCE_WORDS]


def passage_texts(document: Document) -> tuple[list[str], list[str]]:
    """What is embedded: each passage's plain text, and each section's heading."""
    from bot.search.text import strip_markup

    passages = [strip_markup(p.text) for p in document.passages()]
    return passages, [section.title for section in document.walk()]


def _section_vectors(document: Document, passages: Vectors, headings: Vectors) -> Vectors:
    """Each section as its heading and its paragraphs, one vote each: a long paragraph does not
    drown the others, and the heading, which names what the section is about, counts."""
    out = headings.copy()
    start = 0
    for row, section in enumerate(document.walk()):
        count = len(section.paragraphs)
        out[row] += passages[start : start + count].sum(0)
        start += count
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: npt.NDArray[Any] = out / np.maximum(norms, 1e-12)
    return result


def cache_key(document: Document, embedder: Embedder, *, ahead: bool = False) -> str:
    """A hash of everything a document's vectors depend on: its texts and the models (the
    transformer and the blend too, for vectors embedded ahead)."""
    passages, headings = passage_texts(document)
    model = f"{TRANSFORMER}\0{PASSAGE_BLEND}\0{SENTENCE_BLEND}" if ahead else "table"
    digest = hashlib.sha256(f"{FORMAT}\0{embedder.digest}\0{model}\0".encode())
    for text in (*passages, "\0", *headings):
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_path(document: Document) -> Path | None:
    """``vectors/<slug>.npz`` beside the document's seed, or ``None`` for a text without one."""
    if document.source is None:
        return None
    return Path(document.source).parent / VECTORS_DIR / f"{document.slug}.npz"


_ARRAYS: Final = ("passages", "sections", "sentences", "owners")
PIECES_SUFFIX: Final = ".pieces.npy"
"""The passages' word-piece rows, beside ``<slug>.npz`` in a file of their own, memory-mapped:
5 MB for the two texts, of which a search reads the few passages it matches, and which the
kernel can drop and read again rather than the process holding them."""


def pieces_path(path: Path) -> Path:
    """The pieces' file that goes with the kept vectors at ``path``."""
    return path.with_name(path.stem + PIECES_SUFFIX)


def read_kept(path: Path, keys: Mapping[str, bool]) -> DocumentVectors | None:
    """The kept vectors when their key is one of ``keys`` (key → embedded ahead or not), and
    the pieces' file is the one they were written with (its digest is in the vectors' file)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            key = str(data["key"])
            if key not in keys:
                return None
            arrays = {name: data[name] for name in _ARRAYS}
            headings = TokenStates(
                data["heading_rows"], data["heading_scales"], data["heading_owners"]
            )
            token_scales, token_owners = data["token_scales"], data["token_owners"]
            pieces_digest = str(data["pieces_sha256"])
        rows = np.zeros((0, TOKEN_DIMENSIONS), np.int8)
        if pieces_digest:
            pieces = pieces_path(path)
            if _file_digest(pieces) != pieces_digest:
                return None
            rows = np.load(pieces, mmap_mode="r", allow_pickle=False)
        tokens = TokenStates(rows, token_scales, token_owners)
    except (OSError, KeyError, ValueError):
        return None
    return DocumentVectors(
        arrays["passages"].astype(np.float32),
        arrays["sections"].astype(np.float32),
        arrays["sentences"].astype(np.float32),
        arrays["owners"].astype(np.int32),
        embedded=False,
        ahead=keys[key],
        tokens=tokens,
        headings=headings,
    )


def _write(path: Path, key: str, vectors: DocumentVectors) -> None:
    """Written to temporary files and renamed, the pieces first, so a killed process never
    leaves half a file, and vectors never name pieces that are not there (a mismatch is read
    as stale, and embedded again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pieces_digest = ""
        if len(vectors.tokens.rows):
            pieces = pieces_path(path)
            with _replacing(pieces) as file:
                np.save(file, np.ascontiguousarray(vectors.tokens.rows), allow_pickle=False)
            pieces_digest = _file_digest(pieces)
        with _replacing(path) as file:
            np.savez(
                file,
                key=np.array(key),
                passages=vectors.passages.astype(np.float16),
                sections=vectors.sections.astype(np.float16),
                sentences=vectors.sentences.astype(np.float16),
                owners=vectors.owners,
                pieces_sha256=np.array(pieces_digest),
                token_scales=vectors.tokens.scales,
                token_owners=vectors.tokens.owners,
                heading_rows=vectors.headings.rows,
                heading_scales=vectors.headings.scales,
                heading_owners=vectors.headings.owners,
            )
    except OSError as exc:
        # A read-only checkout still searches by meaning; it only embeds again next time.
        log.warning("could not keep the vectors of %s in %s: %s", path.stem, path.parent, exc)


@contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A file written beside ``path`` and renamed over it once complete."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        os.chmod(temporary, 0o644)  # mkstemp's file is private; the seeds are not
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def embedded_ahead(document: Document, embedder: Embedder | None = None) -> bool:
    """Whether the document's kept vectors are current and were embedded by the transformer."""
    path = cache_path(document)
    if path is None or not path.is_file():
        return False
    key = cache_key(document, embedder or default_embedder(), ahead=True)
    return read_kept(path, {key: True}) is not None


class SentenceModel(Protocol):
    """What embedding ahead needs of the transformer (:class:`bot.search.distil.MiniLM`)."""

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def token_states(self, texts: Sequence[str]) -> list[Vectors]:
        """Each text's word pieces' last hidden states, punctuation and [CLS]/[SEP] left out."""
        ...


def document_vectors(
    document: Document,
    embedder: Embedder | None = None,
    *,
    cache: bool = True,
    model: SentenceModel | None = None,
) -> DocumentVectors:
    """The document's vectors from the cache when its key matches, else embedded (and cached).

    Kept vectors embedded ahead by the transformer are preferred; the table's own are taken
    too. Without ``model`` a stale or missing file is embedded by the table alone (at start-up:
    fast, and no model needed); with it (``python -m bot check``, or the seeds' rebuild) the
    transformer embeds the passages, and table-only vectors no longer count as current.
    ``cache=False`` neither reads nor writes the cache (the benchmark's other models)."""
    embedder = embedder or default_embedder()
    ahead_key = cache_key(document, embedder, ahead=True)
    table_key = cache_key(document, embedder)
    keys = {ahead_key: True} if model is not None else {ahead_key: True, table_key: False}
    path = cache_path(document) if cache else None
    if path is not None and path.is_file():
        found = read_kept(path, keys)
        if found is not None:
            return found
    vectors = embed_document(document, embedder, model)
    if path is not None:
        _write(path, ahead_key if model is not None else table_key, vectors)
    return vectors


def _blend(table: Vectors, transformer: Vectors, share: float) -> Vectors:
    if share <= 0.0:
        return table
    mixed = share * transformer + (1.0 - share) * table
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    result: npt.NDArray[Any] = (mixed / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def embed_document(
    document: Document, embedder: Embedder, model: SentenceModel | None = None
) -> DocumentVectors:
    """The document's vectors computed now: by the table, blended with the transformer's
    (``model``) when it is given (see :data:`PASSAGE_BLEND`)."""
    passages, headings = passage_texts(document)
    parts: list[str] = []
    owners: list[int] = []
    for number, text in enumerate(passages):
        for part in sentences(text):
            parts.append(part)
            owners.append(number)

    def embed(texts: list[str], share: float) -> Vectors:
        table = embedder.embed(texts)
        if model is None or share <= 0.0 or not texts:
            return table
        return _blend(table, model.embed(texts), share)

    # Stored as float16 in the cache: round now too, so a fresh and a cached vector are equal.
    passage_vectors = _half(embed(passages, PASSAGE_BLEND))
    heading_vectors = embed(headings, PASSAGE_BLEND)
    tokens = headings_states = TokenStates.empty()
    if model is not None:
        tokens = TokenStates.of(model.token_states(passages))
        headings_states = TokenStates.of(model.token_states(headings))
    return DocumentVectors(
        passages=passage_vectors,
        sections=_half(_section_vectors(document, passage_vectors, heading_vectors)),
        sentences=_half(embed(parts, SENTENCE_BLEND)),
        owners=np.asarray(owners, dtype=np.int32),
        embedded=True,
        ahead=model is not None,
        tokens=tokens,
        headings=headings_states,
    )


def _half(vectors: Vectors) -> Vectors:
    return vectors.astype(np.float16).astype(np.float32)
