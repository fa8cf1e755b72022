-- Email for news: each person chooses it as it happens, once a day, or not
-- at all. A notification is emailed once: `emailed_at` is set when it is
-- claimed for sending (and cleared again if sending fails).
ALTER TABLE accounts ADD COLUMN email_mode TEXT NOT NULL DEFAULT 'now'
    CHECK (email_mode IN ('now', 'daily', 'off'));
ALTER TABLE notifications ADD COLUMN emailed_at INTEGER;
CREATE INDEX notifications_unmailed ON notifications (created_at) WHERE emailed_at IS NULL;

-- News for a resident who hears it through reception (they asked to be
-- called or told at the desk, or have no account): set when the team says
-- something, cleared when reception has passed it on or the resident
-- answered. Such requests are on reception's list.
ALTER TABLE requests ADD COLUMN desk_news_at INTEGER;
