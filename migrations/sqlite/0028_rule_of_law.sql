-- Rule of law: the legal book corner (a catalogue, copies, loans, holds),
-- confidential legal aid (cases, their volunteers, appointments, notes,
-- documents, and a log of every opening), and the monthly class's topic
-- and summary.

-- A title in the catalogue. `search` is what the catalogue search reads:
-- the title, the other title, the author and the ISBN, lower-cased.
CREATE TABLE books (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    isbn         TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL,
    title_alt    TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    topic        TEXT NOT NULL CHECK (topic IN ('general', 'family', 'labour', 'housing', 'consumer', 'neighbours', 'elderly', 'other')),
    language     TEXT NOT NULL DEFAULT 'zh',
    shelf        TEXT NOT NULL DEFAULT '',
    search       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
-- The catalogue search walks one community's titles in order and reads
-- `search` from this index alone, stopping at a page of matches.
CREATE INDEX books_catalogue ON books (community_id, title, search, topic);
CREATE INDEX books_isbn ON books (community_id, isbn);
CREATE INDEX books_topic ON books (community_id, topic);

CREATE TABLE book_covers (
    book_id INTEGER PRIMARY KEY REFERENCES books(id),
    jpeg    BLOB NOT NULL,
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL
);

-- One copy on the shelf, with the code on its label.
CREATE TABLE book_copies (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    code         TEXT NOT NULL,
    withdrawn    BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (community_id, code)
);
CREATE INDEX book_copies_book ON book_copies (book_id);

-- A copy lent to a resident; open while `returned_at` is NULL. A copy has
-- at most one open loan, which the database holds to.
CREATE TABLE loans (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    copy_id      INTEGER NOT NULL REFERENCES book_copies(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    lent_by      INTEGER REFERENCES accounts(id),
    lent_at      INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    renewals     INTEGER NOT NULL DEFAULT 0,
    reminded_at  INTEGER,
    returned_at  INTEGER,
    returned_by  INTEGER REFERENCES accounts(id)
);
CREATE UNIQUE INDEX loans_open_copy ON loans (copy_id) WHERE returned_at IS NULL;
CREATE INDEX loans_account ON loans (account_id, returned_at);
CREATE INDEX loans_due ON loans (community_id, returned_at, due_at);

-- A resident waiting for a title: 'waiting' in the queue, 'ready' when a
-- returned copy is kept for them until `ready_until`, then 'done' (lent),
-- 'cancelled' or 'lapsed'.
CREATE TABLE book_holds (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    book_id      INTEGER NOT NULL REFERENCES books(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    state        TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'ready', 'done', 'cancelled', 'lapsed')),
    copy_id      INTEGER REFERENCES book_copies(id),
    ready_until  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX book_holds_one ON book_holds (book_id, account_id) WHERE state IN ('waiting', 'ready');
-- A returned copy is kept for one resident at a time.
CREATE UNIQUE INDEX book_holds_kept ON book_holds (copy_id) WHERE state = 'ready';
CREATE INDEX book_holds_queue ON book_holds (book_id, state, created_at);
CREATE INDEX book_holds_account ON book_holds (account_id);

-- Legal aid: which workgroup is the legal team (by default the one coded
-- 'legal'), and how long a closed account's cases keep their legal record
-- before the personal data is removed.
CREATE TABLE legal_settings (
    community_id INTEGER PRIMARY KEY REFERENCES communities(id),
    workgroup_id INTEGER REFERENCES workgroups(id),
    keep_days    INTEGER NOT NULL DEFAULT 1095 CHECK (keep_days BETWEEN 0 AND 36500)
);

-- A resident's request for confidential legal help. `account_id` is NULL
-- once the personal data has been removed (`erased_at`).
CREATE TABLE legal_cases (
    id              INTEGER PRIMARY KEY,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    account_id      INTEGER REFERENCES accounts(id),
    topic           TEXT NOT NULL CHECK (topic IN ('family', 'labour', 'housing', 'consumer', 'neighbours', 'other')),
    description     TEXT NOT NULL,
    preferred_times TEXT NOT NULL DEFAULT '',
    reach           TEXT NOT NULL CHECK (reach IN ('phone', 'email', 'desk')),
    reach_detail    TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'assigned', 'closed', 'withdrawn')),
    filed_by        INTEGER REFERENCES accounts(id),
    from_request_id INTEGER REFERENCES requests(id),
    outcome         TEXT NOT NULL DEFAULT '',
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment  TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    assigned_at     INTEGER,
    closed_at       INTEGER,
    erase_after     INTEGER,
    erased_at       INTEGER
);
CREATE INDEX legal_cases_community ON legal_cases (community_id, state, created_at);
CREATE INDEX legal_cases_account ON legal_cases (account_id);
CREATE INDEX legal_cases_erase ON legal_cases (erase_after) WHERE erased_at IS NULL;
-- A legal question sent as a request moves into one case only.
CREATE UNIQUE INDEX legal_cases_from_request ON legal_cases (from_request_id) WHERE from_request_id IS NOT NULL;

