-- A visit agreed with the resident: the time, and whether the resident has
-- agreed to it ('proposed' by the team, 'agreed'; '' for none).
ALTER TABLE requests ADD COLUMN appointment_at BIGINT;
ALTER TABLE requests ADD COLUMN appointment_state TEXT NOT NULL DEFAULT '';
-- The time an appointment's history entry names.
ALTER TABLE request_events ADD COLUMN slot BIGINT;
