-- Wrong passwords slow down whoever is guessing, not the account's owner:
-- counted per name as typed (known or not, so the answer never tells which
-- names exist) and per address. The account's own lock goes.
CREATE TABLE signin_failures (
    username   TEXT NOT NULL,
    address    TEXT NOT NULL,
    failures   BIGINT NOT NULL,
    wait_until BIGINT,
    last_at    BIGINT NOT NULL,
    PRIMARY KEY (username, address)
);
CREATE INDEX signin_failures_last_at ON signin_failures (last_at);
ALTER TABLE accounts DROP COLUMN failed_signins;
ALTER TABLE accounts DROP COLUMN signin_locked_until;
