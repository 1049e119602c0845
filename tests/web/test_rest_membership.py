"""The web-only process's membership source against the emulated Discord REST API: the member's
roles, Manage Server computed from the server's roles and owner, and the server's channels."""

from __future__ import annotations

from bot.config import Secret
from bot.membership import RestMembership
from bot.permissions import missing_to_post
from tests.emulator import Emulator, Permission


async def test_roles_manage_server_and_the_servers_channels_come_from_rest() -> None:
    async with Emulator(bot_name="Manifesto Bot") as discord:
        guild = discord.create_guild("Reading Group", text_channels=("general", "reading"))
        readers = guild.add_role("Readers")
        member = guild.add_member("alice", roles=[readers])
        moderator = guild.add_member("mod", roles=[guild.role("Moderator")])
        admin = guild.add_member("root", permissions=1 << 3)
        stranger = discord.create_guild("Elsewhere").add_member("carol")
        source = RestMembership(discord.api_base, Secret(discord.token))
        try:
            access = await source.member_access(guild.id, member.id)
            assert access is not None and access.role_ids == {readers.id}
            assert not access.manages_server
            for manager in (moderator.id, admin.id, guild.owner_id):
                found = await source.member_access(guild.id, manager)
                assert found is not None and found.manages_server, manager
            assert await source.member_access(guild.id, stranger.id) is None
            assert await source.member_access(guild.id + 999, member.id) is None
            assert await source.is_member(guild.id, member.id)

            layout = await source.server_layout(guild.id)
            assert [c.name for c in layout.channels] == ["general", "reading"]
            names = [r.name for r in layout.roles]
            assert "Readers" in names and "Moderator" in names and "@everyone" not in names

            # The bot's own permissions per channel, as Discord computes them with overwrites.
            general, reading = (guild.channel(n) for n in ("general", "reading"))
            hidden = guild.add_text_channel("hidden")
            guild.set_overwrite(reading, guild.bot_role, deny=Permission.SEND_MESSAGES)
            guild.set_overwrite(hidden, guild.everyone, deny=Permission.VIEW_CHANNEL)
            opened = guild.add_text_channel("opened")
            guild.set_overwrite(opened, guild.everyone, deny=Permission.VIEW_CHANNEL)
            guild.set_overwrite(opened, guild.bot_role, allow=Permission.VIEW_CHANNEL)
            await source.close()
            source = RestMembership(discord.api_base, Secret(discord.token))  # a fresh cache
            known = (await source.server_layout(guild.id)).bot_permissions
            assert known is not None
            bot = discord.bot_user.id
            for channel in (general, reading, hidden, opened):
                for threads in (False, True):
                    expected = missing_to_post(guild.permissions_in(bot, channel), threads=threads)
                    got = missing_to_post(known[channel.id], threads=threads)
                    assert got == expected, channel.name
            assert missing_to_post(known[reading.id], threads=False) == [
                "Send Messages",
                "Embed Links",
            ]
            assert missing_to_post(known[general.id], threads=True) == []
            assert "View Channel" in missing_to_post(known[hidden.id], threads=False)

            nicknamed = guild.add_member("dora", nick="Dora the Reader")
            named = await source.member_names(guild.id, [member.id, nicknamed.id, stranger.id])
            # The nickname, else the display name; someone not in the server is left out (by id).
            assert named == {member.id: "Alice", nicknamed.id: "Dora the Reader"}
        finally:
            await source.close()
