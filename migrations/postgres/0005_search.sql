-- Search in Chinese: no spaces between words, so the index is of every
-- three characters (pg_trgm; it serves Chinese when the database's
-- LC_CTYPE is UTF-8); shorter queries are answered by a scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX requests_description_trgm ON requests USING gin (lower(description) gin_trgm_ops);
