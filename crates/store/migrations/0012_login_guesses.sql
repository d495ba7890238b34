-- Failed logins under names that are no account, counted like accounts' own (failed_logins,
-- locked_until) so that every server answers them alike and no answer tells which names exist.
CREATE TABLE login_guesses (
    name          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  BIGINT NOT NULL,
    last_at       BIGINT NOT NULL
);
