"""Each seed holds the published text's words, in order: conversion added markup, never words.

Markdown syntax is taken off both sides the same way (heading hashes, quote markers, emphasis; the
seed's ``[^12]`` is the original's ``[12]`` and its ``[^12]:`` the original's ``12.``), and the
image captions the original carries in place of pictures are dropped.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
import yaml

ORIGINALS = {
    "anti-ai.md": "anti-ai-manifesto.txt",
    "technocommunist.md": "technocommunist-manifesto.txt",
}
CAPTIONS = {"Logo", "Banner"}


def _words(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"^\s{0,3}\[\^([^\]\s]+)\]:", r"\1.", line)
        line = re.sub(r"\[\^([^\]\s]+)\]", r"[\1]", line)
        lines.append(line.replace("*", ""))
    return "\n".join(lines).split()


def _seed_words(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    title = yaml.safe_load(front)["title"]
    return _words(title) + _words(body)


def _original_words(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return _words("\n".join(line for line in lines if line.strip() not in CAPTIONS))


@pytest.mark.parametrize("seed", sorted(ORIGINALS))
def test_seed_keeps_every_word_of_the_original_in_order(
    seed: str, seeds_dir: Path, shared_seeds: Path
) -> None:
    if not shared_seeds.is_dir():
        pytest.skip(f"the published texts are not beside the repository ({shared_seeds})")
    ours = _seed_words(seeds_dir / seed)
    theirs = _original_words(shared_seeds / ORIGINALS[seed])
    if ours != theirs:
        matcher = difflib.SequenceMatcher(a=theirs, b=ours, autojunk=False)
        changes = [
            f"{tag}: original {' '.join(theirs[i1:i2])!r} -> seed {' '.join(ours[j1:j2])!r}"
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"
        ]
        pytest.fail(f"{seed} differs from the original:\n" + "\n".join(changes[:10]))
    assert len(ours) > 1000


def test_every_seed_has_its_original(seeds_dir: Path) -> None:
    assert sorted(p.name for p in seeds_dir.glob("*.md")) == sorted(ORIGINALS)
