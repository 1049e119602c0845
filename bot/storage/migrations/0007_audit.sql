-- What moderators changed, from Discord or the web, and a counter other processes watch.

-- One row per moderator action: who (actor_id; NULL once they asked to be forgotten), which
-- server, what (action, e.g. prompt.edit, and its target, e.g. prompt:12), the member it was
-- about if any (member_id), and the state before and after as JSON. Kept for the server's
-- audit_retention_days; pruned by the heartbeat.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL,
    actor_id  INTEGER,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL DEFAULT '',
    member_id INTEGER,
    before    TEXT,
    after     TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX audit_log_guild_at ON audit_log (guild_id, at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_member ON audit_log (member_id);

-- Bumped by every change to what the scheduler plans (prompts): a process that did not make the
-- change (the web app) is seen by the bot's heartbeat, which reads this single row (written on
-- the first change, so a new database holds no data).
CREATE TABLE change_counter (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
