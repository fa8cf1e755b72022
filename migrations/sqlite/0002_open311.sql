-- Open311 GeoReport v2: service descriptions, extra fields per category,
-- API keys, and what civic apps send with a request.

ALTER TABLE categories ADD COLUMN description_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN description_en TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
-- Requests in these categories are checked by staff before they count:
-- Open311 clients get a token first, and the request's id once answered.
ALTER TABLE categories ADD COLUMN needs_review BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE category_attributes (
    id                   INTEGER PRIMARY KEY,
    category_id          INTEGER NOT NULL REFERENCES categories(id),
    code                 TEXT NOT NULL,
    datatype             TEXT NOT NULL CHECK (datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')),
    -- false: a line of information shown with the form, not a question.
    variable             BOOLEAN NOT NULL DEFAULT TRUE,
    required             BOOLEAN NOT NULL DEFAULT FALSE,
    datatype_description TEXT NOT NULL DEFAULT '',
    sort_order           INTEGER NOT NULL DEFAULT 0,
    description_zh       TEXT NOT NULL,
    description_en       TEXT NOT NULL DEFAULT '',
    UNIQUE (category_id, code)
);

CREATE TABLE category_attribute_values (
    attribute_id INTEGER NOT NULL REFERENCES category_attributes(id),
    value_key    TEXT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    sort_order   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (attribute_id, value_key)
);

-- One row per answer; a multi-value list has several rows for one code.
CREATE TABLE request_attributes (
    request_id INTEGER NOT NULL REFERENCES requests(id),
    code       TEXT NOT NULL,
    value      TEXT NOT NULL
);
CREATE INDEX request_attributes_request ON request_attributes (request_id);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

ALTER TABLE requests ADD COLUMN api_key_id INTEGER REFERENCES api_keys(id);
ALTER TABLE requests ADD COLUMN lat REAL;
ALTER TABLE requests ADD COLUMN lng REAL;
ALTER TABLE requests ADD COLUMN address_string TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN media_url TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN external_account_id TEXT NOT NULL DEFAULT '';

CREATE TABLE open311_tokens (
    token      TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    created_at INTEGER NOT NULL
);

CREATE INDEX requests_created ON requests (community_id, created_at);
CREATE INDEX requests_updated ON requests (community_id, updated_at);
CREATE INDEX request_events_at ON request_events (at);
