-- Live across instances: every insert into the event log wakes the pump of
-- every instance (LISTEN grassroots_live), at commit, once per statement.
CREATE FUNCTION live_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('grassroots_live', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER live_events_notify AFTER INSERT ON live_events
    FOR EACH STATEMENT EXECUTE FUNCTION live_events_notify();

-- The district above the communities: district -> street -> community.
CREATE TABLE districts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE streets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

ALTER TABLE communities ADD COLUMN street_id BIGINT REFERENCES streets(id);
CREATE INDEX communities_street ON communities (street_id);

-- Roles in communities other than an account's own (a volunteer lawyer
-- serving three estates; a secretary who set up the next one).
CREATE TABLE memberships (
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    community_id BIGINT NOT NULL REFERENCES communities(id),
    role         TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'member', 'lead', 'reception', 'admin')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, community_id)
);

-- The community a session works in; NULL is the account's own.
ALTER TABLE sessions ADD COLUMN community_id BIGINT REFERENCES communities(id);

-- Street and district offices: who sees the figures rolled up. A row
-- without a street is the district's office.
CREATE TABLE office_staff (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    district_id BIGINT NOT NULL REFERENCES districts(id),
    street_id   BIGINT REFERENCES streets(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX office_staff_account ON office_staff (account_id);
