"""Domain errors, each carrying the sentence a user should read.

Keeping them in one module lets a single error handler in the Discord layer (and the command-line
interface) turn any of them into a clear answer without knowing where it was raised.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import _


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

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Type a few words to search for."))


class UnknownDocument(BotError):
    """A document slug that is not in the library."""

    def __init__(self, slug: str, known: Sequence[str]) -> None:
        super().__init__(
            _("There is no text called “{slug}”. Try one of: {known}.").format(
                slug=slug, known=", ".join(known)
            )
        )
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
        if candidates:
            listed = ", ".join(f"`{c}`" for c in candidates[:5])
            message = _("No passage matches “{query}”. Did you mean {listed}?").format(
                query=query, listed=listed
            )
        else:
            message = _("No passage matches “{query}”.").format(query=query)
        super().__init__(message, candidates)
        self.query = query


class AmbiguousReference(BadReference):
    """A reference that matches several passages equally well."""

    def __init__(self, query: str, candidates: Sequence[str]) -> None:
        listed = ", ".join(f"`{c}`" for c in candidates[:5])
        super().__init__(
            _("“{query}” could mean several passages: {listed}. Be more specific.").format(
                query=query, listed=listed
            ),
            candidates,
        )
        self.query = query
