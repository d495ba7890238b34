-- A case action sent from the field app's offline queue carries an Idempotency-Key: a resend
-- after a lost answer is answered with the case as it is, not refused as stale.
CREATE TABLE case_action_keys (
    idem_key    TEXT PRIMARY KEY,
    case_id     BIGINT NOT NULL,
    action      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
