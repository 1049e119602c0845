from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.prompts.cog import PromptCog
    from cogs.prompts.views import ListPageButton, MarkReadButton, RemoveButton

    bot.add_dynamic_items(MarkReadButton, ListPageButton, RemoveButton)
    await bot.add_cog(PromptCog(bot))
