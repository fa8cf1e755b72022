-- A walk-in signed up by phone hears of a cancelled or moved time from
-- reception: the news waits on the sign-up until reception has told them.
ALTER TABLE signups ADD COLUMN desk_news TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN desk_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN desk_news_at BIGINT;
CREATE INDEX signups_desk_news ON signups (desk_news_at) WHERE desk_news_at IS NOT NULL;
