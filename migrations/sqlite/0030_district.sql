-- The district above the communities, and the community a session works in.

-- The district above the communities: district -> street -> community.
CREATE TABLE districts (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE streets (
    id          INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

ALTER TABLE communities ADD COLUMN street_id INTEGER REFERENCES streets(id);
CREATE INDEX communities_street ON communities (street_id);

-- Roles in communities other than an account's own (a volunteer lawyer
-- serving three estates; a secretary who set up the next one).
CREATE TABLE memberships (
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    role         TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'member', 'lead', 'reception', 'admin')),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, community_id)
);

-- The community a session works in; NULL is the account's own.
ALTER TABLE sessions ADD COLUMN community_id INTEGER REFERENCES communities(id);

-- Street and district offices: who sees the figures rolled up. A row
-- without a street is the district's office.
CREATE TABLE office_staff (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    district_id INTEGER NOT NULL REFERENCES districts(id),
    street_id   INTEGER REFERENCES streets(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX office_staff_account ON office_staff (account_id);
