-- Residents' voice: ideas with supports, comments and public answers;
-- moderation; notices with an audience and read receipts; polls with
-- secret ballots; recognition of good deeds.

-- Each community's settings for ideas: an idea reaches the branch's agenda
-- with `idea_supports` supports or `idea_percent` per cent of the
-- households, whichever comes first (0 switches a rule off). Posts with a
-- held word wait for review.
CREATE TABLE voice_settings (
    community_id      INTEGER PRIMARY KEY REFERENCES communities(id),
    idea_supports     INTEGER NOT NULL DEFAULT 30 CHECK (idea_supports >= 0),
    idea_percent      INTEGER NOT NULL DEFAULT 5 CHECK (idea_percent BETWEEN 0 AND 100),
    idea_workgroup_id INTEGER REFERENCES workgroups(id),
    held_words        TEXT NOT NULL DEFAULT ''
);

-- 'shown', 'held' (waiting for a moderator: a held word, or the author
-- asked again after an edit) or 'hidden' (with the moderator's reason).
CREATE TABLE ideas (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    author_id       INTEGER NOT NULL REFERENCES accounts(id),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    place_id        INTEGER REFERENCES places(id),
    workgroup_id    INTEGER REFERENCES workgroups(id),
    state           TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'under_study', 'planned', 'done', 'declined')),
    planned_for     TEXT NOT NULL DEFAULT '',
    supports        INTEGER NOT NULL DEFAULT 0,
    agenda_at       INTEGER,
    first_answer_at INTEGER,
    answered_at     INTEGER,
    moderation      TEXT NOT NULL DEFAULT 'shown' CHECK (moderation IN ('shown', 'held', 'hidden')),
    moderation_reason TEXT NOT NULL DEFAULT '',
    -- False once the author asked for their name to come off their posts.
    author_named    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER
);
CREATE INDEX ideas_community ON ideas (community_id, moderation, created_at);
CREATE INDEX ideas_answered ON ideas (community_id, answered_at);
CREATE INDEX ideas_author ON ideas (author_id);

