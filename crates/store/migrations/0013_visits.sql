-- Household visits (走访) by grid workers. `idem_key` makes a retried upload from the field app's
-- offline queue answer the first visit instead of recording a second.
CREATE TABLE visits (
    id            BIGINT PRIMARY KEY,
    county_code   TEXT NOT NULL,
    household_id  BIGINT NOT NULL,
    region_code   TEXT NOT NULL,
    grid_code     TEXT NOT NULL,
    visitor_id    BIGINT,
    visitor_name  TEXT NOT NULL,
    visited_at    BIGINT NOT NULL,
    purpose       TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    findings      TEXT NOT NULL DEFAULT '',
    idem_key      TEXT UNIQUE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_at);
CREATE INDEX visits_grid ON visits (grid_code, visited_at);
