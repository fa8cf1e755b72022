-- The outside bodies a request can be referred to (the power bureau, the
-- water company, the street office), kept by the secretary; a referral
-- names one and waits on its answer until a day when the team is reminded.
CREATE TABLE outside_bodies (
    id           INTEGER PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT NOT NULL,
    UNIQUE (community_id, name_zh)
);
ALTER TABLE requests ADD COLUMN referred_body_id BIGINT REFERENCES outside_bodies(id);
ALTER TABLE requests ADD COLUMN referral_due_at BIGINT;
CREATE INDEX requests_referral_due ON requests (referral_due_at);
