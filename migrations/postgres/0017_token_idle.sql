-- API tokens end after a while unused, like sessions: when each was last
-- used (written at most hourly), so the owner can also see and revoke them.
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
-- Tokens in use before this start their month now, so none ends at upgrade.
UPDATE api_tokens SET last_used_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT);
