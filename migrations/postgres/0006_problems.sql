-- From many requests to one problem: recurring requests grouped under a
-- tracked problem with an owner and a plan, until its root cause is fixed.
CREATE TABLE problems (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    plan         TEXT NOT NULL DEFAULT '',
    owner_id     BIGINT REFERENCES accounts(id),
    created_at   BIGINT NOT NULL,
    fixed_at     BIGINT,
    fix_note     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE problem_requests (
    problem_id BIGINT NOT NULL REFERENCES problems(id),
    request_id BIGINT NOT NULL REFERENCES requests(id),
    PRIMARY KEY (problem_id, request_id)
);
CREATE INDEX problem_requests_request ON problem_requests (request_id);
