"""Command names, descriptions, options and choices in each client's language.

discord.py asks the tree's :class:`CommandTranslator` for every string of every command when it
syncs; Discord then shows ``/zitat`` to a German client while ``/quote`` keeps working for everyone.
The strings live in the same catalogs as the bot's answers, each under a context naming what it is
(``command name``, ``option description``…), so a command's name and an answer that happens to use
the same English word can be translated differently.

A translation that breaks Discord's rules (names 1–32 characters, lowercase, no spaces;
descriptions and choice names 1–100) is dropped with a warning rather than failing the sync: that
command simply shows its English text in that language.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot import i18n

log = logging.getLogger(__name__)

CONTEXTS: dict[Where, str] = {
    Where.command_name: "command name",
    Where.command_description: "command description",
    Where.group_name: "command name",
    Where.group_description: "command description",
    Where.parameter_name: "option name",
    Where.parameter_description: "option description",
    Where.choice_name: "choice",
    Where.other: "command",
}
NAME_PATTERN = re.compile(r"^[-_'\w]{1,32}$")
NAMES = frozenset({Where.command_name, Where.group_name, Where.parameter_name})
#: Discord's locales for the shipped languages (Spanish is ``es-ES``; Latin America reads it too).
DISCORD_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
    discord.Locale.german: "de",
    discord.Locale.russian: "ru",
}


def within_limits(text: str, where: Where) -> bool:
    """Whether Discord accepts ``text`` in that place of a command."""
    if where in NAMES:
        return bool(NAME_PATTERN.match(text)) and text == text.lower()
    return 1 <= len(text) <= 100


def translate_command_text(message: str, language: str, where: Where) -> str | None:
    """``message`` in ``language``, or ``None`` where it has no translation or breaks a limit."""
    if language == i18n.DEFAULT:
        return None
    catalog = i18n.translations(language)
    translated = catalog.pgettext(CONTEXTS[where], message)
    if translated == message:
        return None
    if not within_limits(translated, where):
        log.warning(
            "dropping the %s translation of %r: %r breaks Discord's limits",
            language,
            message,
            translated,
        )
        return None
    return translated


class CommandTranslator(app_commands.Translator):
    """Reads command strings from the catalogs; extra languages (tests) map through ``extra``."""

    def __init__(self, extra: dict[discord.Locale, str] | None = None) -> None:
        self.locales = {**DISCORD_LOCALES, **(extra or {})}

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: Any
    ) -> str | None:
        language = self.locales.get(locale)
        if language is None:
            return None
        return translate_command_text(string.message, language, context.location)


def extra_discord_locales() -> dict[discord.Locale, str]:
    """Extra catalogs named after a Discord locale (``fi.po``) answer that locale's clients."""
    found: dict[discord.Locale, str] = {}
    for language in i18n.available():
        if language in i18n.SHIPPED:
            continue
        try:
            found[discord.Locale(language)] = language
        except ValueError:
            log.warning("extra catalog %s is not named after a Discord locale", language)
    return found


def command_strings() -> list[tuple[str, str]]:
    """Every (context, text) of the command tree, for the catalogs: read off the cog classes.

    No bot is started: the commands are class attributes of the cogs, with their parameters,
    descriptions and choices already parsed by discord.py.
    """
    import importlib
    import inspect

    from discord.ext import commands as ext

    from cogs.client import EXTENSIONS

    found: list[tuple[str, str]] = []

    def add(where: Where, text: str) -> None:
        item = (CONTEXTS[where], text)
        if text and item not in found:
            found.append(item)

    def walk(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> None:
        group = isinstance(command, app_commands.Group)
        add(Where.group_name if group else Where.command_name, command.name)
        add(Where.group_description if group else Where.command_description, command.description)
        if isinstance(command, app_commands.Group):
            for child in command.commands:
                walk(child)
            return
        for parameter in command.parameters:
            add(Where.parameter_name, parameter.display_name)
            add(Where.parameter_description, parameter.description)
            for choice in parameter.choices:
                add(Where.choice_name, choice.name)

    for extension in EXTENSIONS:
        for module_name in (extension, f"{extension}.cog"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            loose = getattr(module, "loose_commands", None)
            if callable(loose):
                for command in loose(None):
                    walk(command)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, ext.Cog) and cls.__module__ == module.__name__:
                    for command in cls.__cog_app_commands__:
                        walk(command)
                    group_name = getattr(cls, "__cog_group_name__", None)
                    if cls.__cog_is_app_commands_group__ and group_name:
                        add(Where.group_name, str(group_name))
                        add(Where.group_description, str(cls.__cog_group_description__))
    return found


def main() -> None:
    """Append the command tree's strings to a template extracted by ``pybabel extract``."""
    import sys

    from babel.messages.pofile import read_po, write_po

    path = sys.argv[1]
    with open(path, "rb") as source:
        template = read_po(source)
    for context, text in command_strings():
        template.add(text, context=context, locations=[("cogs (command tree)", 0)])
    with open(path, "wb") as target:
        write_po(target, template, width=100)


if __name__ == "__main__":
    main()