CREATE TABLE legal_case_volunteers (
    case_id     INTEGER NOT NULL REFERENCES legal_cases(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    assigned_by INTEGER REFERENCES accounts(id),
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, account_id)
);
CREATE INDEX legal_case_volunteers_account ON legal_case_volunteers (account_id);

-- A volunteer's free hour; booked when `case_id` is set.
CREATE TABLE legal_slots (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    volunteer_id INTEGER NOT NULL REFERENCES accounts(id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL CHECK (ends_at > starts_at),
    place        TEXT NOT NULL DEFAULT '',
    case_id      INTEGER REFERENCES legal_cases(id),
    booked_by    INTEGER REFERENCES accounts(id),
    booked_at    INTEGER,
    UNIQUE (volunteer_id, starts_at)
);
CREATE INDEX legal_slots_community ON legal_slots (community_id, starts_at);
CREATE INDEX legal_slots_case ON legal_slots (case_id);

-- What happened in a case: a note, the outcome of a meeting, a follow-up
-- (with the day it is due).
CREATE TABLE legal_notes (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES legal_cases(id),
    author_id    INTEGER REFERENCES accounts(id),
    kind         TEXT NOT NULL CHECK (kind IN ('note', 'outcome', 'follow_up')),
    body         TEXT NOT NULL,
    follow_up_on TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX legal_notes_case ON legal_notes (case_id, created_at);

CREATE TABLE legal_documents (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES legal_cases(id),
    author_id    INTEGER REFERENCES accounts(id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX legal_documents_case ON legal_documents (case_id);

-- Every opening of a case (its page, a document, the API), and every
-- refused try: who, when, which case. The secretary reads it; it holds
-- nothing of the case itself.
CREATE TABLE legal_access_log (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    case_id      INTEGER NOT NULL,
    account_id   INTEGER REFERENCES accounts(id),
    what         TEXT NOT NULL CHECK (what IN ('opened', 'document', 'refused')),
    door         TEXT NOT NULL DEFAULT 'page',
    at           INTEGER NOT NULL
);
CREATE INDEX legal_access_log_at ON legal_access_log (community_id, at);

-- The legal team's monthly class: a time of one of its activities, with
-- the month's topic (its books are linked) and a summary written after.
CREATE TABLE legal_classes (
    occurrence_id INTEGER PRIMARY KEY REFERENCES occurrences(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    topic         TEXT NOT NULL CHECK (topic IN ('general', 'family', 'labour', 'housing', 'consumer', 'neighbours', 'elderly', 'other')),
    summary       TEXT NOT NULL DEFAULT '',
    updated_by    INTEGER REFERENCES accounts(id),
    updated_at    INTEGER NOT NULL
);
