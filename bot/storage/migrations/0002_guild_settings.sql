-- Per-server settings; a missing row means the default declared in bot/config.py GUILD_DEFAULTS.
-- Values are JSON so one table serves settings of every type.
CREATE TABLE guild_settings (
    guild_id INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, key)
);
