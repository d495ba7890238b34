-- Tongchou schema v1, one text for SQLite and PostgreSQL: every statement here means the same on both.
-- A change that cannot be written so goes into a per-backend file (migrations/{sqlite,postgres}/).
-- Portable rules: TEXT + CHECK instead of enums, app-generated ids, no triggers, county code
-- leading the primary key of high-volume tables, times as unix milliseconds (BIGINT).

CREATE TABLE regions (
    code         TEXT PRIMARY KEY CHECK (length(code) = 12),
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('province','city','county','township','village')),
    parent_code  TEXT,
    urban_rural  TEXT CHECK (urban_rural IN ('urban','rural')),
    ur_override  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE units (
    id           BIGINT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('department','committee','center_office')),
    created_at   BIGINT NOT NULL
);
CREATE INDEX units_region ON units (region_code, id);

CREATE TABLE service_centers (
    id           BIGINT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('province','city','county','township','village')),
    has_org      BOOLEAN NOT NULL DEFAULT FALSE,
    has_staff    BOOLEAN NOT NULL DEFAULT FALSE,
    has_funds    BOOLEAN NOT NULL DEFAULT FALSE,
    has_venue    BOOLEAN NOT NULL DEFAULT FALSE,
    has_rules    BOOLEAN NOT NULL DEFAULT FALSE,
    has_work     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX service_centers_region ON service_centers (region_code, id);

CREATE TABLE grids (
    code         TEXT PRIMARY KEY CHECK (length(code) = 15),
    region_code  TEXT NOT NULL CHECK (length(region_code) = 12),
    name         TEXT NOT NULL,
    worker_name  TEXT,
    worker_phone TEXT,
    leader_name  TEXT,
    geojson      TEXT,
    centroid_lat DOUBLE PRECISION,
    centroid_lng DOUBLE PRECISION,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX grids_region ON grids (region_code, code);

CREATE TABLE households (
    county_code  TEXT NOT NULL CHECK (length(county_code) = 6),
    id           BIGINT NOT NULL,
    region_code  TEXT NOT NULL CHECK (length(region_code) = 12),
    grid_code    TEXT NOT NULL CHECK (length(grid_code) = 15),
    address      TEXT NOT NULL,
    phone        TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX households_id ON households (id);
CREATE UNIQUE INDEX households_address ON households (county_code, grid_code, address);
CREATE INDEX households_grid ON households (grid_code, id);
CREATE INDEX households_region ON households (region_code, id);

CREATE TABLE persons (
    county_code     TEXT NOT NULL CHECK (length(county_code) = 6),
    id              BIGINT NOT NULL,
    household_id    BIGINT NOT NULL,
    region_code     TEXT NOT NULL CHECK (length(region_code) = 12),
    grid_code       TEXT NOT NULL CHECK (length(grid_code) = 15),
    name            TEXT NOT NULL,
    id_number       TEXT NOT NULL CHECK (length(id_number) = 18),
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('male','female')),
    phone           TEXT,
    relation        TEXT NOT NULL DEFAULT '',
    residence_type  TEXT NOT NULL CHECK (residence_type IN ('registered','resident','floating')),
    tags            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX persons_id ON persons (id);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_region ON persons (region_code, id);
CREATE INDEX persons_grid ON persons (grid_code, id);

-- Global uniqueness of ID numbers, keyed by the number itself (a distributed table can be keyed
-- by id_number while persons are keyed by county).
CREATE TABLE id_numbers (
    id_number    TEXT PRIMARY KEY,
    county_code  TEXT NOT NULL,
    person_id    BIGINT NOT NULL
);

-- Name search: the first character and every bigram of each name (see domain::search).
CREATE TABLE person_grams (
    gram         TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    person_id    BIGINT NOT NULL,
    PRIMARY KEY (gram, region_code, person_id)
);
CREATE INDEX person_grams_person ON person_grams (person_id);

CREATE TABLE users (
    id             BIGINT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('resident','grid_worker','agent','dispatcher','handler','leader','party_officer','admin')),
    scope_code     TEXT NOT NULL,
    grid_code      TEXT,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);
CREATE INDEX users_scope ON users (scope_code);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    user_id      BIGINT,
    username     TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    region_code  TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, id)
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_region ON audit_log (region_code, at);
