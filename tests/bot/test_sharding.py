from __future__ import annotations

import sqlite3

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.sharding import Shards, shard_of

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789"


def settings(**keys: str) -> Shards | None:
    return load_settings({"DISCORD_TOKEN": TOKEN, **keys}).shards


def test_no_shard_keys_means_discords_recommendation_in_one_process() -> None:
    assert settings() is None


def test_shard_ids_are_sorted_and_counted() -> None:
    shards = settings(SHARD_COUNT="4", SHARD_IDS=" 3, 2")
    assert shards == Shards(4, (2, 3))
    assert shards.label() == "2,3/4"
    assert not shards.every


def test_shard_count_alone_runs_every_shard() -> None:
    shards = settings(SHARD_COUNT="2")
    assert shards == Shards(2, (0, 1)) and shards.every


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "-1"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,4"}, "SHARD_IDS 4 out of range"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "twice"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-1"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,,1"}, "SHARD_IDS"),
        ({"HEARTBEAT_SECONDS": "0.1"}, "HEARTBEAT_SECONDS"),
        ({"HEARTBEAT_SECONDS": "often"}, "HEARTBEAT_SECONDS"),
    ],
)
def test_bad_shard_keys_are_one_line_naming_the_key(keys: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        settings(**keys)
    assert "\n" not in caught.value.message


def test_covers_follows_discords_formula() -> None:
    shards = Shards.of(4, [1, 3])
    guilds = [(n << 22) | 12345 for n in range(40)]
    assert [g for g in guilds if shards.covers(g)] == [g for g in guilds if (g >> 22) % 4 in (1, 3)]
    assert shard_of(guilds[6], 4) == 2


def test_sql_filter_selects_the_same_servers_as_covers() -> None:
    shards = Shards.of(3, [0, 2])
    # Real snowflakes are near 2**60; the filter must agree with Python on such large values.
    guilds = [1_200_000_000_000_000_000 + n * 7_919 * (1 << 22) + n for n in range(60)]
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE t (guild_id INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(g,) for g in guilds])
        where, params = shards.sql()
        found = [row[0] for row in conn.execute(f"SELECT guild_id FROM t WHERE {where}", params)]
    assert sorted(found) == sorted(g for g in guilds if shards.covers(g))
    assert 0 < len(found) < len(guilds)


def test_every_shard_needs_no_filter() -> None:
    assert Shards.of(2).sql() == ("1 = 1", [])


def test_label_round_trips() -> None:
    shards = Shards.of(8, [5, 7])
    assert Shards.parse_label(shards.label()) == shards
