-- Search in Chinese: no spaces between words, so the index is of every
-- three characters (trigram); shorter queries fall back to LIKE.
CREATE VIRTUAL TABLE requests_fts USING fts5(description, content='requests', content_rowid='id', tokenize='trigram');
INSERT INTO requests_fts(rowid, description) SELECT id, description FROM requests;
CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_fts(rowid, description) VALUES (new.id, new.description);
END;
CREATE TRIGGER requests_fts_update AFTER UPDATE OF description ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, description) VALUES ('delete', old.id, old.description);
    INSERT INTO requests_fts(rowid, description) VALUES (new.id, new.description);
END;
CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, description) VALUES ('delete', old.id, old.description);
END;
