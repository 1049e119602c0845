from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


async def setup(bot: ManifestoBot) -> None:
    from cogs.meetings.cog import AttendanceCog, MeetingCog, PresenceCog
    from cogs.meetings.views import HereButton, ReportPageButton

    bot.add_dynamic_items(HereButton, ReportPageButton)
    await bot.add_cog(MeetingCog(bot))
    await bot.add_cog(AttendanceCog(bot))
    await bot.add_cog(PresenceCog(bot))
