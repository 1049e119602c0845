-- Streaks (issue 7): a member's own settings, a per-server cache of streak figures for leaderboards,
-- and the indexes that keep /streak and /leaderboard fast on large servers.

-- Personal settings, the same on every server. timezone NULL means "the server's zone".
CREATE TABLE member_settings (
    user_id            INTEGER PRIMARY KEY,
    timezone           TEXT,
    private            INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    reminder_minute    INTEGER CHECK (reminder_minute BETWEEN 0 AND 1439),  -- local minutes of day
    reminder_guild_id  INTEGER,   -- the server where it was asked for (its zone if none is set)
    reminder_next_at   INTEGER,   -- unix seconds of the next check; NULL when off
    reminder_failed    INTEGER NOT NULL DEFAULT 0 CHECK (reminder_failed IN (0, 1)),
    updated_at         TEXT    NOT NULL
);
CREATE INDEX member_settings_reminder_due
    ON member_settings (reminder_next_at) WHERE reminder_next_at IS NOT NULL;
CREATE INDEX member_settings_private ON member_settings (user_id) WHERE private = 1;

-- Each member's streak figures per server, recomputed from reading_log (and attendance) when they
-- go stale. valid_until (unix seconds) is when the current streak would change with no new reading;
-- 0 marks the row stale; NULL means it cannot change until something is recorded.
CREATE TABLE member_stats (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    current     INTEGER NOT NULL DEFAULT 0,
    longest     INTEGER NOT NULL DEFAULT 0,
    last_day    TEXT,              -- YYYY-MM-DD, the member's last streak day
    sections    INTEGER NOT NULL DEFAULT 0,   -- distinct sections read, all time
    week_of     TEXT,                         -- Monday of the server's week sections_week counts
    sections_week  INTEGER NOT NULL DEFAULT 0,
    month_of    TEXT,                         -- first day of the month sections_month counts
    sections_month INTEGER NOT NULL DEFAULT 0,
    valid_until INTEGER,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX member_stats_current ON member_stats (guild_id, current DESC, user_id);
CREATE INDEX member_stats_sections ON member_stats (guild_id, sections DESC, user_id);
CREATE INDEX member_stats_sections_week
    ON member_stats (guild_id, week_of, sections_week DESC, user_id);
CREATE INDEX member_stats_sections_month
    ON member_stats (guild_id, month_of, sections_month DESC, user_id);
CREATE INDEX member_stats_stale ON member_stats (guild_id, valid_until) WHERE valid_until IS NOT NULL;
CREATE INDEX member_stats_user ON member_stats (user_id);

-- The rules each server's cached figures were computed under; a change of settings invalidates them.
CREATE TABLE streak_rules_seen (
    guild_id INTEGER PRIMARY KEY,
    rules    TEXT NOT NULL
);

-- Any writer of the reading log or of attendance (buttons of other features, undo, forgetting)
-- marks the member's figures stale, so the cache can never silently disagree with the log.
-- Deleting only updates: forgetting a member must not re-create a row about them.
CREATE TRIGGER reading_log_stale_insert AFTER INSERT ON reading_log
BEGIN
    INSERT OR IGNORE INTO member_stats (guild_id, user_id) VALUES (NEW.guild_id, NEW.user_id);
    UPDATE member_stats SET valid_until = 0
        WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
END;
CREATE TRIGGER reading_log_stale_delete AFTER DELETE ON reading_log
BEGIN
    UPDATE member_stats SET valid_until = 0
        WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
END;
CREATE TRIGGER attendance_stale_insert AFTER INSERT ON meeting_attendance
BEGIN
    INSERT OR IGNORE INTO member_stats (guild_id, user_id)
        SELECT guild_id, NEW.member_id FROM meetings WHERE id = NEW.meeting_id;
    UPDATE member_stats SET valid_until = 0
        WHERE user_id = NEW.member_id
          AND guild_id = (SELECT guild_id FROM meetings WHERE id = NEW.meeting_id);
END;
CREATE TRIGGER attendance_stale_delete AFTER DELETE ON meeting_attendance
BEGIN
    UPDATE member_stats SET valid_until = 0
        WHERE user_id = OLD.member_id
          AND guild_id = (SELECT guild_id FROM meetings WHERE id = OLD.meeting_id);
END;
