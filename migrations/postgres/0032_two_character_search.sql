-- SQLite's migration 0032 indexes each description's pairs of Chinese
-- characters for two-character search. On PostgreSQL a GIN index of the
-- pairs (an immutable function over the description) was tried and made
-- the queue's search and the neighbours' list slower than LIKE in bench/run
-- (BENCHMARKS.md, issue 24), so searches of two characters use LIKE here.
-- Nothing changes; the number keeps both engines' migrations in step.
SELECT 1;
