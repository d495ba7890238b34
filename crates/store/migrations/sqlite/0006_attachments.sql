-- Photos and documents attached to cases (evidence of handling, reports from the grid).
CREATE TABLE attachments (
    county_code  TEXT NOT NULL,
    id           BIGINT NOT NULL,
    case_id      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL CHECK (mime IN ('image/jpeg','image/png','image/webp','application/pdf')),
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX attachments_case ON attachments (case_id, id);
CREATE UNIQUE INDEX attachments_id ON attachments (id);
