"""Entry point for ``python -m bot``."""

import os

# One BLAS thread: searches run their small matrix products from several threads at once (each
# /search in a thread of its own), and OpenBLAS's own threads, spinning beside them, more than
# doubled the CPU a search costs (7.5 against 3.3 ms a query, bench/search_results.txt) for no
# gain in time. Set before numpy is imported; an operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bot.cli import main

raise SystemExit(main())
