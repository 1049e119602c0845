from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.reading.cog import ReadingCog
    from cogs.reading.views import MarkReadButton

    bot.add_dynamic_items(MarkReadButton)
    await bot.add_cog(ReadingCog(bot))
