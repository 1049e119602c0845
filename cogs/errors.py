"""One place that turns any failure into a one-sentence, ephemeral answer.

Domain errors (:class:`bot.errors.BotError`) carry their own user sentence; check failures get a
sentence saying why; anything else is a bug, so the user gets an apology and the log gets the
traceback with the interaction id to find it by.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import i18n
from bot.errors import BotError
from bot.i18n import N_, _
from bot.plural import count_text

log = logging.getLogger(__name__)

GENERIC_FAILURE = N_("Something went wrong on our side; it has been logged. Please try again.")
DISCORD_FAILURE = N_("Discord had a problem taking my answer just now. Please try again.")


def user_message(error: BaseException) -> str | None:
    """The sentence for an expected error, or ``None`` for a bug."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        original = (
            error.__cause__ if isinstance(error, app_commands.TransformerError) else error.original
        )
        if isinstance(original, BotError):
            return original.message
    if isinstance(error, BotError):
        return error.message
    if isinstance(error, discord.DiscordServerError):
        return _(DISCORD_FAILURE)
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingRole):
        return _("This command is for moderators (Manage Server or the server's moderator role).")
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("This command works in a server, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        seconds = max(1, round(error.retry_after))
        return count_text(
            seconds, "Slow down: try again in {n} second.", "Slow down: try again in {n} seconds."
        )
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or _("You cannot use this command here.")
    return None


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer ephemerally, whether or not the interaction was already acknowledged."""
    message = user_message(error)
    if message is None:
        log.error(
            "interaction %s (%s) failed",
            interaction.id,
            interaction.command.qualified_name if interaction.command else interaction.type.name,
            exc_info=error,
        )
        message = _(GENERIC_FAILURE)
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
        elif interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell interaction %s about its error", interaction.id, exc_info=True)


class ErrorReportingTree(app_commands.CommandTree[discord.Client]):
    """The command tree whose failures all go through :func:`answer_error`.

    Its check runs first in the task that runs the command, so setting the language there makes
    the command, its autocomplete and its error all answer in the user's own language.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        i18n.set_language(interaction.locale.value)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await answer_error(interaction, error)
