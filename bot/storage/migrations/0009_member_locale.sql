-- The Discord language a member last used with the bot (e.g. de, es-ES): their reminder DMs,
-- sent with no interaction to read it from, are written in it. NULL: English.
ALTER TABLE member_settings ADD COLUMN locale TEXT;
