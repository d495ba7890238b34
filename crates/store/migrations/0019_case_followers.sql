-- A resident whose problem is already reported follows the existing case instead of filing it
-- again: each follower gets a secret of their own that reads the case's public progress (and
-- nothing else: rating and reopening stay the reporter's).
CREATE TABLE case_followers (
    case_id     BIGINT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (case_id, secret)
);
