-- Indexes for the moderators' pages and the member page's heaviest readers.

-- The group's reading: members per section and the day each first read it, read from the index
-- alone, one text of one server at a time.
CREATE INDEX reading_log_section ON reading_log (guild_id, document, section, user_id, read_on);

-- A member's page: the sections they read (DISTINCT document, section) and their last reading
-- (MAX(created_at)) come from the index without visiting the table's rows.
CREATE INDEX reading_log_member_sections
    ON reading_log (guild_id, user_id, document, section, created_at);

-- The audit log filtered by the member a change was about, newest first.
CREATE INDEX audit_log_guild_member ON audit_log (guild_id, member_id, at, id);
