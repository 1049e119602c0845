from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.search.cog import SearchCog
    from cogs.search.views import PageButton

    bot.add_dynamic_items(PageButton)
    await bot.add_cog(SearchCog(bot))
