-- The in-app inbox: one row per recipient and message.
CREATE TABLE notifications (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    case_id      BIGINT,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL,
    read         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX notifications_user ON notifications (user_id, read, id);

-- Whether the supervising leader was told that the 督办 deadline passed.
ALTER TABLE cases ADD COLUMN supervise_alerted BOOLEAN NOT NULL DEFAULT FALSE;
