"""The catalogs: complete in every shipped language, placeholders kept, plurals by each language's
rules, and a pseudo-locale proving the bot's answers all go through them."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot import i18n
from bot.plural import count_text
from tests.pseudo import TEMPLATE, english_words

SHIPPED = [language for language in i18n.SHIPPED if language != i18n.DEFAULT]
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)s")


def _catalog(language: str):  # type: ignore[no-untyped-def]
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return read_po(source, locale=language)


def _template_ids() -> set[tuple[str | None, str]]:
    with TEMPLATE.open("rb") as source:
        template = read_po(source)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_of_the_template_has_a_translation(language: str) -> None:
    catalog = _catalog(language)
    translated = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(str(key) for key in _template_ids() - translated)
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:10]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders_of_their_source(language: str) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(_placeholders(s) for s in sources))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # A plural form may leave the number out ("one section"), never add a placeholder.
            found = _placeholders(string)
            if string and (found - wanted or (wanted - found) - {"{n}", "%(num)s"}):
                wrong.append((message.id, string))
    assert not wrong, wrong[:5]


def test_russian_counts_take_the_three_plural_forms() -> None:
    with i18n.language("ru"):
        shown = [count_text(n, "{n} section", "{n} sections") for n in (1, 2, 5, 21, 111)]
    assert shown == ["1 раздел", "2 раздела", "5 разделов", "21 раздел", "111 разделов"]


def test_a_schedule_every_21_days_is_not_every_day_in_russian() -> None:
    """Russian counts 21 with the form of 1: "every day" must be its own sentence."""
    from bot.scheduling.recurrence import build_recurrence

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with i18n.language("ru"):
        shown = [
            build_recurrence("daily", "UTC", now=now, at="18:00", every=n).describe()
            for n in (1, 2, 5, 21)
        ]
        monthly = build_recurrence(
            "monthly_day", "UTC", now=now, at="18:00", day="3", every=21
        ).describe()
    assert shown == [
        "Каждый день в 18:00 (UTC)",
        "Каждые 2 дня в 18:00 (UTC)",
        "Каждые 5 дней в 18:00 (UTC)",
        "Каждый 21 день в 18:00 (UTC)",
    ]
    assert monthly == "Каждый 21 месяц 3-го числа в 18:00 (UTC)"


def test_numbers_follow_the_language() -> None:
    with i18n.language("de"):
        assert i18n.number(12345) == "12.345"
    with i18n.language("en"):
        assert i18n.number(12345) == "12,345"


def test_discord_and_browser_tags_fall_to_a_shipped_language() -> None:
    assert i18n.resolve("es-ES") == "es" and i18n.resolve("es-419") == "es"
    assert i18n.resolve("de") == "de" and i18n.resolve("en-GB") == "en"
    assert i18n.resolve("ja") == "en" and i18n.resolve(None) == "en"


def _every_translation(found: gettext.NullTranslations, catalog: Catalog) -> dict[object, object]:
    """Each message of ``catalog`` as ``found`` translates it (plurals for 1, 2 and 5)."""
    shown: dict[object, object] = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            one, many = m.id[0], m.id[1]
            shown[(m.context, one)] = [
                found.npgettext(m.context, one, many, n)
                if m.context
                else found.ngettext(one, many, n)
                for n in (1, 2, 5)
            ]
        else:
            shown[(m.context, m.id)] = (
                found.pgettext(m.context, m.id) if m.context else found.gettext(m.id)
            )
    return shown


@pytest.mark.parametrize("language", SHIPPED)
def test_a_compiled_catalog_reads_as_its_source_and_gives_way_when_older(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """make compiles each catalog to a .mo beside it; a start reads that instead of compiling.
    It must say exactly what the .po says, and an edited .po must win over the stale .mo."""
    import os
    import subprocess
    import sys

    folder = tmp_path / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = folder / "messages.po"
    source.write_bytes((i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").read_bytes())
    compiled = folder / "messages.mo"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-i", source, "-o", compiled],
        check=True,
        capture_output=True,
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_loaded", {})
    from_mo = _every_translation(i18n.translations(language), _catalog(language))
    monkeypatch.setattr(i18n, "_loaded", {})
    os.utime(compiled, (0, 0))  # the .po is now the newer: it is compiled in memory
    from_po = _every_translation(i18n.translations(language), _catalog(language))
    assert from_mo == from_po
    assert sum(1 for (_, msgid), text in from_po.items() if text != msgid) > 800

    with source.open("rb") as stream:
        edited = read_po(stream, locale=language)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    edited.get("Prompts").string = "FROM THE MO"
    with compiled.open("wb") as stream:
        write_mo(stream, edited)
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.translations(language).gettext("Prompts") == "FROM THE MO"

    edited.get("Prompts").string = "EDITED"
    with source.open("wb") as stream:
        write_po(stream, edited)
    os.utime(compiled, (1, 1))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.translations(language).gettext("Prompts") == "EDITED"


# --- the pseudo-locale ---------------------------------------------------------------------------


def test_the_pseudo_locale_leaves_no_answer_in_plain_english(pseudo_locale: str) -> None:
    from bot.errors import AmbiguousReference, UnknownDocument, UnknownReference
    from bot.meetings.render import voice_duration
    from bot.privacy import forget_summary
    from bot.render import search_page_embed
    from bot.scheduling.recurrence import build_recurrence
    from bot.streaks.render import privacy_text, reminder_text, timezone_text

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with i18n.language(pseudo_locale):
        texts = [
            UnknownReference("zz 9", ["tc:goals:1"]).message,
            AmbiguousReference("tc", ["tc:goals:1", "tc:goals:2"]).message,
            UnknownDocument("zz", ["tc"]).message,
            forget_summary({"reading_log": 3}),
            privacy_text(True),
            privacy_text(False),
            timezone_text(None),
            reminder_text(None, None),
            reminder_text(600, now),
            voice_duration(__import__("datetime").timedelta(minutes=5)),
            build_recurrence(
                "weekly", "Europe/Berlin", now=now, at="18:00", weekdays="mon,fri", every=2
            ).describe(),
            search_page_embed(None, "zzqx", [], 0).title,  # type: ignore[arg-type]
            search_page_embed(None, "zzqx", [], 0).footer,  # type: ignore[arg-type]
        ]
    for text in texts:
        assert not english_words(text), (text, english_words(text))


def test_command_strings_in_the_pseudo_locale_stay_within_discords_limits(
    pseudo_locale: str,
) -> None:
    from discord.app_commands import TranslationContextLocation as Where

    from cogs.translator import CONTEXTS, command_strings, translate_command_text, within_limits

    where_of = {context: where for where, context in CONTEXTS.items()}
    strings = command_strings()
    assert len(strings) > 100
    for context, text in strings:
        where = where_of[context]
        translated = translate_command_text(text, pseudo_locale, where)
        # The translator never hands Discord a string it would refuse...
        assert translated is None or within_limits(translated, where)
        # ...and descriptions, 40% longer, still fit unless the English was already near 100.
        if where in (Where.command_description, Where.parameter_description) and len(text) <= 70:
            assert translated is not None and not english_words(translated), text


@pytest.mark.parametrize("language", SHIPPED)
def test_every_command_string_is_translated_within_discords_limits(language: str) -> None:
    from cogs.translator import CONTEXTS, command_strings, translate_command_text

    where_of = {context: where for where, context in CONTEXTS.items()}
    untranslated = [
        text
        for context, text in command_strings()
        # The translator returns None for a string it drops for breaking a limit, and for one
        # that reads the same in both languages (a language's own name, "…", "cron").
        if translate_command_text(text, language, where_of[context]) is None
        and i18n.translations(language).pgettext(context, text) != text
    ]
    assert not untranslated


def test_the_committed_template_holds_every_message_of_the_code(tmp_path: Path) -> None:
    """A message added to the code, a template or the command tree without running
    bot/locale/update.sh would be shown in English: the template must already hold it."""
    import subprocess
    import sys

    from cogs.translator import command_strings

    fresh = tmp_path / "messages.pot"
    root = i18n.LOCALE_DIR.parent.parent
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
         "-k", "count_text:2,3", "-o", str(fresh), "."],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    with fresh.open("rb") as source:
        extracted = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(source) if m.id
        }
    extracted |= set(command_strings())
    assert extracted - _template_ids() == set()
