-- From many requests to one problem: recurring requests grouped under a
-- tracked problem with an owner and a plan, until its root cause is fixed.
CREATE TABLE problems (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    plan         TEXT NOT NULL DEFAULT '',
    owner_id     INTEGER REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    fixed_at     INTEGER,
    fix_note     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE problem_requests (
    problem_id INTEGER NOT NULL REFERENCES problems(id),
    request_id INTEGER NOT NULL REFERENCES requests(id),
    PRIMARY KEY (problem_id, request_id)
);
CREATE INDEX problem_requests_request ON problem_requests (request_id);
