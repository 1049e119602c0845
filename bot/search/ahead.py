"""Embed the seeds' passages ahead of time with the transformer itself, and check them.

The bot embeds queries with the static table (fast, small); passages are embedded once here by
all-MiniLM-L6-v2 (:class:`bot.search.distil.MiniLM`, the development dependency's files checked
against the upstream digests), blended with the table's (:data:`bot.search.vectors.PASSAGE_BLEND`)
and kept in ``seeds/vectors/<slug>.npz``, keyed by a hash of each text and of the models::

    python -m bot.search.ahead            # embeds the seeds whose kept vectors are not current
    python -m bot.search.ahead --check    # recomputes and compares, writes nothing

``python -m bot check`` does the same for a new or edited text when the model is installed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np

from bot.library import load_library
from bot.search.distil import MiniLM
from bot.search.vectors import (
    DocumentVectors,
    cache_key,
    cache_path,
    default_embedder,
    document_vectors,
    embed_document,
    read_kept,
)

SEEDS: Final = Path(__file__).resolve().parents[2] / "seeds"


def same_vectors(kept: DocumentVectors, fresh: DocumentVectors) -> bool:
    """Whether two embeddings of a text agree, to their float16 and int8 rounding."""
    if not all(
        np.allclose(getattr(kept, name), getattr(fresh, name), atol=2e-3)
        for name in ("passages", "sections", "sentences")
    ):
        return False
    for name in ("tokens", "headings"):
        a, b = getattr(kept, name), getattr(fresh, name)
        if a.rows.shape != b.rows.shape or not np.array_equal(a.owners, b.owners):
            return False
        # Two nearly equal rows may round one int8 step apart in a coordinate.
        difference = np.abs(a.rows * a.scales[:, None] - b.rows * b.scales[:, None])
        if (difference > 1.5 * np.maximum(a.scales, b.scales)[:, None]).any():
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Embed the seeds' passages ahead with the transformer (``python -m bot.search.vectors``),
    or check that the kept vectors are what the transformer makes of the seeds (``--check``)."""
    parser = argparse.ArgumentParser(
        description="Embed the seeds' passages ahead with the transformer."
    )
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--check", action="store_true", help="recompute and compare, write nothing")
    args = parser.parse_args(argv)
    model = MiniLM()
    same = True
    for document in load_library(args.seeds).documents.values():
        if args.check:
            path = cache_path(document)
            key = cache_key(document, default_embedder(), ahead=True)
            kept = read_kept(path, {key: True}) if path is not None and path.is_file() else None
            fresh = embed_document(document, default_embedder(), model)
            matches = kept is not None and same_vectors(kept, fresh)
            same = same and matches
            print(f"{document.slug}: {'matches' if matches else 'differs from'} its rebuild")
        else:
            vectors = document_vectors(document, model=model)
            state = "embedded" if vectors.embedded else "already current"
            print(f"{document.slug}: {len(vectors.passages)} passages {state}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
