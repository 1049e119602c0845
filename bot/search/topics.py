"""The curated topic index: what each section is about, in plain words, kept beside the seeds.

Paraphrases share few words with the passage they mean ("robots should do the drudgery" for
"machines work and humans create"), so each section may carry a short list of topic phrases, as a
book's index would, describing its ideas generally and in the words readers use. The index lives in
``seeds/index/<document-slug>.toml``, one table per section slug::

    [labor-unions]
    topics = ["trade unions and organising at work", "strikes", ...]

A section slug that does not exist is an error with its file and key, so the index cannot silently
drift from the text when headings change.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.errors import SeedError
from bot.library.model import Document

INDEX_DIR = "index"


def topics_path(document: Document) -> Path | None:
    """Where the topic index of ``document`` lives, or ``None`` for a text without a seed file."""
    if document.source is None:
        return None
    return Path(document.source).parent / INDEX_DIR / f"{document.slug}.toml"


def load_topics(document: Document) -> dict[str, tuple[str, ...]]:
    """The topic phrases of each section of ``document`` (empty when it has no index file)."""
    path = topics_path(document)
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(str(path), f"cannot read the topic index: {exc}") from exc
    sections = {section.slug for section in document.walk()}
    topics: dict[str, tuple[str, ...]] = {}
    for key, table in data.items():
        if key not in sections:
            raise SeedError(f"{path}:[{key}]", f"no section “{key}” in {document.slug}")
        phrases = table.get("topics") if isinstance(table, dict) else None
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise SeedError(f"{path}:[{key}]", 'expected topics = ["phrase", ...]')
        topics[key] = tuple(phrases)
    return topics
