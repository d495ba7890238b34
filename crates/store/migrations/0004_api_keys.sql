-- API keys for Open311 clients: the key itself is shown once; only its BLAKE2b hash is kept.
CREATE TABLE api_keys (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    scope_code  TEXT NOT NULL CHECK (length(scope_code) = 12),
    created_at  BIGINT NOT NULL,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE
);
