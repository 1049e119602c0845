-- PostgreSQL spelling of 0002: Discord ids are BIGINT (INTEGER is 32-bit here).
CREATE TABLE guild_settings (
    guild_id BIGINT NOT NULL,
    key      TEXT   NOT NULL,
    value    TEXT   NOT NULL,
    PRIMARY KEY (guild_id, key)
);
