-- Found by bench/run on a million requests over 200 communities.
-- The district's rates read only requests with a deadline, a closing or a
-- rating in the months shown: one index per time, so the database reads
-- those rows instead of all of them.
CREATE INDEX requests_response_due ON requests (response_due_at);
CREATE INDEX requests_resolution_due ON requests (resolution_due_at);
CREATE INDEX requests_closed ON requests (closed_at);
CREATE INDEX requests_rated ON requests (rated_at);
-- Open311 listings filtered by service (a category) over a date range.
CREATE INDEX requests_category_created ON requests (community_id, category_id, created_at);
