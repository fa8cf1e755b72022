-- Photos staff bring back from the field: 'before' is the resident's own,
-- 'progress' goes with an update, 'after' with the solution; each staff
-- photo belongs to the step (timeline event) it illustrates.
ALTER TABLE photos ADD COLUMN stage TEXT NOT NULL DEFAULT 'before';
ALTER TABLE photos ADD COLUMN event_id BIGINT REFERENCES request_events(id);
