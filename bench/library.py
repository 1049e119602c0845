"""Library benchmark: seed loading, reference resolution and autocomplete latency.

Run with ``.venv/bin/python bench/library.py``. Autocomplete is measured the way Discord calls it,
once per keystroke: every prefix of a set of realistic references and words is completed, and
p50/p95/max are printed against the 5 ms budget for p95.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import BadReference  # noqa: E402
from bot.library import load_library  # noqa: E402

TYPED = [
    "tc III 1",
    "anti-ai immediate 2",
    "anti ai labour unions 3",
    "anti-ai:minimal-demands:10",
    "what is to be done",
    "day by day however the machines",
    "note 12",
    "technocomunist prefase",
    "butlerian jihad",
]


def _timed(call: Callable[[str], object], inputs: Sequence[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for text in inputs:
            start = time.perf_counter()
            call(text)
            times.append((time.perf_counter() - start) * 1000)
    return times


def _report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95)]
    print(
        f"{name:<24} n={len(times):<6} p50={statistics.median(times):.3f} ms  "
        f"p95={p95:.3f} ms  max={times[-1]:.3f} ms"
    )


def main() -> int:
    start = time.perf_counter()
    library = load_library(ROOT / "seeds")
    print(f"load_library             {(time.perf_counter() - start) * 1000:.1f} ms")
    prefixes = [text[:n] for text in TYPED for n in range(len(text) + 1)]

    def resolve(text: str) -> object:
        try:
            return library.resolve(text)
        except BadReference as exc:
            return exc

    _report("resolve (per keystroke)", _timed(resolve, prefixes, rounds=5))
    times = _timed(library.complete, prefixes, rounds=5)
    _report("complete (per keystroke)", times)
    p95 = sorted(times)[int(len(times) * 0.95)]
    print(f"complete p95 budget 5 ms: {'met' if p95 <= 5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
