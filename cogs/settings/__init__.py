from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.settings.cog import SettingsCog

    await bot.add_cog(SettingsCog(bot))
