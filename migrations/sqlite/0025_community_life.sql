-- Community life: shared rooms and their bookings, activities (one-off or
-- recurring) with their occurrences, sign-ups and attendance.

-- A place the community lets people book. Opening hours are minutes after
-- local midnight; who may book is 'residents' (anyone signed in), 'members'
-- (workgroup members and staff) or 'staff'. With an approving workgroup, a
-- booking waits for one of its leads.
CREATE TABLE rooms (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    place_id         INTEGER NOT NULL REFERENCES places(id),
    code             TEXT NOT NULL,
    opens_minute     INTEGER NOT NULL DEFAULT 480,
    closes_minute    INTEGER NOT NULL DEFAULT 1260,
    longest_minutes  INTEGER NOT NULL DEFAULT 120,
    who_may_book     TEXT NOT NULL DEFAULT 'residents'
        CHECK (who_may_book IN ('residents', 'members', 'staff')),
    approver_workgroup_id INTEGER REFERENCES workgroups(id),
    grace_minutes    INTEGER NOT NULL DEFAULT 15,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute),
    UNIQUE (community_id, code),
    UNIQUE (place_id)
);

-- An activity: organised by a workgroup, maybe at a place, starting at a
-- local wall time in the community's zone and repeating by an RFC 5545
-- rule ('' for once).
CREATE TABLE activities (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    workgroup_id     INTEGER NOT NULL REFERENCES workgroups(id),
    place_id         INTEGER REFERENCES places(id),
    title_zh         TEXT NOT NULL,
    title_en         TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    teacher          TEXT NOT NULL DEFAULT '',
    capacity         INTEGER NOT NULL CHECK (capacity > 0),
    starts_local     TEXT NOT NULL,
    minutes          INTEGER NOT NULL CHECK (minutes > 0),
    rrule            TEXT NOT NULL DEFAULT '',
    closes_minutes_before INTEGER NOT NULL DEFAULT 60,
    cancelled_at     INTEGER,
    created_by       INTEGER REFERENCES accounts(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX activities_community ON activities (community_id, workgroup_id);

-- Each time an activity takes place, written ahead for a horizon.
-- `original_at` is the time the rule gave (the RECURRENCE-ID); a moved
-- occurrence keeps it and has new times; a cancelled one keeps its reason.
CREATE TABLE occurrences (
    id            INTEGER PRIMARY KEY,
    activity_id   INTEGER NOT NULL REFERENCES activities(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    original_at   INTEGER NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    cancelled_at  INTEGER,
    reason        TEXT NOT NULL DEFAULT '',
    checkin_code  TEXT NOT NULL,
    UNIQUE (activity_id, original_at)
);
CREATE INDEX occurrences_community_time ON occurrences (community_id, starts_at);
CREATE INDEX occurrences_activity_time ON occurrences (activity_id, starts_at);

-- A booking holds its room while 'pending' (awaiting a lead) or
-- 'confirmed'; an activity's occurrence holds its room the same way.
CREATE TABLE bookings (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    room_id        INTEGER NOT NULL REFERENCES rooms(id),
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER NOT NULL,
    account_id     INTEGER REFERENCES accounts(id),
    occurrence_id  INTEGER REFERENCES occurrences(id),
    purpose        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL
        CHECK (state IN ('pending', 'confirmed', 'released', 'cancelled', 'refused')),
    checked_in_at  INTEGER,
    created_at     INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX bookings_room_time ON bookings (room_id, starts_at);
CREATE INDEX bookings_account ON bookings (account_id, starts_at);
CREATE INDEX bookings_occurrence ON bookings (occurrence_id);

-- A place at one occurrence: 'going', 'waiting' (in order of `at`), or
-- 'cancelled'. Reception may sign up a walk-in by name and phone.
CREATE TABLE signups (
    id             INTEGER PRIMARY KEY,
    occurrence_id  INTEGER NOT NULL REFERENCES occurrences(id),
    account_id     INTEGER REFERENCES accounts(id),
    walk_in_name   TEXT NOT NULL DEFAULT '',
    walk_in_phone  TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('going', 'waiting', 'cancelled')),
    series         BOOLEAN NOT NULL DEFAULT FALSE,
    at             INTEGER NOT NULL,
    attended_at    INTEGER,
    by_account_id  INTEGER REFERENCES accounts(id)
);
CREATE UNIQUE INDEX signups_once_each ON signups (occurrence_id, account_id)
    WHERE account_id IS NOT NULL AND state <> 'cancelled';
CREATE INDEX signups_occurrence ON signups (occurrence_id, state, at);
CREATE INDEX signups_account ON signups (account_id, state);

-- Someone who joined a whole series: new occurrences sign them up too.
CREATE TABLE series_signups (
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    at           INTEGER NOT NULL,
    PRIMARY KEY (activity_id, account_id)
);

-- What a notification that is not about a request names (an activity and
-- its time, say).
ALTER TABLE notifications ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- A person's calendar feed is at a secret URL they can reset.
ALTER TABLE accounts ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX accounts_calendar_token ON accounts (calendar_token);
