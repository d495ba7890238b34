-- Patrols (巡查): a grid worker walks a grid from a start to an end and notes the cases found on
-- the way. `idem_key` makes a start retried from the field app's offline queue answer the first.
CREATE TABLE patrols (
    id            BIGINT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    grid_code     TEXT NOT NULL,
    worker_id     BIGINT,
    worker_name   TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    notes         TEXT NOT NULL DEFAULT '',
    idem_key      TEXT UNIQUE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX patrols_grid ON patrols (grid_code, started_at);
CREATE TABLE patrol_cases (
    patrol_id     BIGINT NOT NULL,
    case_id       BIGINT NOT NULL,
    PRIMARY KEY (patrol_id, case_id)
);
