from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.me.cog import MeCog
    from cogs.me.views import ForgetButton, KeepButton

    bot.add_dynamic_items(ForgetButton, KeepButton)
    await bot.add_cog(MeCog(bot))
