-- Each member's first reading of each section, kept by the reading log's own writes, so the
-- group's reading page counts members per section without reading every reading of the text.

CREATE TABLE reading_firsts (
    guild_id  INTEGER NOT NULL,
    document  TEXT    NOT NULL,
    section   TEXT    NOT NULL,
    user_id   INTEGER NOT NULL,
    first_on  TEXT    NOT NULL,   -- YYYY-MM-DD, the member's local date of their first reading
    PRIMARY KEY (guild_id, document, section, user_id)
);
-- No index on user_id: forgetting deletes through the reading log, whose triggers find each row
-- by its key; and one would lead the planner away from the key on a plan's sections.

-- How many members first read each section on each day: the page's table and chart read these
-- few rows (sections x days) rather than one per member.
CREATE TABLE reading_first_days (
    guild_id  INTEGER NOT NULL,
    document  TEXT    NOT NULL,
    section   TEXT    NOT NULL,
    first_on  TEXT    NOT NULL,
    members   INTEGER NOT NULL CHECK (members > 0),
    PRIMARY KEY (guild_id, document, section, first_on)
);

INSERT INTO reading_firsts (guild_id, document, section, user_id, first_on)
    SELECT guild_id, document, section, user_id, MIN(read_on) FROM reading_log
    GROUP BY guild_id, document, section, user_id;

INSERT INTO reading_first_days (guild_id, document, section, first_on, members)
    SELECT guild_id, document, section, first_on, COUNT(*) FROM reading_firsts
    GROUP BY guild_id, document, section, first_on;

-- Every writer of the reading log (marking read, undo, forgetting, any later one) keeps the table
-- in the same transaction: an earlier reading moves the first day back; deleting the first one
-- moves it to the next reading left, or removes the row when none is.
CREATE TRIGGER reading_firsts_insert AFTER INSERT ON reading_log
BEGIN
    INSERT INTO reading_firsts (guild_id, document, section, user_id, first_on)
        VALUES (NEW.guild_id, NEW.document, NEW.section, NEW.user_id, NEW.read_on)
        ON CONFLICT (guild_id, document, section, user_id)
        DO UPDATE SET first_on = excluded.first_on WHERE excluded.first_on < first_on;
END;
CREATE TRIGGER reading_firsts_delete AFTER DELETE ON reading_log
BEGIN
    DELETE FROM reading_firsts
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND user_id = OLD.user_id
          AND NOT EXISTS (
              SELECT 1 FROM reading_log
              WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id
                AND document = OLD.document AND section = OLD.section);
    UPDATE reading_firsts SET first_on = (
            SELECT MIN(read_on) FROM reading_log
            WHERE guild_id = OLD.guild_id AND document = OLD.document
              AND section = OLD.section AND user_id = OLD.user_id)
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND user_id = OLD.user_id AND first_on = OLD.read_on;
END;

-- Each change of a member's first day moves them from one day's count to another's.
CREATE TRIGGER reading_first_days_insert AFTER INSERT ON reading_firsts
BEGIN
    INSERT INTO reading_first_days (guild_id, document, section, first_on, members)
        VALUES (NEW.guild_id, NEW.document, NEW.section, NEW.first_on, 1)
        ON CONFLICT (guild_id, document, section, first_on) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER reading_first_days_delete AFTER DELETE ON reading_firsts
BEGIN
    DELETE FROM reading_first_days
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND first_on = OLD.first_on AND members = 1;
    UPDATE reading_first_days SET members = members - 1
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND first_on = OLD.first_on;
END;
CREATE TRIGGER reading_first_days_update AFTER UPDATE OF first_on ON reading_firsts
BEGIN
    DELETE FROM reading_first_days
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND first_on = OLD.first_on AND members = 1;
    UPDATE reading_first_days SET members = members - 1
        WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
          AND first_on = OLD.first_on;
    INSERT INTO reading_first_days (guild_id, document, section, first_on, members)
        VALUES (NEW.guild_id, NEW.document, NEW.section, NEW.first_on, 1)
        ON CONFLICT (guild_id, document, section, first_on) DO UPDATE SET members = members + 1;
END;
