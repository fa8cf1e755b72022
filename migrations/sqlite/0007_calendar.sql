-- A working calendar per community: when it is on, the deadlines of
-- ordinary requests count working hours on working days.
ALTER TABLE communities ADD COLUMN working_hours_on BOOLEAN NOT NULL DEFAULT FALSE;
-- ISO weekday numbers, Monday = 1.
ALTER TABLE communities ADD COLUMN work_days TEXT NOT NULL DEFAULT '12345';
ALTER TABLE communities ADD COLUMN work_open TEXT NOT NULL DEFAULT '08:30';
ALTER TABLE communities ADD COLUMN work_close TEXT NOT NULL DEFAULT '17:30';

-- Holidays (working = false) and make-up working days (working = true),
-- as local dates YYYY-MM-DD.
CREATE TABLE calendar_days (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    day          TEXT NOT NULL,
    working      BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (community_id, day)
);
