-- Scheduled prompts (issue 5) and the reading log their "Mark as read" button writes to.
-- Times the scheduler compares are INTEGER unix seconds (UTC); audit times are ISO-8601 UTC TEXT.

CREATE TABLE prompt_schedules (
    id                     INTEGER PRIMARY KEY,
    guild_id               INTEGER NOT NULL,
    channel_id             INTEGER NOT NULL,
    creator_id             INTEGER,            -- NULL once the creator asked to be forgotten
    content                TEXT    NOT NULL,   -- JSON, bot.scheduling.content.Content
    rule                   TEXT    NOT NULL,   -- JSON, bot.scheduling.recurrence.Recurrence
    thread_name            TEXT,               -- NULL: no thread per post
    thread_archive_minutes INTEGER,
    ping_role_id           INTEGER,
    state                  TEXT    NOT NULL DEFAULT '{}',  -- JSON: rotating position
    status                 TEXT    NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'paused', 'finished')),
    paused_reason          TEXT,
    next_run_at            INTEGER,            -- unix seconds; NULL when nothing is due
    created_at             TEXT    NOT NULL,
    updated_at             TEXT    NOT NULL
);
CREATE INDEX prompt_schedules_due ON prompt_schedules (status, next_run_at);
CREATE INDEX prompt_schedules_guild ON prompt_schedules (guild_id, id);

-- One row per firing. UNIQUE (schedule_id, due_at) is what makes a firing happen once: the claim
-- inserts it in the same transaction that advances the schedule.
CREATE TABLE prompt_runs (
    id           INTEGER PRIMARY KEY,
    schedule_id  INTEGER NOT NULL REFERENCES prompt_schedules (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    claimed_at   INTEGER NOT NULL,
    status       TEXT    NOT NULL
                 CHECK (status IN ('claimed', 'posted', 'failed', 'skipped')),
    manual       INTEGER NOT NULL DEFAULT 0,
    late         INTEGER NOT NULL DEFAULT 0,
    payload      TEXT    NOT NULL,             -- JSON, bot.scheduling.content.PostPayload
    nonce        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    retry_at     INTEGER,
    message_id   INTEGER,
    thread_id    INTEGER,
    posted_at    INTEGER,
    error        TEXT,
    UNIQUE (schedule_id, due_at)
);
CREATE INDEX prompt_runs_status ON prompt_runs (status, retry_at);
CREATE INDEX prompt_runs_schedule ON prompt_runs (schedule_id, due_at);

-- Passages a member marked as read. read_on is the member's local date, so a streak counts days
-- as the member lives them; marking the same passage twice on one day counts once.
CREATE TABLE reading_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    section    TEXT    NOT NULL,
    ref        TEXT    NOT NULL,
    read_on    TEXT    NOT NULL,              -- YYYY-MM-DD, local to the member
    created_at TEXT    NOT NULL,              -- ISO-8601 UTC
    source     TEXT    NOT NULL CHECK (source IN ('prompt', 'quote', 'command')),
    UNIQUE (guild_id, user_id, ref, read_on)
);
CREATE INDEX reading_log_member ON reading_log (guild_id, user_id, read_on);
