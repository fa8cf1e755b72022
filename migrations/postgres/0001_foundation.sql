-- The community's shape, accounts, and the request pipeline.
-- Times are Unix seconds (UTC); the community's time zone is applied on display.

CREATE TABLE communities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    emergency_numbers TEXT NOT NULL DEFAULT '110 / 119 / 120',
    created_at  BIGINT NOT NULL
);

CREATE TABLE places (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    kind         TEXT NOT NULL CHECK (kind IN ('building', 'unit', 'common')),
    code         TEXT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    parent_id    BIGINT REFERENCES places(id),
    UNIQUE (community_id, code)
);

CREATE TABLE accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'member', 'lead', 'reception', 'admin')),
    phone         TEXT,
    email         TEXT,
    password_hash TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE household_members (
    place_id   BIGINT NOT NULL REFERENCES places(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (place_id, account_id)
);

CREATE TABLE workgroups (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    code         TEXT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    UNIQUE (community_id, code)
);

CREATE TABLE workgroup_members (
    workgroup_id BIGINT NOT NULL REFERENCES workgroups(id),
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    is_lead      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (workgroup_id, account_id)
);

CREATE TABLE categories (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    workgroup_id    BIGINT NOT NULL REFERENCES workgroups(id),
    code            TEXT NOT NULL,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    icon            TEXT NOT NULL DEFAULT '📝',
    response_hours  BIGINT NOT NULL,
    resolution_days BIGINT NOT NULL,
    notice_zh       TEXT NOT NULL DEFAULT '',
    notice_en       TEXT NOT NULL DEFAULT '',
    danger_stopper  BOOLEAN NOT NULL DEFAULT FALSE,
    private_by_nature BOOLEAN NOT NULL DEFAULT FALSE,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (community_id, code)
);

CREATE TABLE response_templates (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    status      TEXT NOT NULL,
    text_zh     TEXT NOT NULL,
    text_en     TEXT NOT NULL
);

CREATE TABLE invitations (
    code         TEXT PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    place_id     BIGINT NOT NULL REFERENCES places(id),
    created_by   BIGINT NOT NULL REFERENCES accounts(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_by      BIGINT REFERENCES accounts(id),
    used_at      BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One-time sign-in links (the first administrator's, password resets).
CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE requests (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id        BIGINT NOT NULL REFERENCES communities(id),
    tracking_code       TEXT NOT NULL UNIQUE,
    secret_hash         TEXT NOT NULL,
    kind                TEXT NOT NULL,
    urgency             TEXT NOT NULL,
    category_id         BIGINT NOT NULL REFERENCES categories(id),
    workgroup_id        BIGINT NOT NULL REFERENCES workgroups(id),
    place_id            BIGINT REFERENCES places(id),
    location_note       TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL,
    channel             TEXT NOT NULL,
    visibility          TEXT NOT NULL,
    reporter_account_id BIGINT REFERENCES accounts(id),
    reporter_name       TEXT NOT NULL DEFAULT '',
    reporter_phone      TEXT NOT NULL DEFAULT '',
    reporter_email      TEXT NOT NULL DEFAULT '',
    contact_preference  TEXT NOT NULL DEFAULT 'site',
    entered_by          BIGINT REFERENCES accounts(id),
    status              TEXT NOT NULL,
    assignee_id         BIGINT REFERENCES accounts(id),
    duplicate_of        BIGINT REFERENCES requests(id),
    referred_to         TEXT NOT NULL DEFAULT '',
    rejection_reason    TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    response_due_at     BIGINT NOT NULL,
    resolution_due_at   BIGINT NOT NULL,
    responded_at        BIGINT,
    resolved_at         BIGINT,
    closed_at           BIGINT,
    paused_since        BIGINT,
    follower_count      BIGINT NOT NULL DEFAULT 0,
    rating              BIGINT,
    rating_comment      TEXT NOT NULL DEFAULT '',
    rated_at            BIGINT
);
CREATE INDEX requests_queue ON requests (community_id, workgroup_id, status, created_at);
CREATE INDEX requests_place ON requests (community_id, category_id, place_id, status);
CREATE INDEX requests_reporter ON requests (reporter_account_id, created_at);

-- The audit log and the public timeline: one row per change, written in the
-- same transaction as the change.
CREATE TABLE request_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id     BIGINT NOT NULL REFERENCES requests(id),
    at             BIGINT NOT NULL,
    actor_id       BIGINT REFERENCES accounts(id),
    actor_role     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    from_status    TEXT,
    to_status      TEXT,
    public_message TEXT NOT NULL DEFAULT '',
    internal_note  TEXT NOT NULL DEFAULT '',
    -- public: anyone who may see the request; reporter: the reporter and
    -- staff; staff: staff only.
    audience       TEXT NOT NULL CHECK (audience IN ('public', 'reporter', 'staff'))
);
CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE TABLE request_followers (
    request_id BIGINT NOT NULL REFERENCES requests(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    at         BIGINT NOT NULL,
    PRIMARY KEY (request_id, account_id)
);

-- Photos are stored in the database so that one backup holds everything and
-- several instances share them.
CREATE TABLE photos (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    upload_key  TEXT NOT NULL UNIQUE,
    request_id  BIGINT REFERENCES requests(id),
    jpeg        BYTEA NOT NULL,
    thumb_jpeg  BYTEA NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX photos_request ON photos (request_id);

CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    request_id BIGINT REFERENCES requests(id),
    message_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_account ON notifications (account_id, created_at);
