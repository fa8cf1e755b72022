-- Volunteers and care: teams that keep a duty roster (the Red Armband
-- patrol), their shifts, sign-ups, swaps and requests handed to whoever is
-- on duty; hours written by hand; and care for residents who live alone
-- (consent, plans, check-ins, events, alerts, and a log of every opening).

-- A workgroup that keeps a duty roster. Its members are the team; its
-- leads approve sign-ups when the team wants that.
CREATE TABLE duty_teams (
    workgroup_id   INTEGER PRIMARY KEY REFERENCES workgroups(id),
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    needs_approval BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE volunteer_profiles (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    skills     TEXT NOT NULL DEFAULT '',
    languages  TEXT NOT NULL DEFAULT '',
    available  TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);

-- One shift of a team; shifts made together (weekly) share a series.
CREATE TABLE shifts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    team_id      INTEGER NOT NULL REFERENCES duty_teams(workgroup_id),
    series       INTEGER,
    title        TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    route        TEXT NOT NULL DEFAULT '',
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL CHECK (ends_at > starts_at),
    places       INTEGER NOT NULL DEFAULT 2 CHECK (places > 0),
    created_by   INTEGER REFERENCES accounts(id),
    created_at   INTEGER NOT NULL
);
CREATE INDEX shifts_when ON shifts (community_id, starts_at);
-- The reminders' pass looks across every community by start time.
CREATE INDEX shifts_starts ON shifts (starts_at);

-- A person on a shift: 'asked' waits for a lead's approval, 'on' is on
-- the roster, 'gone' was cancelled or swapped away. Minutes are what the
-- shift counts once served.
CREATE TABLE shift_signups (
    id             INTEGER PRIMARY KEY,
    shift_id       INTEGER NOT NULL REFERENCES shifts(id),
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    state          TEXT NOT NULL CHECK (state IN ('asked', 'on', 'gone')),
    checked_in_at  INTEGER,
    checked_out_at INTEGER,
    confirmed_by   INTEGER REFERENCES accounts(id),
    minutes        INTEGER NOT NULL DEFAULT 0,
    reminded_at    INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX shift_signups_once ON shift_signups (shift_id, account_id) WHERE state <> 'gone';
CREATE INDEX shift_signups_person ON shift_signups (account_id, state);
-- A shift's people (the partial unique index above serves only queries
-- that say `state <> 'gone'` in just those words).
CREATE INDEX shift_signups_shift ON shift_signups (shift_id, state);

