-- Retries and double clicks make one request, and the retry gets the first
-- answer. Each form carries a one-time token and API clients may send an
-- Idempotency-Key; the pair (who, where, key) is claimed here before the
-- work runs, and the answer is kept for a day to be given again.
CREATE TABLE submissions (
    key_hash TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    status INTEGER,
    location TEXT,
    content_type TEXT,
    body BLOB
);
CREATE INDEX submissions_started ON submissions (started_at);

-- A new request remembers the submission that made it, in the same
-- transaction, so even a crash between saving and answering cannot let the
-- retry make a second one.
ALTER TABLE requests ADD COLUMN submission_key TEXT;
CREATE UNIQUE INDEX requests_submission_key ON requests (submission_key);
