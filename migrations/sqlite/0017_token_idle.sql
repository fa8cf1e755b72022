-- API tokens end after a while unused, like sessions: when each was last
-- used (written at most hourly), so the owner can also see and revoke them.
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
