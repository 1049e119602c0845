"""``python -m bot check`` and ``quote`` run as a maintainer would run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bot.library import Library, passage_payload

REPO_ROOT = Path(__file__).resolve().parents[3]


def _bot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def test_check_lists_every_text(seeds_dir: Path) -> None:
    result = _bot("--seeds", str(seeds_dir), "check")
    assert result.returncode == 0, result.stderr
    assert "ok  anti-ai: 17 sections, 126 paragraphs, 53 notes, vectors current" in result.stdout
    assert (
        "ok  technocommunist: 12 sections, 14 paragraphs, 0 notes, vectors current" in result.stdout
    )


def test_check_fails_on_a_malformed_seed_with_file_and_line(
    tmp_path: Path, seeds_dir: Path, fixtures_dir: Path
) -> None:
    for seed in seeds_dir.glob("*.md"):
        shutil.copy(seed, tmp_path)
    shutil.copy(fixtures_dir / "seeds-broken" / "undefined-note.md", tmp_path)
    result = _bot("--seeds", str(tmp_path), "check")
    assert result.returncode != 0
    broken = tmp_path / "undefined-note.md"
    assert f"{broken}:13: note [^2] is cited but never defined" in result.stderr
    assert "Traceback" not in result.stderr


def test_quote_json_is_the_passage_payload(seeds_dir: Path, library: Library) -> None:
    result = _bot("--seeds", str(seeds_dir), "quote", "TC III 1", "--json")
    assert result.returncode == 0, result.stderr
    expected = passage_payload(library, library.get("technocommunist:goals-of-the-movement:1"))
    assert json.loads(result.stdout) == expected


def test_quote_prints_title_section_text_and_ref(seeds_dir: Path) -> None:
    result = _bot("--seeds", str(seeds_dir), "quote", "anti-ai note 12")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Manifesto of the Anti-AI Movement — Notes")
    assert result.stdout.rstrip().endswith("anti-ai:note:12")


def test_quote_of_an_unknown_reference_exits_2_with_suggestions(seeds_dir: Path) -> None:
    result = _bot("--seeds", str(seeds_dir), "quote", "anti-ai immediate 9")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "anti-ai:immediate-demands:2" in result.stderr
    assert "Traceback" not in result.stderr
