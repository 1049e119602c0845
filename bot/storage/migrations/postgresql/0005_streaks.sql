-- PostgreSQL spelling of 0005: BIGINT integers, and the staleness triggers as trigger functions
-- (PostgreSQL triggers call a function; SQLite's INSERT OR IGNORE becomes ON CONFLICT DO NOTHING).

CREATE TABLE member_settings (
    user_id            BIGINT PRIMARY KEY,
    timezone           TEXT,
    private            BIGINT NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    reminder_minute    BIGINT CHECK (reminder_minute BETWEEN 0 AND 1439),
    reminder_guild_id  BIGINT,
    reminder_next_at   BIGINT,
    reminder_failed    BIGINT NOT NULL DEFAULT 0 CHECK (reminder_failed IN (0, 1)),
    updated_at         TEXT   NOT NULL
);
CREATE INDEX member_settings_reminder_due
    ON member_settings (reminder_next_at) WHERE reminder_next_at IS NOT NULL;
CREATE INDEX member_settings_private ON member_settings (user_id) WHERE private = 1;

CREATE TABLE member_stats (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    current     BIGINT NOT NULL DEFAULT 0,
    longest     BIGINT NOT NULL DEFAULT 0,
    last_day    TEXT,
    sections    BIGINT NOT NULL DEFAULT 0,
    week_of     TEXT,
    sections_week  BIGINT NOT NULL DEFAULT 0,
    month_of    TEXT,
    sections_month BIGINT NOT NULL DEFAULT 0,
    valid_until BIGINT,
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

CREATE TABLE streak_rules_seen (
    guild_id BIGINT PRIMARY KEY,
    rules    TEXT NOT NULL
);

-- Inserting creates the member's row if missing; both mark it stale. Deleting only updates:
-- forgetting a member must not re-create a row about them.
CREATE FUNCTION member_stats_stale(p_guild_id BIGINT, p_user_id BIGINT, p_create BOOLEAN)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_guild_id IS NULL THEN
        RETURN;
    END IF;
    IF p_create THEN
        INSERT INTO member_stats (guild_id, user_id) VALUES (p_guild_id, p_user_id)
            ON CONFLICT (guild_id, user_id) DO NOTHING;
    END IF;
    UPDATE member_stats SET valid_until = 0
        WHERE guild_id = p_guild_id AND user_id = p_user_id;
END;
$$;

CREATE FUNCTION reading_log_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM member_stats_stale(NEW.guild_id, NEW.user_id, TRUE);
    ELSE
        PERFORM member_stats_stale(OLD.guild_id, OLD.user_id, FALSE);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION attendance_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM member_stats_stale(
            (SELECT guild_id FROM meetings WHERE id = NEW.meeting_id), NEW.member_id, TRUE);
    ELSE
        PERFORM member_stats_stale(
            (SELECT guild_id FROM meetings WHERE id = OLD.meeting_id), OLD.member_id, FALSE);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reading_log_stale_insert AFTER INSERT ON reading_log
    FOR EACH ROW EXECUTE FUNCTION reading_log_stale();
CREATE TRIGGER reading_log_stale_delete AFTER DELETE ON reading_log
    FOR EACH ROW EXECUTE FUNCTION reading_log_stale();
CREATE TRIGGER attendance_stale_insert AFTER INSERT ON meeting_attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_stale();
CREATE TRIGGER attendance_stale_delete AFTER DELETE ON meeting_attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_stale();
