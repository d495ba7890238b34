-- What a keyed request asked for: a retry must carry the same body, a reused key with another
-- body is refused (`idempotency_key_reused`). NULL on keys written before this column.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;

-- One row that the readiness check (`/readyz`) rewrites to learn whether the database takes writes.
CREATE TABLE write_probe (
    id  INTEGER PRIMARY KEY,
    at  BIGINT NOT NULL
);
