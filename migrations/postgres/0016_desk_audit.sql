-- What staff did with a person's account or data on their behalf (a copy
-- of their data handed over, a password link made, their name taken off,
-- the account closed): the person sees it in their own data, and the
-- secretary reads it for the community.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    account_id   BIGINT NOT NULL REFERENCES accounts(id),
    actor_id     BIGINT NOT NULL REFERENCES accounts(id),
    action       TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
CREATE INDEX audit_log_community ON audit_log (community_id, at);
