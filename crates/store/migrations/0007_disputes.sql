-- Disputes (矛盾纠纷): the mediator pool with expertise tags (专家调解库), the parties of a dispute
-- case, and its mediation sessions with their outcome and agreement.
CREATE TABLE mediators (
    id           BIGINT PRIMARY KEY,
    region_code  TEXT NOT NULL CHECK (length(region_code) = 12),
    name         TEXT NOT NULL,
    phone        TEXT,
    tags         TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX mediators_region ON mediators (region_code, id);

CREATE TABLE dispute_parties (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL,
    case_id      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    phone        TEXT,
    side         TEXT NOT NULL CHECK (side IN ('applicant','respondent','other')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX dispute_parties_case ON dispute_parties (case_id, id);

CREATE TABLE mediation_sessions (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL,
    case_id      BIGINT NOT NULL,
    mediator_id  BIGINT,
    held_at      BIGINT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL CHECK (outcome IN ('success','failure','adjourned')),
    agreement    TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX mediation_sessions_case ON mediation_sessions (case_id, id);