CREATE TABLE shift_swaps (
    id          INTEGER PRIMARY KEY,
    signup_id   INTEGER NOT NULL REFERENCES shift_signups(id),
    to_account  INTEGER NOT NULL REFERENCES accounts(id),
    state       TEXT NOT NULL CHECK (state IN ('asked', 'accepted', 'declined', 'withdrawn')),
    created_at  INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE UNIQUE INDEX shift_swaps_open ON shift_swaps (signup_id) WHERE state = 'asked';
CREATE INDEX shift_swaps_to ON shift_swaps (to_account, state);

-- A request handed to a volunteer on duty: one open task per request.
CREATE TABLE duty_tasks (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    request_id   INTEGER NOT NULL REFERENCES requests(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    handed_by    INTEGER NOT NULL REFERENCES accounts(id),
    handed_at    INTEGER NOT NULL,
    done_at      INTEGER,
    note         TEXT NOT NULL DEFAULT '',
    minutes      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX duty_tasks_open ON duty_tasks (request_id) WHERE done_at IS NULL;
CREATE INDEX duty_tasks_person ON duty_tasks (account_id, done_at);

-- Hours written by hand; they count once a lead of the team approves.
CREATE TABLE service_claims (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    team_id      INTEGER NOT NULL REFERENCES duty_teams(workgroup_id),
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    done_on      INTEGER NOT NULL,
    what         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'approved', 'declined')),
    decided_by   INTEGER REFERENCES accounts(id),
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX service_claims_person ON service_claims (account_id, state);
CREATE INDEX service_claims_team ON service_claims (team_id, state);

-- The resident's consent to care: how it was given and who recorded it.
CREATE TABLE care_consents (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    how          TEXT NOT NULL CHECK (how IN ('written', 'spoken', 'by_phone')),
    recorded_by  INTEGER NOT NULL REFERENCES accounts(id),
    recorded_at  INTEGER NOT NULL,
    withdrawn_at INTEGER
);

-- A care plan. `due_at` is when the next contact is due, kept by every
-- check-in and event (care::rules::due_at); the scheduler reads it.
CREATE TABLE care_plans (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    consent_id      INTEGER NOT NULL REFERENCES care_consents(id),
    level           TEXT NOT NULL CHECK (level IN ('high', 'key', 'other')),
    every_days      INTEGER NOT NULL CHECK (every_days > 0),
    carer_id        INTEGER NOT NULL REFERENCES accounts(id),
    backup_id       INTEGER REFERENCES accounts(id),
    grace_hours     INTEGER NOT NULL DEFAULT 24,
    notes           TEXT NOT NULL DEFAULT '',
    began_at        INTEGER NOT NULL,
    last_contact_at INTEGER,
    last_event_at   INTEGER,
    due_at          INTEGER NOT NULL,
    closed_at       INTEGER,
    closed_why      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX care_plans_one ON care_plans (account_id) WHERE closed_at IS NULL;
CREATE INDEX care_plans_due ON care_plans (due_at) WHERE closed_at IS NULL;
CREATE INDEX care_plans_community ON care_plans (community_id, due_at);
-- A resident's plans, open or closed, and a carer's or backup's.
CREATE INDEX care_plans_account ON care_plans (account_id);
CREATE INDEX care_plans_carer ON care_plans (carer_id);
CREATE INDEX care_plans_backup ON care_plans (backup_id);

CREATE TABLE care_checkins (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES care_plans(id),
    kind       TEXT NOT NULL CHECK (kind IN ('visited', 'called', 'fine', 'needs_help')),
    by_account INTEGER REFERENCES accounts(id),
    door       TEXT NOT NULL DEFAULT 'page',
    note       TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
);
CREATE INDEX care_checkins_plan ON care_checkins (plan_id, at);

-- A hospital stay or a major change: a high-risk resident is then due a
-- contact within a day.
CREATE TABLE care_events (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES care_plans(id),
    kind        TEXT NOT NULL CHECK (kind IN ('hospital', 'change')),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES accounts(id),
    at          INTEGER NOT NULL
);
CREATE INDEX care_events_plan ON care_events (plan_id, at);

-- A missed contact: raised once per plan (the index), told to the carer,
-- the backup and the care team's leads, open until contact is recorded.
CREATE TABLE care_alerts (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES care_plans(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    due_at       INTEGER NOT NULL,
    raised_at    INTEGER NOT NULL,
    told_at      INTEGER,
    closed_at    INTEGER,
    closed_by    INTEGER REFERENCES accounts(id)
);
CREATE UNIQUE INDEX care_alerts_open ON care_alerts (plan_id) WHERE closed_at IS NULL;
CREATE INDEX care_alerts_untold ON care_alerts (id) WHERE told_at IS NULL;
CREATE INDEX care_alerts_community ON care_alerts (community_id, closed_at);

-- Every opening of a care record by someone other than the resident.
CREATE TABLE care_access_log (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    plan_id      INTEGER NOT NULL,
    account_id   INTEGER REFERENCES accounts(id),
    what         TEXT NOT NULL CHECK (what IN ('opened', 'refused')),
    door         TEXT NOT NULL DEFAULT 'page',
    at           INTEGER NOT NULL
);
CREATE INDEX care_access_log_at ON care_access_log (community_id, at);
