-- Sign-in slows down, then locks, after wrong passwords in a row: counted
-- on the account, so every instance sees the same count. A right password,
-- or a new one set by reception or an administrator, starts again.
ALTER TABLE accounts ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN signin_locked_until INTEGER;
