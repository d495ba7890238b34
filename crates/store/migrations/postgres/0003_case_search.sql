-- Full-text search over cases (PostgreSQL): the same space-joined bigram terms as on SQLite, as a
-- 'simple' tsvector with a GIN index.
CREATE TABLE case_search (
    case_id  BIGINT PRIMARY KEY,
    body     TSVECTOR NOT NULL
);
CREATE INDEX case_search_body ON case_search USING GIN (body);
