"""Search benchmark: quality on the development set, and speed on the texts and a 100x corpus.

Run with ``.venv/bin/python bench/search.py`` (``--quick`` for fewer timing rounds, ``--misses``
to list the queries each method gets wrong). It prints, for each method measured, Recall@1 and
Recall@3 per kind of query in ``bench/search_devset.json``; then p50/p95/max latency per query of
the engine on the two texts and on a corpus a hundred times larger (the texts repeated with
perturbed words), against the naive baseline of rapidfuzz ``process.extract`` with ``WRatio`` over
every passage in the same run; and the p95 of reference autocomplete.

A hit counts as found when its section (or, for a note, the note) is the expected one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import string
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.library import load_library  # noqa: E402
from bot.library.model import Document, Footnote, Paragraph, Passage, Section  # noqa: E402
from bot.search import SearchEngine, Tuning  # noqa: E402
from bot.search.text import strip_markup  # noqa: E402
from bot.search.topics import load_topics  # noqa: E402

DEVSET = ROOT / "bench" / "search_devset.json"
KINDS = ("exact", "misspelt", "gist", "paraphrase")
TARGETS = {
    "exact": (0.90, 0.95),
    "misspelt": (0.80, 0.95),
    "gist": (0.70, 0.95),
    "paraphrase": (0.50, 0.80),
}
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


def unit_of(passage: Passage) -> str:
    if isinstance(passage, Footnote):
        return f"{passage.document}:note:{passage.label}"
    return f"{passage.document}:{passage.section}"


def _title_key(title: str) -> str:
    title = re.sub(r"^\s*[IVXLC]+\.\s+", "", title)
    return re.sub(r"[^a-z0-9]+", "", title.casefold())


def load_cases(library: Any) -> list[Case]:
    data = json.loads(DEVSET.read_text(encoding="utf-8"))
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
    print(f"{name:<34} {cells}")


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    parser.add_argument("--misses", action="store_true", help="list the queries each method misses")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    args = parser.parse_args(argv)

    library = load_library(args.seeds)
    cases = load_cases(library)
    passages = all_passages(library)
    counts = {kind: sum(c.kind == kind for c in cases) for kind in KINDS}
    kinds = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"Development set: {len(cases)} queries ({kinds})")
    print(f"Library: {len(passages)} passages in {len(library.documents)} texts\n")

    print("Quality: Recall@1/Recall@3 per kind")
    targets = "  ".join(f"{k} {a:.2f}/{b:.2f}" for k, (a, b) in TARGETS.items())
    print(f"{'targets':<34} {targets}")
    default = SearchEngine.build(library)
    methods: list[tuple[str, Searcher]] = [
        ("rapidfuzz partial_ratio", fuzz_searcher(passages, fuzz.partial_ratio)),
        ("rapidfuzz WRatio (baseline)", fuzz_searcher(passages, fuzz.WRatio)),
        ("FTS5 porter, words OR-ed", porter_searcher(passages)),
    ]
    variants = {
        "engine: stems only": Tuning(fuzzy=False, sections=False, topics=False, phrase=False),
        "engine: + fuzzy": Tuning(sections=False, topics=False, phrase=False),
        "engine: + sections": Tuning(topics=False, phrase=False),
        "engine: + topic index": Tuning(phrase=False),
        "engine: without sections": Tuning(sections=False),
        "engine: without diversity": Tuning(repeat_discount=1.0),
    }
    for name, tuning in variants.items():
        methods.append((name, engine_searcher(SearchEngine.build(library, tuning=tuning))))
    methods.append(("engine (default)", engine_searcher(default)))
    for name, searcher in methods:
        misses: list[str] | None = [] if args.misses else None
        print_quality(name, recall(searcher, cases, misses))
        if misses:
            print("\n".join(misses))

    rounds = 3 if args.quick else 10
    queries = [c.query for c in cases]
    print("\nSpeed per query (every development query, several rounds)")
    start = time.perf_counter()
    SearchEngine.build(library)
    print(f"build, two texts: {(time.perf_counter() - start) * 1000:.0f} ms")
    small = timings(lambda q: default.search(q), queries, rounds)
    print(f"engine, two texts:        {describe(small)}")
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
    sample = queries[:: max(1, len(queries) // 12)]
    baseline_large = timings(fuzz_searcher(big_passages, fuzz.WRatio), sample, 1)
    print(f"WRatio baseline, 100x:    {describe(baseline_large)}")
    speedup = statistics.median(baseline_large) / statistics.median(large)
    tail = p95(baseline_large) / p95(large)
    print(f"speed-up at 100x: {speedup:.0f}x (p50 over p50), {tail:.0f}x (p95 over p95)")

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