CREATE TABLE idea_supports (
    idea_id    INTEGER NOT NULL REFERENCES ideas(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_supports_account ON idea_supports (account_id);

CREATE TABLE idea_comments (
    id                INTEGER PRIMARY KEY,
    idea_id           INTEGER NOT NULL REFERENCES ideas(id),
    author_id         INTEGER NOT NULL REFERENCES accounts(id),
    body              TEXT NOT NULL,
    moderation        TEXT NOT NULL DEFAULT 'shown' CHECK (moderation IN ('shown', 'held', 'hidden')),
    moderation_reason TEXT NOT NULL DEFAULT '',
    author_named      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        INTEGER NOT NULL,
    edited_at         INTEGER
);
CREATE INDEX idea_comments_idea ON idea_comments (idea_id, id);
CREATE INDEX idea_comments_author ON idea_comments (author_id);

-- The responsible workgroup's public answers, newest last.
CREATE TABLE idea_answers (
    id          INTEGER PRIMARY KEY,
    idea_id     INTEGER NOT NULL REFERENCES ideas(id),
    state       TEXT NOT NULL CHECK (state IN ('under_study', 'planned', 'done', 'declined')),
    body        TEXT NOT NULL DEFAULT '',
    planned_for TEXT NOT NULL DEFAULT '',
    by_account  INTEGER NOT NULL REFERENCES accounts(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX idea_answers_idea ON idea_answers (idea_id, id);

-- A resident's flag on an idea or a comment; cleared when a moderator
-- looks at it.
CREATE TABLE voice_flags (
    kind       TEXT NOT NULL CHECK (kind IN ('idea', 'comment')),
    target_id  INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    reason     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    cleared_at INTEGER,
    PRIMARY KEY (kind, target_id, account_id)
);

-- Photos of ideas, answers and recognitions (metadata stripped).
CREATE TABLE voice_photos (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    owner        TEXT NOT NULL CHECK (owner IN ('idea', 'answer', 'recognition')),
    owner_id     INTEGER NOT NULL,
    jpeg         BLOB NOT NULL,
    thumb_jpeg   BLOB NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX voice_photos_owner ON voice_photos (owner, owner_id);

-- Notices become announcements: an audience, dates, importance, pinning,
-- an attachment (a photo or a PDF).
ALTER TABLE notices ADD COLUMN audience TEXT NOT NULL DEFAULT 'all'
    CHECK (audience IN ('all', 'buildings', 'workgroup', 'volunteers'));
ALTER TABLE notices ADD COLUMN audience_workgroup_id INTEGER REFERENCES workgroups(id);
ALTER TABLE notices ADD COLUMN starts_at INTEGER;
ALTER TABLE notices ADD COLUMN ends_at INTEGER;
ALTER TABLE notices ADD COLUMN important BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notices ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notices ADD COLUMN attachment BLOB;
ALTER TABLE notices ADD COLUMN attachment_type TEXT NOT NULL DEFAULT '';

-- A building's flats, for turnout and for reception's list of who has
-- not heard of a notice.
CREATE INDEX places_parent ON places (parent_id);

CREATE TABLE notice_buildings (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    place_id  INTEGER NOT NULL REFERENCES places(id),
    PRIMARY KEY (notice_id, place_id)
);

CREATE TABLE notice_reads (
    notice_id  INTEGER NOT NULL REFERENCES notices(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (notice_id, account_id)
);
CREATE INDEX notice_reads_account ON notice_reads (account_id);

-- Reception told someone in person: `who` is 'a:{account}' for a person,
-- 'p:{place}' for a household without an account.
CREATE TABLE notice_told (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    who       TEXT NOT NULL,
    told_by   INTEGER NOT NULL REFERENCES accounts(id),
    told_at   INTEGER NOT NULL,
    PRIMARY KEY (notice_id, who)
);

-- Residents who asked to be told important notices at the desk first.
CREATE TABLE notice_in_person (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    since      INTEGER NOT NULL
);

-- Polls: one ballot per household ('h:{place}') or per resident
-- ('a:{account}'); a later ballot replaces the earlier one. Ballots are
-- secret: no page or answer says who chose what.
CREATE TABLE polls (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title_zh     TEXT NOT NULL,
    title_en     TEXT NOT NULL DEFAULT '',
    body_zh      TEXT NOT NULL DEFAULT '',
    body_en      TEXT NOT NULL DEFAULT '',
    per          TEXT NOT NULL CHECK (per IN ('household', 'resident')),
    live_results BOOLEAN NOT NULL DEFAULT FALSE,
    opens_at     INTEGER NOT NULL,
    closes_at    INTEGER NOT NULL,
    created_by   INTEGER REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    CHECK (opens_at < closes_at)
);
CREATE INDEX polls_community ON polls (community_id, closes_at);

CREATE TABLE poll_questions (
    id       INTEGER PRIMARY KEY,
    poll_id  INTEGER NOT NULL REFERENCES polls(id),
    position INTEGER NOT NULL,
    text_zh  TEXT NOT NULL,
    text_en  TEXT NOT NULL DEFAULT '',
    multiple BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX poll_questions_poll ON poll_questions (poll_id, position);

CREATE TABLE poll_choices (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES poll_questions(id),
    poll_id     INTEGER NOT NULL REFERENCES polls(id),
    position    INTEGER NOT NULL,
    text_zh     TEXT NOT NULL,
    text_en     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX poll_choices_poll ON poll_choices (poll_id, question_id, position);

CREATE TABLE poll_ballots (
    id          INTEGER PRIMARY KEY,
    poll_id     INTEGER NOT NULL REFERENCES polls(id),
    voter       TEXT NOT NULL,
    building_id INTEGER REFERENCES places(id),
    cast_by     INTEGER REFERENCES accounts(id),
    paper       BOOLEAN NOT NULL DEFAULT FALSE,
    cast_at     INTEGER NOT NULL,
    -- The choices marked, by id, comma-separated ('12' or '12,15'): a vote
    -- is then one statement, and a poll's count reads only its ballots.
    choices     TEXT NOT NULL,
    UNIQUE (poll_id, voter)
);
CREATE INDEX poll_ballots_cast_by ON poll_ballots (cast_by);
CREATE INDEX poll_ballots_building ON poll_ballots (poll_id, building_id);

-- A good deed nominated by anyone; the secretary approves or declines.
-- It shows on the person's profile only if they agree (`on_profile`).
CREATE TABLE recognitions (
    id                INTEGER PRIMARY KEY,
    community_id      INTEGER NOT NULL REFERENCES communities(id),
    kind              TEXT NOT NULL DEFAULT 'deed' CHECK (kind IN ('deed', 'red_armband')),
    person_name       TEXT NOT NULL,
    person_account_id INTEGER REFERENCES accounts(id),
    what              TEXT NOT NULL,
    happened_on       TEXT NOT NULL,
    nominated_by      INTEGER REFERENCES accounts(id),
    state             TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'declined')),
    decided_by        INTEGER REFERENCES accounts(id),
    decided_at        INTEGER,
    reason            TEXT NOT NULL DEFAULT '',
    on_profile        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        INTEGER NOT NULL
);
CREATE INDEX recognitions_community ON recognitions (community_id, state, decided_at);
