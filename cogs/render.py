"""Copying the core's :class:`bot.render.EmbedSpec` into discord.py objects."""

from __future__ import annotations

import discord

from bot.render import EmbedSpec


def to_embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(
        title=spec.title or None,
        description=spec.description or None,
        colour=discord.Colour(spec.colour),
        url=spec.url or None,
    )
    if spec.author:
        embed.set_author(name=spec.author)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    for field in spec.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    return embed
