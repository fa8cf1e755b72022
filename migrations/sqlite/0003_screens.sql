-- The community screen and kiosk, notices, and the live event log that
-- feeds their streams (kept so a screen that reconnects misses nothing).

CREATE TABLE screens (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    token        TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('screen', 'kiosk')),
    name         TEXT NOT NULL,
    place_id     INTEGER REFERENCES places(id),
    -- zh, en, or both (alternating)
    language     TEXT NOT NULL DEFAULT 'both',
    -- Panels shown, one a line, each optionally with hours: `rates 07:00-10:00`.
    panels       TEXT NOT NULL DEFAULT '',
    last_seen_at INTEGER,
    silent_alert_at INTEGER,
    created_at   INTEGER NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title_zh     TEXT NOT NULL,
    title_en     TEXT NOT NULL DEFAULT '',
    body_zh      TEXT NOT NULL DEFAULT '',
    body_en      TEXT NOT NULL DEFAULT '',
    -- An emergency takes over every screen until withdrawn.
    emergency    BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   INTEGER REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    withdrawn_at INTEGER
);
CREATE INDEX notices_current ON notices (community_id, withdrawn_at);

CREATE TABLE live_events (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind         TEXT NOT NULL,
    -- Public information only: what a screen may show.
    payload      TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX live_events_community ON live_events (community_id, id);
