-- A region's own version of a 小类, or a 小类 of its own: a county's name, limits, escalation or
-- activity for its territory. Where a case happens, the most specific owner above it wins; the
-- base catalog (case_categories) belongs to the deployment's top administrator.
CREATE TABLE category_overrides (
    owner_code     TEXT NOT NULL CHECK (length(owner_code) = 12),
    code           TEXT NOT NULL CHECK (length(code) = 4),
    parent_code    TEXT NOT NULL,
    name           TEXT NOT NULL,
    domain         TEXT NOT NULL DEFAULT '' CHECK (domain IN ('', 'city', 'social')),
    priority       TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal','urgent','emergency')),
    limit_unit     TEXT NOT NULL DEFAULT 'working_days' CHECK (limit_unit IN ('working_hours','working_days')),
    limit_value    INTEGER NOT NULL DEFAULT 7 CHECK (limit_value > 0),
    dispute        BOOLEAN NOT NULL DEFAULT FALSE,
    auto_escalate  BOOLEAN NOT NULL DEFAULT TRUE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    dispatch_hours INTEGER,
    sign_hours     INTEGER,
    verify_hours   INTEGER,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (owner_code, code)
);
