-- Boundaries of regions and grids (maps, issue 8 §2). One table for both kinds so that "which
-- grid or village holds this point" is one query: the bounding box narrows the rows, the
-- point-in-polygon test (in Rust) decides. A grid's old free-form `grids.geojson` is no longer
-- read: it was never validated, and a boundary now comes in through the checked import.
CREATE TABLE shapes (
    code         TEXT PRIMARY KEY CHECK (length(code) IN (12, 15)),
    kind         TEXT NOT NULL CHECK (kind IN ('region','grid')),
    depth        INTEGER NOT NULL,
    region_code  TEXT NOT NULL CHECK (length(region_code) = 12),
    geometry     TEXT NOT NULL,
    min_lng      DOUBLE PRECISION NOT NULL,
    min_lat      DOUBLE PRECISION NOT NULL,
    max_lng      DOUBLE PRECISION NOT NULL,
    max_lat      DOUBLE PRECISION NOT NULL,
    generated    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX shapes_box ON shapes (min_lng, max_lng, min_lat);
CREATE INDEX shapes_region ON shapes (region_code, code);

-- Where a household is, for the grid worker's map (optional; filled by import or the demo).
ALTER TABLE households ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE households ADD COLUMN lng DOUBLE PRECISION;
