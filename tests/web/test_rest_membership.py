"""The web-only process's membership source against the emulated Discord REST API: the member's
roles, Manage Server computed from the server's roles and owner, and the server's channels."""

from __future__ import annotations

from bot.config import Secret
from bot.membership import RestMembership
from tests.emulator import Emulator


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

            nicknamed = guild.add_member("dora", nick="Dora the Reader")
            named = await source.member_names(guild.id, [member.id, nicknamed.id, stranger.id])
            # The nickname, else the display name; someone not in the server is left out (by id).
            assert named == {member.id: "Alice", nicknamed.id: "Dora the Reader"}
        finally:
            await source.close()
