from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.streaks.cog import StreaksCog, add_me_commands
    from cogs.streaks.views import BoardPageButton

    bot.add_dynamic_items(BoardPageButton)
    await bot.add_cog(StreaksCog(bot))
    add_me_commands(bot)
