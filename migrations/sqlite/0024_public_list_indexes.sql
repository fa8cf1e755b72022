-- The neighbours' list by building and the estate map read a community's
-- requests by place and by state, not every request it ever had.
CREATE INDEX requests_community_status ON requests (community_id, status, place_id);
CREATE INDEX requests_community_place ON requests (community_id, place_id, created_at);
