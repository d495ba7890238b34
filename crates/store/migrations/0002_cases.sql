-- Cases (SPEC §3): the catalog (categories, routing rules, calendar), cases, their append-only
-- events, idempotency keys and per-county daily number counters. Shared by both backends.

-- A handler account works for one unit (a department or a village/community committee).
ALTER TABLE users ADD COLUMN unit_id BIGINT;

-- 大类 (parent_code NULL) and 小类 with their limits.
CREATE TABLE case_categories (
    code           TEXT PRIMARY KEY CHECK (length(code) IN (2, 4)),
    parent_code    TEXT,
    name           TEXT NOT NULL,
    domain         TEXT NOT NULL DEFAULT '' CHECK (domain IN ('', 'city', 'social')),
    priority       TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal','urgent','emergency')),
    limit_unit     TEXT NOT NULL DEFAULT 'working_days' CHECK (limit_unit IN ('working_hours','working_days')),
    limit_value    INTEGER NOT NULL DEFAULT 7 CHECK (limit_value > 0),
    dispute        BOOLEAN NOT NULL DEFAULT FALSE,
    auto_escalate  BOOLEAN NOT NULL DEFAULT TRUE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX case_categories_parent ON case_categories (parent_code, code);

-- 小类 × region-code prefix → unit; the longest matching prefix wins.
CREATE TABLE routing_rules (
    id             BIGINT PRIMARY KEY,
    subcategory    TEXT NOT NULL,
    region_prefix  TEXT NOT NULL,
    unit_id        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX routing_rules_key ON routing_rules (subcategory, region_prefix);

-- Exceptions to Monday–Friday: public holidays and swapped working days (调休).
CREATE TABLE calendar_days (
    day   TEXT PRIMARY KEY CHECK (length(day) = 10),
    kind  TEXT NOT NULL CHECK (kind IN ('holiday','workday'))
);

CREATE TABLE case_counters (
    county_code  TEXT NOT NULL,
    day          TEXT NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (county_code, day)
);

CREATE TABLE cases (
    county_code        TEXT NOT NULL CHECK (length(county_code) = 6),
    id                 BIGINT NOT NULL,
    number             TEXT NOT NULL,
    secret             TEXT NOT NULL,
    category_code      TEXT NOT NULL,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    lat                DOUBLE PRECISION,
    lng                DOUBLE PRECISION,
    region_code        TEXT NOT NULL CHECK (length(region_code) = 12),
    -- The first nine digits of region_code: the township, for the queue's equality index.
    township_code      TEXT NOT NULL CHECK (length(township_code) = 9),
    grid_code          TEXT,
    source             TEXT NOT NULL CHECK (source IN ('web','grid','hotline','window','api','open311')),
    priority           TEXT NOT NULL CHECK (priority IN ('normal','urgent','emergency')),
    dispute            BOOLEAN NOT NULL DEFAULT FALSE,
    reporter_name      TEXT,
    reporter_phone     TEXT,
    reporter_user_id   BIGINT,
    created_by         BIGINT,
    state              TEXT NOT NULL CHECK (state IN ('reported','accepted','rejected','dispatched','in_progress','returned','handled','escalated','suspended','closed')),
    level              TEXT NOT NULL CHECK (level IN ('village','township','county','city')),
    level_code         TEXT NOT NULL CHECK (length(level_code) = 12),
    route_by           TEXT NOT NULL DEFAULT '',
    route_unit_id      BIGINT,
    unit_id            BIGINT,
    first_unit_id      BIGINT,
    returns            INTEGER NOT NULL DEFAULT 0,
    reworks            INTEGER NOT NULL DEFAULT 0,
    escalations        INTEGER NOT NULL DEFAULT 0,
    closed_level       TEXT,
    stage_started_at   BIGINT,
    warn_at            BIGINT,
    deadline_at        BIGINT,
    limit_ms           BIGINT,
    paused_remaining_ms BIGINT,
    suspend_requested  BOOLEAN NOT NULL DEFAULT FALSE,
    supervised_by      BIGINT,
    supervise_deadline BIGINT,
    duplicate_of       BIGINT,
    satisfaction       TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    closed_at          BIGINT,
    version            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (county_code, id)
);
CREATE UNIQUE INDEX cases_id ON cases (id);
CREATE UNIQUE INDEX cases_number ON cases (number);
-- The queue: a state within one village, township or county (or everywhere), newest first,
-- read in index order without sorting. Without a state: region_code, township_code or the
-- primary key (county_code, id).
CREATE INDEX cases_queue ON cases (state, region_code, id);
CREATE INDEX cases_q_township ON cases (state, township_code, id);
CREATE INDEX cases_q_county ON cases (state, county_code, id);
CREATE INDEX cases_q_state ON cases (state, id);
CREATE INDEX cases_township ON cases (township_code, id);
-- The timer sweep and the overdue filter.
CREATE INDEX cases_deadline ON cases (deadline_at);
CREATE INDEX cases_unit ON cases (unit_id, state, id);
CREATE INDEX cases_region ON cases (region_code, id);
CREATE INDEX cases_grid ON cases (grid_code, category_code, created_at);
-- Duplicate suggestions: the same 小类 in a recent window.
CREATE INDEX cases_category ON cases (category_code, created_at);

CREATE TABLE case_events (
    county_code   TEXT NOT NULL,
    case_id       BIGINT NOT NULL,
    seq           INTEGER NOT NULL,
    at            BIGINT NOT NULL,
    actor_id      BIGINT,
    actor_name    TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    unit_id       BIGINT,
    level         TEXT,
    note          TEXT NOT NULL DEFAULT '',
    attachments   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (county_code, case_id, seq)
);

-- A retried create with the same key returns the first case.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    case_id      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- Settings an administrator changes at run time (e.g. `reopen_days`).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
