"""The moderator gate: who gets a moderator page, on every request, from the bot's answer."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.storage.guild_settings import set_setting
from tests.web.conftest import (
    ALICE,
    BOB,
    CAROL,
    GUILD_A,
    GUILD_B,
    ROLE_A,
    FakeDiscord,
    FakeMembership,
    sign_in,
)
from web import WebContext

Client = TestClient[web.Request, web.Application]


async def test_signed_out_visitors_are_asked_to_sign_in(client: Client) -> None:
    response = await client.get(f"/mod/{GUILD_A}/prompts")
    assert response.status == 401
    assert "Sign in with Discord" in await response.text()


async def test_a_member_gets_403_and_nothing_of_the_server(
    client: Client, discord: FakeDiscord
) -> None:
    await sign_in(client, discord, CAROL)
    response = await client.get(f"/mod/{GUILD_A}/prompts")
    body = await response.text()
    assert response.status == 403
    assert "For moderators only" in body
    assert "Reading Group" not in body and "New prompt" not in body
    # The member's own server page has no "Moderate" link.
    page = await (await client.get(f"/me/{GUILD_A}")).text()
    assert f"/mod/{GUILD_A}" not in page


async def test_manage_server_or_the_moderator_role_opens_the_pages(
    client: Client, discord: FakeDiscord, members: FakeMembership, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    response = await client.get(f"/mod/{GUILD_A}/prompts")
    assert response.status == 200
    assert "Reading Group" in await response.text()
    page = await (await client.get(f"/me/{GUILD_A}")).text()
    assert f'href="/mod/{GUILD_A}/prompts"' in page

    client.session.cookie_jar.clear()
    await sign_in(client, discord, CAROL)
    members.roles[(GUILD_A, CAROL)] = {ROLE_A}
    assert (await client.get(f"/mod/{GUILD_A}/prompts")).status == 403  # the role is not set yet
    await set_setting(context.db, GUILD_A, "moderator_role_id", ROLE_A)
    assert (await client.get(f"/mod/{GUILD_A}/prompts")).status == 200


async def test_another_server_or_an_unknown_one_is_not_found(
    client: Client, discord: FakeDiscord
) -> None:
    await sign_in(client, discord, ALICE)
    for guild in (GUILD_B, 999, 12345):
        response = await client.get(f"/mod/{guild}/prompts")
        body = await response.text()
        assert response.status == 404, guild
        assert "Other Group" not in body


async def test_losing_manage_server_closes_the_pages_once_the_cache_expires(
    client: Client, discord: FakeDiscord, members: FakeMembership
) -> None:
    """The gate asks on every request (the test app has no cache): no answer is kept in the
    cookie, so a moderator who lost the right is refused on their next page."""
    await sign_in(client, discord, BOB)
    assert (await client.get(f"/mod/{GUILD_B}/prompts")).status == 200
    members.managers.discard((GUILD_B, BOB))
    assert (await client.get(f"/mod/{GUILD_B}/prompts")).status == 403
