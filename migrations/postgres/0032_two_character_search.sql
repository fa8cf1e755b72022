-- Two-character search (漏水, 电梯, 噪音). Every pair of neighbouring Chinese
-- characters (U+3400 to U+9FFF) of each description becomes a word of its
-- community, `12:漏水`, in an inverted (GIN) index over the requests
-- themselves, kept with the row in the same transaction; GIN gathers new
-- entries in its pending list, so a creation writes little. Three
-- characters or more use the trigram index (0005); two Latin letters find
-- too much to be worth an index and are looked for with LIKE.
CREATE FUNCTION request_pairs(community BIGINT, d TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT community || ':' || substr(d, n, 2)), '{}')
    FROM generate_series(1, length(d) - 1) AS n
    WHERE ascii(substr(d, n, 1)) BETWEEN 13312 AND 40959
      AND ascii(substr(d, n + 1, 1)) BETWEEN 13312 AND 40959
$$;

CREATE INDEX requests_pairs ON requests USING gin (request_pairs(community_id, description));
