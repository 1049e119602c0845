-- PostgreSQL spelling of 0010: BIGINT ids, and the trigger as a trigger function.

CREATE TABLE reading_firsts (
    guild_id  BIGINT NOT NULL,
    document  TEXT   NOT NULL,
    section   TEXT   NOT NULL,
    user_id   BIGINT NOT NULL,
    first_on  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, document, section, user_id)
);

CREATE TABLE reading_first_days (
    guild_id  BIGINT NOT NULL,
    document  TEXT   NOT NULL,
    section   TEXT   NOT NULL,
    first_on  TEXT   NOT NULL,
    members   BIGINT NOT NULL CHECK (members > 0),
    PRIMARY KEY (guild_id, document, section, first_on)
);

INSERT INTO reading_firsts (guild_id, document, section, user_id, first_on)
    SELECT guild_id, document, section, user_id, MIN(read_on) FROM reading_log
    GROUP BY guild_id, document, section, user_id;

INSERT INTO reading_first_days (guild_id, document, section, first_on, members)
    SELECT guild_id, document, section, first_on, COUNT(*) FROM reading_firsts
    GROUP BY guild_id, document, section, first_on;

CREATE FUNCTION reading_firsts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reading_firsts AS f (guild_id, document, section, user_id, first_on)
            VALUES (NEW.guild_id, NEW.document, NEW.section, NEW.user_id, NEW.read_on)
            ON CONFLICT (guild_id, document, section, user_id)
            DO UPDATE SET first_on = excluded.first_on WHERE excluded.first_on < f.first_on;
    ELSE
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
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reading_firsts_insert AFTER INSERT ON reading_log
    FOR EACH ROW EXECUTE FUNCTION reading_firsts_keep();
CREATE TRIGGER reading_firsts_delete AFTER DELETE ON reading_log
    FOR EACH ROW EXECUTE FUNCTION reading_firsts_keep();

CREATE FUNCTION reading_first_days_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM reading_first_days
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
              AND first_on = OLD.first_on AND members = 1;
        UPDATE reading_first_days SET members = members - 1
            WHERE guild_id = OLD.guild_id AND document = OLD.document AND section = OLD.section
              AND first_on = OLD.first_on;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO reading_first_days AS d (guild_id, document, section, first_on, members)
            VALUES (NEW.guild_id, NEW.document, NEW.section, NEW.first_on, 1)
            ON CONFLICT (guild_id, document, section, first_on)
            DO UPDATE SET members = d.members + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reading_first_days_insert AFTER INSERT ON reading_firsts
    FOR EACH ROW EXECUTE FUNCTION reading_first_days_keep();
CREATE TRIGGER reading_first_days_delete AFTER DELETE ON reading_firsts
    FOR EACH ROW EXECUTE FUNCTION reading_first_days_keep();
CREATE TRIGGER reading_first_days_update AFTER UPDATE OF first_on ON reading_firsts
    FOR EACH ROW EXECUTE FUNCTION reading_first_days_keep();
