-- Reading-group meetings, who attended them, how moderators corrected that, and voice presence.
-- Times are INTEGER unix seconds (UTC). Member ids are plain Discord snowflakes with no foreign key to
-- a members table, so members who left the server keep their history.

CREATE TABLE meetings (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    title              TEXT    NOT NULL,
    text_channel_id    INTEGER,
    voice_channel_id   INTEGER,
    started_by_id      INTEGER,
    started_at         INTEGER NOT NULL,
    ended_at           INTEGER,
    event_id           INTEGER,
    message_channel_id INTEGER,
    message_id         INTEGER,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX meetings_guild_started ON meetings (guild_id, started_at);
-- At most one running meeting per text channel, per voice channel and per Scheduled Event.
CREATE UNIQUE INDEX meetings_running_text
    ON meetings (guild_id, text_channel_id) WHERE ended_at IS NULL AND text_channel_id IS NOT NULL;
CREATE UNIQUE INDEX meetings_running_voice
    ON meetings (guild_id, voice_channel_id) WHERE ended_at IS NULL AND voice_channel_id IS NOT NULL;
CREATE INDEX meetings_event ON meetings (guild_id, event_id);
CREATE INDEX meetings_started_by ON meetings (started_by_id);

CREATE TABLE meeting_attendance (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('button', 'voice', 'moderator')),
    recorded_at INTEGER NOT NULL,
    UNIQUE (meeting_id, member_id)
);
CREATE INDEX meeting_attendance_member ON meeting_attendance (member_id);

-- Every moderator correction, kept even when the attendance row it added is later removed.
CREATE TABLE meeting_attendance_audit (
    id           INTEGER PRIMARY KEY,
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL,
    moderator_id INTEGER,
    action       TEXT    NOT NULL CHECK (action IN ('add', 'remove')),
    at           INTEGER NOT NULL
);
CREATE INDEX meeting_attendance_audit_meeting ON meeting_attendance_audit (meeting_id, id);
CREATE INDEX meeting_attendance_audit_member ON meeting_attendance_audit (member_id);
CREATE INDEX meeting_attendance_audit_moderator ON meeting_attendance_audit (moderator_id);

-- Counted voice presence: one row per stretch; ended_at is NULL while the member is still counted.
CREATE TABLE meeting_voice_intervals (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX meeting_voice_intervals_meeting ON meeting_voice_intervals (meeting_id, member_id);
CREATE INDEX meeting_voice_intervals_member ON meeting_voice_intervals (member_id);
-- At most one open stretch per member and meeting, so a duplicated "joined" event cannot double-count.
CREATE UNIQUE INDEX meeting_voice_intervals_open
    ON meeting_voice_intervals (meeting_id, member_id) WHERE ended_at IS NULL;
