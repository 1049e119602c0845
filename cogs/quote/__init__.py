from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.quote.cog import QuoteCog
    from cogs.quote.views import NavigateButton, ShareButton, SimilarButton

    bot.add_dynamic_items(NavigateButton, ShareButton, SimilarButton)
    await bot.add_cog(QuoteCog(bot))
