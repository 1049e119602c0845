-- PostgreSQL spelling of 0010: BIGINT ids, and the trigger as a trigger function.

CREATE TABLE reading_firsts (
    guild_id  BIGINT NOT NULL,
    document  TEXT   NOT NULL,
    section   TEXT   NOT NULL,
    user_id   BIGINT NOT NULL,
    first_on  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, document, section, user_id)
);
CREATE INDEX reading_firsts_day ON reading_firsts (guild_id, document, section, first_on);
CREATE INDEX reading_firsts_user ON reading_firsts (user_id);

INSERT INTO reading_firsts (guild_id, document, section, user_id, first_on)
    SELECT guild_id, document, section, user_id, MIN(read_on) FROM reading_log
    GROUP BY guild_id, document, section, user_id;

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
