"""Build the linear map that carries the static table's mean vectors towards the transformer's
sentence vectors (``data/minilm-map.npy``).

A static text vector is a plain mean of word-piece rows, each distilled from the model seeing
that piece alone; the transformer reads the pieces together. The map, fitted by ridge
regression of the transformer's sentence embeddings on the static ones over many English
sentences, lets the mean learn which of its directions carry a sentence's meaning (the idea of
tokenlearn, model2vec's training step, reduced to one matrix). It costs one 256 x 384 product a
text, at search time and when passages are embedded, and nothing else.

The sentences are WordNet 3.0's glosses and examples, general English with no tie to the texts
searched here, read from Debian's ``wordnet-base`` package (``/usr/share/wordnet``); the
targets come from :class:`bot.search.distil.MiniLM`, so the build needs the development
dependency and that package, and nothing from a model hub::

    python -m bot.search.fitmap            # writes data/minilm-map.npy and .json
    python -m bot.search.fitmap --check    # rebuilds and compares, writes nothing
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from bot.search.vectors import MAP, MAP_META, TABLE, TOKENIZER, StaticEmbedder

WORDNET: Final = Path("/usr/share/wordnet")
SAMPLE: Final = 12_000
"""Sentences fitted on: enough that 98,304 weights are well determined (about 3.5 minutes of
the numpy transformer on two cores)."""
SEED: Final = 14
RIDGE: Final = 1.0
"""Ridge penalty on the map (the inputs are unit vectors). 0.1 and 1 gave the same figures on
the development set, 10 a little less."""

Array = npt.NDArray[np.float32]


def wordnet_sentences(root: Path = WORDNET) -> list[str]:
    """Every gloss and example of three words or more, in the database's order."""
    out: list[str] = []
    for pos in ("noun", "verb", "adj", "adv"):
        path = root / f"data.{pos}"
        for line in path.read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "|" not in line:  # the licence header, or no gloss
                continue
            for part in line.split("|", 1)[1].split(";"):
                part = part.strip().strip('"').strip()
                if len(part.split()) >= 3:
                    out.append(part)
    return out


def training_sentences(root: Path = WORDNET, sample: int = SAMPLE) -> list[str]:
    """A fixed pseudo-random sample, the same on every machine with the same package."""
    sentences = wordnet_sentences(root)
    random.Random(SEED).shuffle(sentences)
    return sentences[:sample]


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def fit(static: Array, targets: Array, ridge: float = RIDGE) -> Array:
    """Ridge regression without a bias: the map keeps a text's vector's direction meaningful
    whatever its length, so mapping a unit vector or the raw mean gives the same result."""
    gram = static.T.astype(np.float64) @ static + ridge * np.eye(static.shape[1])
    solved = np.linalg.solve(gram, static.T.astype(np.float64) @ targets)
    result: npt.NDArray[Any] = solved.astype(np.float32)
    return result


def build(root: Path = WORDNET, sample: int = SAMPLE) -> tuple[Array, dict[str, Any]]:
    from bot.search.distil import MiniLM

    texts = training_sentences(root, sample)
    targets = MiniLM().embed(texts)
    static = StaticEmbedder(TABLE, TOKENIZER, mapped=False).embed(texts)
    matrix = fit(static, targets)
    meta = {
        "recipe": "ridge regression of MiniLM sentence embeddings on static mean vectors",
        "sentences": "WordNet 3.0 glosses and examples (Debian wordnet-base), shuffled",
        "sample": len(texts),
        "seed": SEED,
        "ridge": RIDGE,
        "texts_sha256": texts_digest(texts),
        "shape": list(matrix.shape),
        "map_sha256": hashlib.sha256(matrix.tobytes()).hexdigest(),
    }
    return matrix, meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild and compare, write nothing")
    args = parser.parse_args(argv)
    matrix, meta = build()
    if args.check:
        committed = np.load(MAP, allow_pickle=False)
        same = committed.shape == matrix.shape and bool(np.allclose(committed, matrix, atol=1e-5))
        print("the map matches its rebuild" if same else "the map differs from its rebuild")
        return 0 if same else 1
    np.save(MAP, matrix, allow_pickle=False)
    MAP_META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MAP} {matrix.shape}, sha256 {meta['map_sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
