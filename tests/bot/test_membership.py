"""Membership answers are cached at most a minute, so leaving a server closes its pages."""

from __future__ import annotations

from collections.abc import Collection

from bot.membership import NAME_TTL, CachedMembership, MemberAccess, ServerLayout


class Source:
    def __init__(self) -> None:
        self.members = {(1, 10)}
        self.calls = 0
        self.name_calls: list[list[int]] = []

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        return {g: "x" for g in guild_ids}

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return await self.member_access(guild_id, user_id) is not None

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        self.calls += 1
        if (guild_id, user_id) not in self.members:
            return None
        return MemberAccess(frozenset(), False)

    async def server_layout(self, guild_id: int) -> ServerLayout:
        return ServerLayout((), ())

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        self.name_calls.append(list(user_ids))
        return {u: f"name {u}" for u in user_ids if (guild_id, u) in self.members}


async def test_answers_are_cached_for_the_ttl_only() -> None:
    now = [0.0]
    source = Source()
    cached = CachedMembership(source, ttl=60.0, clock=lambda: now[0])
    assert await cached.is_member(1, 10)
    source.members.clear()  # the member leaves
    now[0] = 59.0
    assert await cached.is_member(1, 10)
    assert source.calls == 1
    now[0] = 60.0
    assert not await cached.is_member(1, 10)
    assert source.calls == 2


async def test_cache_is_bounded() -> None:
    source = Source()
    cached = CachedMembership(source, size=2, clock=lambda: 0.0)
    for user in (10, 11, 12):
        await cached.is_member(1, user)
    await cached.is_member(1, 10)  # evicted first, so asked again
    assert source.calls == 4


async def test_names_are_kept_known_or_not_and_only_the_rest_are_asked() -> None:
    now = [0.0]
    source = Source()
    cached = CachedMembership(source, clock=lambda: now[0])
    assert await cached.member_names(1, [10, 11]) == {10: "name 10"}
    assert await cached.member_names(1, [10, 11, 12]) == {10: "name 10"}
    assert source.name_calls == [[10, 11], [12]]  # 11 is known to have no name
    now[0] = NAME_TTL
    await cached.member_names(1, [10])
    assert source.name_calls[-1] == [10]
