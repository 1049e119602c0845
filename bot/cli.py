"""The command-line interface: ``python -m bot run|search|quote|check|backup|migrate|status``.

Maintainers and tests use the same commands as the bot does, so a search result seen in Discord can
be reproduced in a terminal with ``python -m bot search ... --json``. Errors the user can fix exit
with code 2 and one line on stderr; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import DEFAULTS, configure_logging, load_settings
from bot.errors import BotError, ConfigError, EmptyQuery

if TYPE_CHECKING:
    from bot.search.vectors import SentenceModel

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="folder of seed texts (default: SEEDS_DIR or seeds/)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start the Discord bot (and the web app when WEB_BASE_URL is set)")
    sub.add_parser("web", help="serve the web app alone (WEB_BASE_URL), beside bot processes")

    search = sub.add_parser("search", help="search the texts")
    search.add_argument("query")
    search.add_argument("--document", help="only this text (slug)")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print a JSON array")

    quote = sub.add_parser("quote", help="print one passage by reference")
    quote.add_argument("ref")
    quote.add_argument("--json", action="store_true")

    sub.add_parser("check", help="validate every seed text")

    status = sub.add_parser(
        "status", help="each bot process's shards, latency, heartbeat and scheduler lag"
    )
    status.add_argument("--json", action="store_true", help="print JSON for a supervisor")
    status.add_argument(
        "--name",
        help="only this PROCESS_NAME (a per-process health check): healthy if it beats",
    )

    migrate = sub.add_parser(
        "migrate", help="copy the SQLite database into PostgreSQL, verified (safe to run again)"
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="postgresql://user:pw@host/db")
    migrate.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite file to copy (default: the configured DATABASE_URL or DATABASE_PATH)",
    )

    backup = sub.add_parser("backup", help="copy the live database safely (the bot may be running)")
    backup.add_argument("path", type=Path, help="new file to write the copy to")
    return parser


def _seeds_dir(args: argparse.Namespace) -> Path:
    if args.seeds is not None:
        return Path(args.seeds)
    import os

    return Path(os.environ.get("SEEDS_DIR") or DEFAULTS["SEEDS_DIR"])


def _cmd_search(args: argparse.Namespace) -> int:
    from bot.library import load_library, passage_payload
    from bot.search import SearchEngine, result_mark

    if not args.query.strip():
        raise EmptyQuery("The query is empty: give a few words to search for.")
    if args.limit < 1:
        raise BotError("--limit must be at least 1.")
    library = load_library(_seeds_dir(args))
    engine = SearchEngine.build(library)
    hits = engine.search(args.query, document=args.document, limit=args.limit)
    if args.json:
        payload = [
            {
                **passage_payload(library, hit.passage),
                "score": hit.score,
                "by_meaning": hit.by_meaning,
                "via_note": hit.via_note,
            }
            for hit in hits
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif not hits:
        suggestions = engine.suggest(args.query)
        hint = f" Closest terms: {', '.join(suggestions)}." if suggestions else ""
        print(f"No results.{hint}")
    else:
        for hit in hits:
            item = passage_payload(library, hit.passage)
            text = str(item["text"])[:200]
            mark = result_mark(hit)
            how = f", {mark}" if mark else ""
            print(f"[{item['ref']}] {item['section']} ({hit.score:.3f}{how})\n  {text}\n")
    return 0


def _cmd_quote(args: argparse.Namespace) -> int:
    from bot.library import load_library, passage_payload

    library = load_library(_seeds_dir(args))
    passage = library.resolve(args.ref)
    item = passage_payload(library, passage)
    if args.json:
        print(json.dumps(item, ensure_ascii=False, indent=2))
    else:
        print(f"{item['document_title']} — {item['section']}\n\n{item['text']}\n\n{item['ref']}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.library import load_library
    from bot.search.vectors import document_vectors, embedded_ahead

    library = load_library(_seeds_dir(args))
    model = None
    for document in library.documents.values():
        paragraphs = sum(1 for _ in document.paragraphs())
        sections = sum(1 for _ in document.walk())
        # A new or edited text is embedded for search by meaning now, not at the bot's start:
        # by the transformer when its files are installed, else by the table alone.
        if not embedded_ahead(document) and model is None:
            model = _sentence_model()
        found = document_vectors(document, model=model)
        if not found.embedded:
            vectors = "vectors current"
        elif found.ahead:
            vectors = "vectors embedded by the model"
        else:
            vectors = "vectors embedded by the table (install the model to embed them ahead)"
        print(
            f"ok  {document.slug}: {_english(sections, 'section')}, "
            f"{_english(paragraphs, 'paragraph')}, "
            f"{_english(len(document.footnotes), 'note')}, {vectors}"
        )
    return 0


def _sentence_model() -> SentenceModel | None:
    """The transformer when the development dependency that carries it is installed."""
    try:
        from bot.search.distil import MiniLM, ModelFilesError

        return MiniLM()
    except (ImportError, ModelFilesError):
        return None


def _cmd_backup(args: argparse.Namespace) -> int:
    import asyncio
    import os
    import sqlite3
    from contextlib import closing

    from bot.storage.database import Database, parse_database_url

    settings = load_settings(require_token=False)
    if parse_database_url(settings.database_url.get_secret_value())[0] != "sqlite":
        raise BotError("backup copies a SQLite database; back up PostgreSQL with pg_dump.")
    source = settings.database_path
    target: Path = args.path
    if not source.is_file():
        raise BotError(f"There is no database at {source} (DATABASE_PATH) to back up.")
    if target.exists():
        raise BotError(f"{target} already exists: give a new file name, no backup is overwritten.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an interrupted earlier run

    async def copy() -> None:
        # No migrations: a backup must not change the schema under a running (maybe older) bot.
        db = await Database.open(source, migrations=[])
        try:
            await db.backup(partial)
        finally:
            await db.close()

    asyncio.run(copy())
    with closing(sqlite3.connect(partial)) as check:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        partial.unlink()
        raise BotError(f"The copy failed SQLite's integrity check ({verdict}); nothing was kept.")
    os.replace(partial, target)  # a half-written file never carries the final name
    print(f"backed up {source} to {target} ({target.stat().st_size} bytes)")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 when every process beats and every shard is served, 1 otherwise (for supervisors)."""
    import asyncio
    import time

    from bot.health import status_report
    from bot.storage import processes
    from bot.storage.database import Database, parse_database_url

    settings = load_settings(require_token=False)
    url = settings.database_url.get_secret_value()
    dialect, where = parse_database_url(url)
    if dialect == "sqlite" and not Path(where).is_file():
        raise BotError(f"There is no database at {where} (DATABASE_URL): the bot never ran.")

    async def read() -> list[processes.ProcessRow]:
        # No migrations: status must not change the schema under running processes.
        db = await Database.open(url, migrations=[])
        try:
            return await processes.list_processes(db)
        except Exception as exc:
            raise BotError(
                "The database has no heartbeat table yet: start the bot once to migrate it."
            ) from exc
        finally:
            await db.close()

    rows = asyncio.run(read())
    now_ms = int(time.time() * 1000)
    if args.name is not None:
        rows = [row for row in rows if row.name == args.name]
    report = status_report(rows, now_ms, whole_bot=args.name is None)
    if args.json:
        payload = {
            "healthy": report.healthy,
            "problems": report.problems,
            "processes": [
                {
                    "name": row.name,
                    "instance": row.instance,
                    "host": row.host,
                    "pid": row.pid,
                    "shards": row.shards,
                    "ready": row.ready,
                    "latency_ms": row.latencies,
                    "last_heartbeat_ms_ago": now_ms - row.beat_at,
                    "scheduler_lag_ms": row.lag_ms,
                    "stale": row.stale(now_ms),
                }
                for row in rows
            ],
        }
        print(json.dumps(payload, indent=2))
    else:
        print("\n".join(report.lines))
        for problem in report.problems:
            print(f"problem: {problem}")
    return 0 if report.healthy else 1


