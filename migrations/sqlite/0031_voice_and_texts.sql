-- Voice messages and text messages, for residents who do not type or read
-- email.

-- A resident's recording, staged by the page that made it and tied to the
-- request (and, for an answer to the team's question, to that step).
CREATE TABLE recordings (
    id          INTEGER PRIMARY KEY,
    upload_key  TEXT NOT NULL UNIQUE,
    request_id  INTEGER REFERENCES requests(id),
    event_id    INTEGER REFERENCES request_events(id),
    container   TEXT NOT NULL CHECK (container IN ('webm', 'mp4')),
    duration_ms INTEGER NOT NULL,
    audio       BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX recordings_request ON recordings (request_id);

-- A request told by voice alone gets a summary typed by staff: whose words.
ALTER TABLE requests ADD COLUMN summary_by INTEGER REFERENCES accounts(id);
-- The language a resident without an account used, for texts to them.
ALTER TABLE requests ADD COLUMN reporter_lang TEXT NOT NULL DEFAULT 'zh';

-- News by text message: the person's choice and language.
ALTER TABLE accounts ADD COLUMN sms_on BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'zh';
ALTER TABLE notifications ADD COLUMN texted_at INTEGER;
CREATE INDEX notifications_untexted ON notifications (account_id) WHERE texted_at IS NULL;

-- The community's text gateway: a generic HTTP call.
CREATE TABLE sms_gateways (
    community_id   INTEGER PRIMARY KEY REFERENCES communities(id),
    url            TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('POST', 'GET')),
    content_type   TEXT NOT NULL CHECK (content_type IN ('json', 'form')),
    body_template  TEXT NOT NULL,
    secret         TEXT NOT NULL,
    success_marker TEXT NOT NULL DEFAULT '',
    per_person_day INTEGER NOT NULL,
    per_day        INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     INTEGER REFERENCES accounts(id)
);

-- Every text: waiting (until its time), sent, delivered, or failed (then
-- reception tells the resident instead).
CREATE TABLE sms_messages (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    account_id    INTEGER REFERENCES accounts(id),
    request_id    INTEGER REFERENCES requests(id),
    phone         TEXT NOT NULL,
    lang          TEXT NOT NULL,
    message_key   TEXT NOT NULL,
    danger        BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL DEFAULT 'waiting'
                  CHECK (status IN ('waiting', 'sent', 'delivered', 'failed')),
    body          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    next_try_at   INTEGER NOT NULL,
    claimed_until INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    sent_at       INTEGER,
    delivered_at  INTEGER,
    failed_at     INTEGER,
    told_at       INTEGER,
    told_by       INTEGER REFERENCES accounts(id)
);
CREATE INDEX sms_messages_due ON sms_messages (next_try_at) WHERE status = 'waiting';
CREATE INDEX sms_messages_phone ON sms_messages (community_id, phone, created_at);
CREATE INDEX sms_messages_failed ON sms_messages (community_id) WHERE status = 'failed' AND told_at IS NULL;

-- A texted link that opens a request for its reporter without an account
-- (the ticket's secret link cannot be read back: it is kept as a hash).
CREATE TABLE sms_links (
    token_hash  TEXT PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX sms_links_request ON sms_links (request_id);
