-- Community life: shared rooms and their bookings, activities (one-off or
-- recurring) with their occurrences, sign-ups and attendance.

-- A place the community lets people book. Opening hours are minutes after
-- local midnight; who may book is 'residents' (anyone signed in), 'members'
-- (workgroup members and staff) or 'staff'. With an approving workgroup, a
-- booking waits for one of its leads.
CREATE TABLE rooms (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    place_id         BIGINT NOT NULL REFERENCES places(id),
    code             TEXT NOT NULL,
    opens_minute     BIGINT NOT NULL DEFAULT 480,
    closes_minute    BIGINT NOT NULL DEFAULT 1260,
    longest_minutes  BIGINT NOT NULL DEFAULT 120,
    who_may_book     TEXT NOT NULL DEFAULT 'residents'
        CHECK (who_may_book IN ('residents', 'members', 'staff')),
    approver_workgroup_id BIGINT REFERENCES workgroups(id),
    grace_minutes    BIGINT NOT NULL DEFAULT 15,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute),
    UNIQUE (community_id, code),
    UNIQUE (place_id)
);

-- An activity: organised by a workgroup, maybe at a place, starting at a
-- local wall time in the community's zone and repeating by an RFC 5545
-- rule ('' for once).
CREATE TABLE activities (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    workgroup_id     BIGINT NOT NULL REFERENCES workgroups(id),
    place_id         BIGINT REFERENCES places(id),
    title_zh         TEXT NOT NULL,
    title_en         TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    teacher          TEXT NOT NULL DEFAULT '',
    capacity         BIGINT NOT NULL CHECK (capacity > 0),
    starts_local     TEXT NOT NULL,
    minutes          BIGINT NOT NULL CHECK (minutes > 0),
    rrule            TEXT NOT NULL DEFAULT '',
    closes_minutes_before BIGINT NOT NULL DEFAULT 60,
    cancelled_at     BIGINT,
    created_by       BIGINT REFERENCES accounts(id),
    created_at       BIGINT NOT NULL
);
CREATE INDEX activities_community ON activities (community_id, workgroup_id);

-- Each time an activity takes place, written ahead for a horizon.
-- `original_at` is the time the rule gave (the RECURRENCE-ID); a moved
-- occurrence keeps it and has new times; a cancelled one keeps its reason.
CREATE TABLE occurrences (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id   BIGINT NOT NULL REFERENCES activities(id),
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    original_at   BIGINT NOT NULL,
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    cancelled_at  BIGINT,
    reason        TEXT NOT NULL DEFAULT '',
    checkin_code  TEXT NOT NULL,
    UNIQUE (activity_id, original_at)
);
CREATE INDEX occurrences_community_time ON occurrences (community_id, starts_at);
CREATE INDEX occurrences_activity_time ON occurrences (activity_id, starts_at);

-- A booking holds its room while 'pending' (awaiting a lead) or
-- 'confirmed'; an activity's occurrence holds its room the same way.
CREATE TABLE bookings (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    room_id        BIGINT NOT NULL REFERENCES rooms(id),
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    account_id     BIGINT REFERENCES accounts(id),
    occurrence_id  BIGINT REFERENCES occurrences(id),
    purpose        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL
        CHECK (state IN ('pending', 'confirmed', 'released', 'cancelled', 'refused')),
    checked_in_at  BIGINT,
    created_at     BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX bookings_room_time ON bookings (room_id, starts_at);
CREATE INDEX bookings_account ON bookings (account_id, starts_at);
CREATE INDEX bookings_occurrence ON bookings (occurrence_id);

-- A place at one occurrence: 'going', 'waiting' (in order of `at`), or
-- 'cancelled'. Reception may sign up a walk-in by name and phone.
CREATE TABLE signups (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurrence_id  BIGINT NOT NULL REFERENCES occurrences(id),
    account_id     BIGINT REFERENCES accounts(id),
    walk_in_name   TEXT NOT NULL DEFAULT '',
    walk_in_phone  TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('going', 'waiting', 'cancelled')),
    series         BOOLEAN NOT NULL DEFAULT FALSE,
    at             BIGINT NOT NULL,
    attended_at    BIGINT,
    by_account_id  BIGINT REFERENCES accounts(id)
);
CREATE UNIQUE INDEX signups_once_each ON signups (occurrence_id, account_id)
    WHERE account_id IS NOT NULL AND state <> 'cancelled';
CREATE INDEX signups_occurrence ON signups (occurrence_id, state, at);
CREATE INDEX signups_account ON signups (account_id, state);

-- Someone who joined a whole series: new occurrences sign them up too.
CREATE TABLE series_signups (
    activity_id  BIGINT NOT NULL REFERENCES activities(id),
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    at           BIGINT NOT NULL,
    PRIMARY KEY (activity_id, account_id)
);

-- What a notification that is not about a request names (an activity and
-- its time, say).
ALTER TABLE notifications ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- A person's calendar feed is at a secret URL they can reset.
ALTER TABLE accounts ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX accounts_calendar_token ON accounts (calendar_token);

-- Two bookings holding one room never overlap: the database refuses the
-- second, however many instances try at the same instant.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings ADD CONSTRAINT bookings_never_overlap
    EXCLUDE USING gist (room_id WITH =, int8range(starts_at, ends_at) WITH &&)
    WHERE (state IN ('pending', 'confirmed'));
