-- Two-character search (漏水, 电梯, 噪音). Every pair of neighbouring Chinese
-- characters (U+3400 to U+9FFF) of each description becomes a word of its
-- community, `c12漏水`, in a full-text index of its own, kept by triggers in
-- the same transaction as the description it indexes. A full-text index
-- writes each transaction's words as one small segment; a table of
-- (community, pair, request) rows made every creation write about 25
-- pages at random places of its B-tree (bench/run). Three characters or
-- more use the trigram index (0005); two Latin letters find too much to be
-- worth an index and are looked for with LIKE.
-- Triggers may not use a WITH clause, so positions come from a table.
CREATE TABLE text_positions (n INTEGER PRIMARY KEY);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 8000)
INSERT INTO text_positions (n) SELECT n FROM i;

CREATE VIRTUAL TABLE request_pairs USING fts5(
    pairs, content='', contentless_delete=1, detail=none, tokenize='unicode61'
);

INSERT INTO request_pairs (rowid, pairs)
SELECT r.id, (SELECT group_concat('c' || r.community_id || substr(r.description, p.n, 2), ' ')
              FROM text_positions p WHERE p.n < length(r.description)
                AND unicode(substr(r.description, p.n, 1)) BETWEEN 13312 AND 40959
                AND unicode(substr(r.description, p.n + 1, 1)) BETWEEN 13312 AND 40959)
FROM requests r;

CREATE TRIGGER request_pairs_insert AFTER INSERT ON requests BEGIN
    INSERT INTO request_pairs (rowid, pairs)
    SELECT new.id, group_concat('c' || new.community_id || substr(new.description, n, 2), ' ')
    FROM text_positions WHERE n < length(new.description)
      AND unicode(substr(new.description, n, 1)) BETWEEN 13312 AND 40959
      AND unicode(substr(new.description, n + 1, 1)) BETWEEN 13312 AND 40959;
END;

CREATE TRIGGER request_pairs_update AFTER UPDATE OF description, community_id ON requests
WHEN old.description IS NOT new.description OR old.community_id IS NOT new.community_id BEGIN
    DELETE FROM request_pairs WHERE rowid = old.id;
    INSERT INTO request_pairs (rowid, pairs)
    SELECT new.id, group_concat('c' || new.community_id || substr(new.description, n, 2), ' ')
    FROM text_positions WHERE n < length(new.description)
      AND unicode(substr(new.description, n, 1)) BETWEEN 13312 AND 40959
      AND unicode(substr(new.description, n + 1, 1)) BETWEEN 13312 AND 40959;
END;

CREATE TRIGGER request_pairs_delete AFTER DELETE ON requests BEGIN
    DELETE FROM request_pairs WHERE rowid = old.id;
END;
