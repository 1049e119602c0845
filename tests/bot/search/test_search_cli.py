"""``python -m bot search``: the JSON contract maintainers and tests rely on, via a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "ref",
    "document",
    "document_title",
    "section",
    "paragraph",
    "text",
    "score",
    "by_meaning",
    "via_note",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "search", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_json_results_best_first_with_the_documented_keys() -> None:
    done = run("sledgehamer computer", "--limit", "3", "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert 1 <= len(results) <= 3
    assert all(set(item) == KEYS for item in results)
    assert results[0]["ref"] == "anti-ai:to-wage-war-against-ai:4"
    assert "sledgehammer" in results[0]["text"]
    scores = [item["score"] for item in results]
    assert scores == sorted(scores, reverse=True)


def test_document_filter_by_alias() -> None:
    done = run("labour", "--document", "tc", "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results
    assert {item["document"] for item in results} == {"technocommunist"}


def test_empty_query_exits_2_with_a_message() -> None:
    done = run("   ", "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "empty" in done.stderr.lower()
    assert "Traceback" not in done.stderr


def test_unknown_document_exits_2_naming_the_texts() -> None:
    done = run("labour", "--document", "das-kapital", "--json")
    assert done.returncode == 2
    assert "anti-ai" in done.stderr
    assert "Traceback" not in done.stderr
