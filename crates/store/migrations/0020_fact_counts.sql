-- Assessment (issue 9): facts counted live, in the transaction of the event that causes them.
-- `scope` is a region code (its own total, rolled up from every village below it), a region code
-- followed by `:urban` or `:rural` (the part of that total from 居委会 or 村委会), or `unit:<id>`.
-- `day` counts days since 1970-01-01 in the deployment's time zone.
CREATE TABLE fact_counts (
    scope  TEXT NOT NULL,
    day    BIGINT NOT NULL,
    fact   TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (scope, day, fact)
);
-- A state count's value is the sum of all its steps up to a day: read per scope and fact.
-- (The condition must stay word for word the one in `assess::STOCK_FILTER`.)
CREATE INDEX fact_counts_stock ON fact_counts (scope, fact, day, n)
    WHERE fact IN ('overdue_open', 'households', 'persons', 'grids', 'tagged_households');

-- What the counting needs to know of a case that its other columns do not say: whether its
-- current deadline was counted as passed, whether it is counted as open and overdue, and how
-- many times it was reopened.
ALTER TABLE cases ADD COLUMN deadline_seen BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN overdue_open BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
-- The sweep finds deadlines that passed and were not counted yet.
CREATE INDEX cases_unseen_deadline ON cases (deadline_seen, deadline_at);

-- What each event left behind, so a recount can replay the counting from the events alone:
-- the stage deadline in force after it, the 督办 deadline a `supervise` set, and the rating of a
-- `rate` (or the mediation's outcome on the event a mediation session caused).
ALTER TABLE case_events ADD COLUMN stage_deadline BIGINT;
ALTER TABLE case_events ADD COLUMN due_at BIGINT;
ALTER TABLE case_events ADD COLUMN outcome TEXT;
