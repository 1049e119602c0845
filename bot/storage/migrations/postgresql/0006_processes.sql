-- PostgreSQL spelling of 0006: every integer BIGINT, like every other table here (the schema test
-- holds both sets to the same columns).

CREATE TABLE bot_processes (
    instance     TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    host         TEXT    NOT NULL,
    pid          BIGINT  NOT NULL,
    shards       TEXT    NOT NULL,
    started_at   BIGINT  NOT NULL,
    beat_at      BIGINT  NOT NULL,
    interval_ms  BIGINT  NOT NULL,
    ready        BIGINT  NOT NULL DEFAULT 0,
    latencies    TEXT    NOT NULL DEFAULT '{}',
    lag_ms       BIGINT
);

ALTER TABLE prompt_runs ADD COLUMN owner TEXT;
CREATE INDEX prompt_runs_owner ON prompt_runs (owner, status);

CREATE TABLE gateway_identify (
    bucket  BIGINT  PRIMARY KEY,
    next_at BIGINT  NOT NULL
);
