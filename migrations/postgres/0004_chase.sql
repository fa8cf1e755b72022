-- Deadlines that chase: every job the scheduler does is recorded under a
-- key naming the request and the deadline it is about, in the same
-- transaction as what it does, so each happens once however many
-- instances run and however long they were down.

CREATE TABLE jobs_done (
    job_key TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);

-- Days after a resolution: ask the resident to confirm; then close it as
-- not confirmed.
ALTER TABLE communities ADD COLUMN confirm_nudge_days BIGINT NOT NULL DEFAULT 3;
ALTER TABLE communities ADD COLUMN auto_close_days BIGINT NOT NULL DEFAULT 10;
