-- What a keyed request asked for: a retry must carry the same body, a reused key with another
-- body is refused (`idempotency_key_reused`). NULL on keys written before this column.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;

-- One row that the readiness check (`/readyz`) rewrites to learn whether the database takes writes.
CREATE TABLE write_probe (
    id  INTEGER PRIMARY KEY,
    at  BIGINT NOT NULL
);

-- Secrets the deployment makes for itself (e.g. the key that signs public form nonces), shared by
-- every server on the database. Not settings: no screen or API shows them.
CREATE TABLE system_secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
