"""Domain errors, each carrying the sentence a user should read.

Keeping them in one module lets a single error handler in the Discord layer (and the command-line
interface) turn any of them into a clear answer without knowing where it was raised.
"""

from __future__ import annotations

from collections.abc import Sequence


class BotError(Exception):
    """An error whose message is safe and useful to show to the person who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BotError):
    """Start-up configuration is missing or malformed; the operator must fix ``.env``."""


class SeedError(BotError):
    """A seed text is malformed; ``location`` is ``file:line`` so the author can find it."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.location = location
        self.problem = problem


class MigrationError(BotError):
    """A schema migration failed; the database was left as it was before it."""


class EmptyQuery(BotError):
    """A search or reference with nothing to look for."""

    def __init__(self, message: str = "Type a few words to search for.") -> None:
        super().__init__(message)


class UnknownDocument(BotError):
    """A document slug that is not in the library."""

    def __init__(self, slug: str, known: Sequence[str]) -> None:
        super().__init__(f"There is no text called “{slug}”. Try one of: {', '.join(known)}.")
        self.slug = slug
        self.known = tuple(known)


class BadReference(BotError):
    """Base of reference failures; ``candidates`` are the closest references, best first."""

    def __init__(self, message: str, candidates: Sequence[str]) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


class UnknownReference(BadReference):
    """A reference that matches no passage."""

    def __init__(self, query: str, candidates: Sequence[str]) -> None:
        hint = f" Did you mean {', '.join(f'`{c}`' for c in candidates[:5])}?" if candidates else ""
        super().__init__(f"No passage matches “{query}”.{hint}", candidates)
        self.query = query


class AmbiguousReference(BadReference):
    """A reference that matches several passages equally well."""

    def __init__(self, query: str, candidates: Sequence[str]) -> None:
        listed = ", ".join(f"`{c}`" for c in candidates[:5])
        super().__init__(
            f"“{query}” could mean several passages: {listed}. Be more specific.", candidates
        )
        self.query = query
