"""The language everything the bot says is written in, chosen per interaction, page or post.

Messages live in gettext catalogs (``bot/locale/<language>/LC_MESSAGES/messages.po``). ``make``
compiles each to a ``messages.mo`` beside it, which is read when it is at least as new as its
source; otherwise (a fresh clone run without make, a catalog edited since) Babel compiles the
``.po`` in memory the first time the language is asked for. So there is no required build step,
and a process start does not pay for compiling three catalogs (about a tenth of a second) when
make has done it once. The language itself is a context variable set by the
surface (a cog for an interaction, the web app for a page, the scheduler for a post), so the rules
in ``bot/`` translate their sentences without knowing who asked or importing ``discord``.

Discord's timestamps (``<t:…>``) are left as they are: each client renders them in its own
language and zone.
"""

from __future__ import annotations

import contextvars
import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
DEFAULT = "en"
#: The languages shipped complete, by their catalog name.
SHIPPED: tuple[str, ...] = ("en", "es", "de", "ru")
#: Names for the web page's switcher, each in its own language.
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "de": "Deutsch",
    "ru": "Русский",
}
#: Extra catalogs (``<name>.po`` files) to load beside the shipped ones: a test's pseudo-locale.
EXTRA_ENV = "BOT_EXTRA_CATALOGS"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)
_loaded: dict[str, gettext.NullTranslations] = {}


def _po_path(language: str) -> Path | None:
    shipped = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if shipped.is_file():
        return shipped
    extra = os.environ.get(EXTRA_ENV)
    if extra:
        candidate = Path(extra) / f"{language}.po"
        if candidate.is_file():
            return candidate
    return None


def available() -> tuple[str, ...]:
    """Every language with a catalog: the shipped ones and any extra one a test added."""
    names = list(SHIPPED)
    extra = os.environ.get(EXTRA_ENV)
    if extra and Path(extra).is_dir():
        names += sorted(p.stem for p in Path(extra).glob("*.po") if p.stem not in names)
    return tuple(names)


def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English, the source, has no catalog to apply)."""
    found = _loaded.get(language)
    if found is not None:
        return found
    path = _po_path(language) if language != DEFAULT else None
    compiled = None if path is None else path.with_suffix(".mo")
    if path is None:
        found = gettext.NullTranslations()
    elif compiled is not None and _is_current(compiled, path):
        with compiled.open("rb") as source:
            found = gettext.GNUTranslations(source)
    else:
        with path.open("rb") as source:
            catalog = read_po(source, locale=_babel_name(language))
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        found = gettext.GNUTranslations(buffer)
    _loaded[language] = found
    return found


def _is_current(compiled: Path, source: Path) -> bool:
    try:
        return compiled.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def _babel_name(language: str) -> str:
    try:
        Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return DEFAULT
    return language.replace("-", "_")


def resolve(tag: str | None) -> str:
    """The catalog for a Discord locale or a browser's language tag (``es-ES``, ``de``, ``ru``).

    Any variant of a shipped language falls to it (``es-419`` is Spanish, ``en-GB`` English);
    anything else falls back to English.
    """
    if not tag:
        return DEFAULT
    tag = str(tag).strip().replace("_", "-")
    names = available()
    if tag in names:
        return tag
    base = tag.split("-", 1)[0].lower()
    return base if base in names else DEFAULT


def current() -> str:
    """The language of whatever is being answered now."""
    return _current.get()


def set_language(language: str) -> contextvars.Token[str]:
    """Speak ``language`` (a catalog name or any tag :func:`resolve` understands) from now on."""
    return _current.set(resolve(language))


@contextmanager
def language(tag: str | None) -> Iterator[str]:
    """Speak ``tag``'s language inside the block: a post, a DM, a page."""
    token = _current.set(resolve(tag))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs where it is defined; it is translated where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` things, by the current language's plural rule."""
    return translations(_current.get()).ngettext(singular, plural, n)


def babel_locale() -> Locale:
    """Babel's locale for the current language, for numbers, dates and weekday names."""
    language = _current.get()
    try:
        return Locale.parse(_babel_name(language))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT)


def number(n: int | float) -> str:
    """``n`` written the current language's way (``1,234`` / ``1.234`` / ``1 234``)."""
    return format_decimal(n, locale=babel_locale())


def day(value: date | datetime) -> str:
    """A calendar date in the current language, medium length (``Mar 4, 2026`` / ``4 mars``)."""
    from babel.dates import format_date

    return format_date(value, format="medium", locale=babel_locale())


def percent(fraction: float) -> str:
    """A share as the current language writes it (``42%`` / ``42 %``)."""
    from babel.numbers import format_percent

    return format_percent(fraction, locale=babel_locale())


def moment(value: datetime) -> str:
    """A wall-clock time with its short weekday and date, in the current language's order
    (``Wed, Mar 4, 2026, 18:00`` / ``Mi., 4. März 2026, 18:00``): 24-hour, as a schedule reads."""
    from babel.dates import format_skeleton, format_time

    locale = babel_locale()
    on = format_skeleton("yMMMEd", value, locale=locale)
    at = format_time(value, "HH:mm", locale=locale)
    pattern = str(locale.datetime_formats.get("medium", "{1} {0}"))
    return pattern.replace("{1}", on).replace("{0}", at).replace("'", "")


def month(value: date | datetime) -> str:
    """A month and its year as a calendar heading (``March 2026`` / ``март 2026 г.``)."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", value, locale=babel_locale())
