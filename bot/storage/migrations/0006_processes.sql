-- Several bot processes over one database (issue 8): each records its health, owns the prompt
-- runs it claimed, and paces its gateway IDENTIFYs with the others. Times are unix milliseconds.

-- One row per running process, rewritten every HEARTBEAT_SECONDS; removed on a clean stop. A row
-- whose beat is older than three intervals belongs to a process that died or hangs.
CREATE TABLE bot_processes (
    instance     TEXT    PRIMARY KEY,      -- unique per start: name, pid and a random part
    name         TEXT    NOT NULL,         -- PROCESS_NAME, else the host name
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    shards       TEXT    NOT NULL,         -- "0,1/4" (bot.sharding.Shards.label); "" until known
    started_at   BIGINT  NOT NULL,
    beat_at      BIGINT  NOT NULL,
    interval_ms  INTEGER NOT NULL,
    ready        INTEGER NOT NULL DEFAULT 0,   -- shards connected
    latencies    TEXT    NOT NULL DEFAULT '{}', -- JSON {shard: milliseconds or null}
    lag_ms       BIGINT                    -- how late the scheduler is on this process's servers
);

-- The process that claimed (or took over) a run. Another process finishes a claimed run only
-- once its owner's heartbeat is stale, so a run being posted is never posted by a second process.
ALTER TABLE prompt_runs ADD COLUMN owner TEXT;
CREATE INDEX prompt_runs_owner ON prompt_runs (owner, status);

-- Discord allows one IDENTIFY per 5 seconds per bucket (shard_id % max_concurrency) for the whole
-- bot: processes reserve their turn here.
CREATE TABLE gateway_identify (
    bucket  INTEGER PRIMARY KEY,
    next_at BIGINT  NOT NULL
);
