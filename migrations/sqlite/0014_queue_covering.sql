-- Found by bench/run on a million requests: a search in a community read
-- each of its requests from the table, one page per request (2,500 pages
-- for one team's requests, about 10 ms). This index holds everything a
-- queue or a search filters and sorts on, the description too, so both
-- read a few hundred neighbouring index pages instead; only the page of
-- results is then read from the table. It replaces requests_queue, whose
-- columns it begins with.
CREATE INDEX requests_queue_covering ON requests (community_id, workgroup_id, status, created_at,
    category_id, urgency, resolution_due_at, updated_at, tracking_code, description);
DROP INDEX requests_queue;
