-- Assessment rules per owner (issue 9 §4–§6), validated JSON: '' is the deployment's base, a
-- region's own apply in its subtree; the most specific owner above a region wins.
CREATE TABLE assess_rules (
    owner_code  TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Red/yellow/blue warnings: one per region and finished month, followed up step by step.
CREATE TABLE assess_warnings (
    id           BIGINT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    period       TEXT NOT NULL,
    color        TEXT NOT NULL CHECK (color IN ('blue', 'yellow', 'red')),
    run          BIGINT NOT NULL,
    score        DOUBLE PRECISION,
    causes       TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('issued', 'talk_held', 'plan_filed', 'closed')),
    issued_at    BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (region_code, period)
);
CREATE INDEX assess_warnings_period ON assess_warnings (period, region_code);

CREATE TABLE assess_warning_steps (
    warning_id  BIGINT NOT NULL,
    step        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (warning_id, step)
);
