-- A category whose requests start private unless the resident chooses
-- otherwise (complaints about neighbours), unlike one that is always
-- private (a legal question).
ALTER TABLE categories ADD COLUMN private_by_default BOOLEAN NOT NULL DEFAULT FALSE;
-- The kiosk's ready sentences for the category, one per line.
ALTER TABLE categories ADD COLUMN kiosk_phrases_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN kiosk_phrases_en TEXT NOT NULL DEFAULT '';
