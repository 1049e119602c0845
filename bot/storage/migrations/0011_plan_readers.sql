-- A running reading plan's standing kept per reader, so the group's reading page counts who is
-- on track or behind with an indexed count instead of grouping every first read of the plan's
-- sections on each load (46,000 rows for a plan five sections in, 147,000 for a whole text).
--
-- plan_sections: the sections a plan has posted so far, as the page last wrote them (which
-- sections a plan posted follows from its start, its position and the library's reading order,
-- so the page states them: bot.storage.group_reading.plan_standing writes any change before it
-- counts, in the same transaction). plan_readers: per plan and member who read any of them, how
-- many they read. A member is on track when they read as many as the plan posted.
CREATE TABLE plan_sections (
    schedule_id  INTEGER NOT NULL REFERENCES prompt_schedules (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    document     TEXT    NOT NULL,
    section      TEXT    NOT NULL,
    PRIMARY KEY (schedule_id, document, section)
);
-- A first read finds the plans that posted its section.
CREATE INDEX plan_sections_section ON plan_sections (guild_id, document, section);

CREATE TABLE plan_readers (
    schedule_id  INTEGER NOT NULL REFERENCES prompt_schedules (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    sections     INTEGER NOT NULL CHECK (sections > 0),
    PRIMARY KEY (schedule_id, user_id)
);
-- Who is on track (sections = posted), in id order, and how many: a range of this index.
CREATE INDEX plan_readers_standing ON plan_readers (schedule_id, sections, user_id);

-- No backfill of rows: no plan has stated its sections yet, and the page states them (and so
-- counts their readers from reading_firsts) on its next load.

-- A member's first read of a section (reading_firsts gains a row) counts for every plan that
-- posted it; their last reading of it undone or forgotten (the row goes) uncounts it.
CREATE TRIGGER plan_readers_first_insert AFTER INSERT ON reading_firsts
BEGIN
    INSERT INTO plan_readers (schedule_id, user_id, sections)
        SELECT schedule_id, NEW.user_id, 1 FROM plan_sections
        WHERE guild_id = NEW.guild_id AND document = NEW.document AND section = NEW.section
        ON CONFLICT (schedule_id, user_id) DO UPDATE SET sections = sections + 1;
END;
CREATE TRIGGER plan_readers_first_delete AFTER DELETE ON reading_firsts
BEGIN
    DELETE FROM plan_readers
        WHERE user_id = OLD.user_id AND sections = 1 AND schedule_id IN (
            SELECT schedule_id FROM plan_sections
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section);
    UPDATE plan_readers SET sections = sections - 1
        WHERE user_id = OLD.user_id AND schedule_id IN (
            SELECT schedule_id FROM plan_sections
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section);
END;

-- A plan posting a section counts it for everyone who read it already; a section taken back
-- (the plan edited to start later, or to another text) uncounts it.
CREATE TRIGGER plan_readers_section_insert AFTER INSERT ON plan_sections
BEGIN
    INSERT INTO plan_readers (schedule_id, user_id, sections)
        SELECT NEW.schedule_id, user_id, 1 FROM reading_firsts
        WHERE guild_id = NEW.guild_id AND document = NEW.document AND section = NEW.section
        ON CONFLICT (schedule_id, user_id) DO UPDATE SET sections = sections + 1;
END;
CREATE TRIGGER plan_readers_section_delete AFTER DELETE ON plan_sections
BEGIN
    DELETE FROM plan_readers
        WHERE schedule_id = OLD.schedule_id AND sections = 1 AND user_id IN (
            SELECT user_id FROM reading_firsts
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section);
    UPDATE plan_readers SET sections = sections - 1
        WHERE schedule_id = OLD.schedule_id AND user_id IN (
            SELECT user_id FROM reading_firsts
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section);
END;

-- The page's counts by week read every day's row of a text's sections: with the members in the
-- index too, SQLite reads the index alone instead of looking up each row (10 ms to 4 ms for
-- anti-ai's 5,840 rows).
CREATE INDEX reading_first_days_members
    ON reading_first_days (guild_id, document, section, first_on, members);
