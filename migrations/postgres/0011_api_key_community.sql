-- An Open311 key belongs to the community whose administrator made it: it
-- files requests there only, and no other community's administrator sees
-- or revokes it. Keys made before this belong to the first community.
ALTER TABLE api_keys ADD COLUMN community_id BIGINT REFERENCES communities(id);
UPDATE api_keys SET community_id = (SELECT MIN(id) FROM communities);
