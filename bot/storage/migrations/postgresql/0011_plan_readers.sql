-- PostgreSQL spelling of 0011: BIGINT ids, the triggers as trigger functions, and a lock so a
-- plan stating a section and a member first reading it at the same moment cannot each miss the
-- other's uncommitted row.

CREATE TABLE plan_sections (
    schedule_id  BIGINT NOT NULL REFERENCES prompt_schedules (id) ON DELETE CASCADE,
    guild_id     BIGINT NOT NULL,
    document     TEXT   NOT NULL,
    section      TEXT   NOT NULL,
    PRIMARY KEY (schedule_id, document, section)
);
CREATE INDEX plan_sections_section ON plan_sections (guild_id, document, section);

CREATE TABLE plan_readers (
    schedule_id  BIGINT NOT NULL REFERENCES prompt_schedules (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    sections     BIGINT NOT NULL CHECK (sections > 0),
    PRIMARY KEY (schedule_id, user_id)
);
CREATE INDEX plan_readers_standing ON plan_readers (schedule_id, sections, user_id);

CREATE FUNCTION plan_readers_first_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO plan_readers AS r (schedule_id, user_id, sections)
            SELECT schedule_id, NEW.user_id, 1 FROM plan_sections
            WHERE guild_id = NEW.guild_id AND document = NEW.document AND section = NEW.section
            ON CONFLICT (schedule_id, user_id) DO UPDATE SET sections = r.sections + 1;
    ELSE
        DELETE FROM plan_readers
            WHERE user_id = OLD.user_id AND sections = 1 AND schedule_id IN (
                SELECT schedule_id FROM plan_sections
                WHERE guild_id = OLD.guild_id AND document = OLD.document
                  AND section = OLD.section);
        UPDATE plan_readers SET sections = sections - 1
            WHERE user_id = OLD.user_id AND schedule_id IN (
                SELECT schedule_id FROM plan_sections
                WHERE guild_id = OLD.guild_id AND document = OLD.document
                  AND section = OLD.section);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER plan_readers_first_insert AFTER INSERT ON reading_firsts
    FOR EACH ROW EXECUTE FUNCTION plan_readers_first_keep();
CREATE TRIGGER plan_readers_first_delete AFTER DELETE ON reading_firsts
    FOR EACH ROW EXECUTE FUNCTION plan_readers_first_keep();

CREATE FUNCTION plan_readers_section_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Waits for readings being written to commit, and holds new ones until this commits: the
    -- query below then sees every first read, and a later one sees this plan's section.
    LOCK TABLE reading_firsts IN SHARE MODE;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO plan_readers AS r (schedule_id, user_id, sections)
            SELECT NEW.schedule_id, user_id, 1 FROM reading_firsts
            WHERE guild_id = NEW.guild_id AND document = NEW.document AND section = NEW.section
            ON CONFLICT (schedule_id, user_id) DO UPDATE SET sections = r.sections + 1;
    ELSE
        DELETE FROM plan_readers
            WHERE schedule_id = OLD.schedule_id AND sections = 1 AND user_id IN (
                SELECT user_id FROM reading_firsts
                WHERE guild_id = OLD.guild_id AND document = OLD.document
                  AND section = OLD.section);
        UPDATE plan_readers SET sections = sections - 1
            WHERE schedule_id = OLD.schedule_id AND user_id IN (
                SELECT user_id FROM reading_firsts
                WHERE guild_id = OLD.guild_id AND document = OLD.document
                  AND section = OLD.section);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER plan_readers_section_insert AFTER INSERT ON plan_sections
    FOR EACH ROW EXECUTE FUNCTION plan_readers_section_keep();
CREATE TRIGGER plan_readers_section_delete AFTER DELETE ON plan_sections
    FOR EACH ROW EXECUTE FUNCTION plan_readers_section_keep();

-- The page's counts by week read every day's row of a text's sections: with the members in the
-- index too, SQLite reads the index alone instead of looking up each row (10 ms to 4 ms for
-- anti-ai's 5,840 rows).
CREATE INDEX reading_first_days_members
    ON reading_first_days (guild_id, document, section, first_on, members);
