-- SQLite's migration 0014 puts the description in an index so a search
-- reads no table rows; PostgreSQL's B-tree entries are limited to about
-- 2,700 bytes, which a long description exceeds, and its searches use the
-- trigram index of 0005. Nothing changes here; the number keeps both
-- engines' migrations in step.
SELECT 1;