def _cmd_migrate(args: argparse.Namespace) -> int:
    """Copy the bot's SQLite database into PostgreSQL; stop the bot first."""
    import asyncio

    from bot.storage.database import parse_database_url
    from bot.storage.transfer import copy_to_postgresql

    source: Path | None = args.source
    if source is None:
        settings = load_settings(require_token=False)
        if parse_database_url(settings.database_url.get_secret_value())[0] != "sqlite":
            raise BotError("DATABASE_URL is not SQLite: give the SQLite file to copy with --from.")
        source = settings.database_path
    report = asyncio.run(copy_to_postgresql(source, args.to))
    for table in report.tables:
        verb = "copied" if table.copied else "present"
        print(f"{verb:<8} {table.table:<28} {table.rows:>9} rows  sha256 {table.checksum[:16]}")
    if report.already_there:
        print(f"{report.target} already holds this database: verified, nothing copied.")
    else:
        print(
            f"copied {_english(report.rows, 'row')} from {source} to {report.target}: "
            "row counts and "
            "checksums verified. Set DATABASE_URL to the PostgreSQL URL and start the bot."
        )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    # Imported by name so that the core never imports discord itself: start-up hands the validated
    # settings to the Discord layer, which owns the connection.
    runner = importlib.import_module("cogs.client")
    result: int = runner.run(settings)
    return result


def _cmd_web(args: argparse.Namespace) -> int:
    import asyncio

    settings = load_settings()
    if settings.web is None:
        raise ConfigError("WEB_BASE_URL is not set: the web app needs it (see docs/web.md).")
    configure_logging(settings.log_level)
    # Imported by name, like the bot: the core knows nothing of the web framework.
    server = importlib.import_module("web.server")
    result: int = asyncio.run(server.serve_alone(settings))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "run": _cmd_run,
        "web": _cmd_web,
        "search": _cmd_search,
        "quote": _cmd_quote,
        "check": _cmd_check,
        "backup": _cmd_backup,
        "migrate": _cmd_migrate,
        "status": _cmd_status,
    }
    try:
        return commands[args.command](args)
    except ConfigError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except BotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if args.command != "check" else 1


def _english(n: int, word: str) -> str:
    """The operator's terminal speaks English: ``1 row``, ``2 rows`` (no catalog involved)."""
    return f"{n} {word}" + ("" if n == 1 else "s")
